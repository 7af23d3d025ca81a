"""Rendering the annual report: Markdown, HTML and JSON.

Tables are laid out once, as grids of cells with their row and column spans (the official
merged-cell layout), and printed as HTML tables by one template macro. Markdown has no merged
cells, so the Markdown report embeds the same HTML tables, which Markdown and the portal accept;
``plain`` tables spell each merged cell out in every slot it covers, as pipe tables that paste
into the 微信公众号 editor and Word.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2
import markdown as md
import nh3
from markupsafe import Markup

from gkctl.core.resources import data_dir
from gkctl.report import tables as T
from gkctl.report.compute import Table2Row, Table3, Table4
from gkctl.report.model import AnnualReport


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


Grid = list[list[Cell]]


def fmt(value: int | Decimal) -> str:
    """A count as an integer; an amount in 万元 without trailing zeros or exponent."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


def grid2(rows: list[Table2Row]) -> Grid:
    """Table 二: four blocks of caption row, header row and data rows, four columns wide."""
    by_label = {row.label: row for row in rows}
    grid: Grid = []
    for block in T.TABLE2:
        grid.append([Cell(block.caption, colspan=4, header=True)])
        span = 4 - len(block.columns)  # 1 for （一）, 3 for the single-column blocks
        head = [Cell(T.T2_HEAD, header=True)]
        head += [Cell(c, colspan=1 if len(block.columns) > 1 else span, header=True) for c in block.columns]
        grid.append(head)
        for label in block.rows:
            values = by_label[label].values
            line = [Cell(label, header=True)]
            line += [Cell(fmt(values[c]), colspan=1 if len(block.columns) > 1 else span) for c in block.columns]
            grid.append(line)
    return grid


def grid3(table: Table3) -> Grid:
    """Table 三: 3 header rows + 25 data rows, 3 merged label columns + 7 number columns."""
    grid: Grid = [
        [Cell(T.T3_NOTE, rowspan=3, colspan=3, header=True), Cell(T.T3_APPLICANTS, colspan=7, header=True)],
        [Cell(T.APPLICANT_TYPES[0], rowspan=2, header=True), Cell(T.T3_ORGS, colspan=5, header=True),
         Cell(T.T3_TOTAL, rowspan=2, header=True)],
        [Cell(c, header=True) for c in T.APPLICANT_TYPES[1:]],
    ]
    results_span = len(T.RESULT_ROW_RANGE) + 1  # rows 3-24: the result rows and （七）总计
    seen: set[str] = set()
    for index, row in enumerate(T.TABLE3_ROWS):
        labels = row.labels
        line: list[Cell] = []
        if len(labels) == 1:
            line.append(Cell(labels[0], colspan=3, header=True))
        else:
            if labels[0] not in seen:
                seen.add(labels[0])
                line.append(Cell(labels[0], rowspan=results_span, header=True))
            if len(labels) == 2:
                line.append(Cell(labels[1], colspan=2, header=True))
            else:
                if labels[1] not in seen:
                    seen.add(labels[1])
                    span = sum(1 for r in T.TABLE3_ROWS if r.labels[1:2] == labels[1:2])
                    line.append(Cell(labels[1], rowspan=span, header=True))
                line.append(Cell(labels[2], header=True))
        line += [Cell(fmt(table[index][c])) for c in T.T3_COLUMNS]
        grid.append(line)
    return grid


def grid4(table: Table4) -> Grid:
    """Table 四: 行政复议 (5 columns) and 行政诉讼 (2 x 5 columns), three header rows, one data row."""
    n = len(T.T4_GROUP_COLUMNS)
    return [
        [Cell(T.T4_REVIEW, colspan=n, header=True), Cell(T.T4_LITIGATION, colspan=2 * n, header=True)],
        [*(Cell(c, rowspan=2, header=True) for c in T.T4_GROUP_COLUMNS),
         Cell(T.T4_DIRECT, colspan=n, header=True), Cell(T.T4_AFTER_REVIEW, colspan=n, header=True)],
        [Cell(c, header=True) for _ in range(2) for c in T.T4_GROUP_COLUMNS],
        [Cell(fmt(table[g][c])) for g in T.T4_GROUPS for c in T.T4_GROUP_COLUMNS],
    ]


def slots(grid: Grid) -> dict[tuple[int, int], tuple[Cell, int, int]]:
    """Who occupies each (row, column) slot of a grid: the cell, its first row and first column."""
    out: dict[tuple[int, int], tuple[Cell, int, int]] = {}
    for r, line in enumerate(grid):
        c = 0
        for cell in line:
            while (r, c) in out:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    out[(r + dr, c + dc)] = (cell, r, c)
            c += cell.colspan
    return out


def expand(grid: Grid) -> list[list[str]]:
    """The grid as a full matrix: a merged cell's text in every slot it spans."""
    taken = slots(grid)
    width = max(c for _, c in taken) + 1
    return [[taken[(r, c)][0].text if (r, c) in taken else "" for c in range(width)] for r in range(len(grid))]


def plain_table(grid: Grid) -> str:
    """A pipe table of the expanded grid; its first row is the pipe table's header."""
    rows = [[text.replace("|", "\\|") for text in row] for row in expand(grid)]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates") / "report")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def narrative_html(text: str) -> Markup:
    """Narrative Markdown as sanitised HTML (the clerk's text may not inject markup)."""
    return Markup(nh3.clean(md.markdown(text, output_format="html")))


def _context(report: AnnualReport, with_title: bool, plain: bool = False) -> dict[str, Any]:
    return {
        "r": report,
        "with_title": with_title,
        "plain": plain,
        "plain_table": plain_table,
        "headings": T.HEADINGS,
        "grids": {1: grid2(report.table2), 2: grid3(report.table3), 3: grid4(report.table4)},
        "narrative_html": narrative_html,
    }


def render_markdown(report: AnnualReport, with_title: bool = True, plain_tables: bool = False) -> str:
    """The report as Markdown; ``plain_tables`` for pipe tables instead of HTML ones."""
    return _env().get_template("annual.md.j2").render(**_context(report, with_title, plain_tables))


def render_html(report: AnnualReport) -> str:
    return _env().get_template("annual.html.j2").render(**_context(report, True))


def _json_number(value: int | Decimal) -> int | float:
    return float(value) if isinstance(value, Decimal) else value


def to_json(report: AnnualReport) -> dict[str, Any]:
    """The machine shape promised by the issue: year, sections, table2, table3 (25 rows), table4."""
    sections: dict[str, str | None] = {h: report.sections.get(h) for h in T.HEADINGS}
    return {
        "year": report.year,
        "title": report.title,
        "organisation": report.organisation,
        "opening": report.opening,
        "sections": sections,
        "table2": [
            {"block": row.block, "label": row.label, "values": {k: _json_number(v) for k, v in row.values.items()}}
            for row in report.table2
        ],
        "table3": [
            {"label": spec.label, "values": dict(report.table3[i])} for i, spec in enumerate(T.TABLE3_ROWS)
        ],
        "table4": {
            T.T4_REVIEW: dict(report.table4[T.T4_REVIEW]),
            T.T4_LITIGATION: {g: dict(report.table4[g]) for g in (T.T4_DIRECT, T.T4_AFTER_REVIEW)},
        },
        "figures": dict(report.figures),
        "signature": {"organisation": report.organisation, "date": report.signed_on.isoformat() if report.signed_on else None},
    }
