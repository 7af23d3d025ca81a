"""A published annual report against today's count: which cells differ, and what moved them.

A report, once published, is a public record. Records entered or corrected later — a repeal
dated back into the year, an application registered after publication — change what gkctl
computes for that year today. ``report annual`` and ``audit`` name every cell that no longer
agrees with the published report and the records behind each difference, so that the office
can explain it (or publish a correction) rather than let the year change silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from gkctl.core.i18n import t
from gkctl.report import tables as T
from gkctl.report.compute import Placement
from gkctl.report.model import AnnualReport
from gkctl.report.readback import CellKey, published_cells
from gkctl.report.render import fmt


@dataclass(frozen=True, slots=True)
class CellDiff:
    key: CellKey
    published: str
    now: str
    records: tuple[str, ...]  # ids of the documents, applications or cases that moved the cell

    @property
    def cell(self) -> str:
        return cell_name(self.key)


def report_cells(report: AnnualReport) -> dict[CellKey, str]:
    """Every figure of tables 二, 三 and 四 of a computed report, as the renderer prints it."""
    out: dict[CellKey, str] = {}
    for row in report.table2:
        for column, value in row.values.items():
            out[("二", row.label, column)] = fmt(value)
    for index, values in enumerate(report.table3):
        for column, value in values.items():
            out[("三", index, column)] = str(value)
    for group, values in report.table4.items():
        for column, value in values.items():
            out[("四", group, column)] = str(value)
    return out


def cell_name(key: CellKey) -> str:
    table, row, column = key
    if table == "三":
        return t("report.cell3", row=T.TABLE3_ROWS[int(row)].label, column=column)
    if table == "四":
        return t("report.cell4", group=row, column=column)
    return t("report.cell2", row=row, column=column)


def _same(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return a == b


@dataclass(frozen=True)
class Movers:
    """What changed after the publication, per kind of record."""

    normative: tuple[str, ...] = ()  # 规范性文件 published, repealed or withdrawn since (doc ids)
    applications: frozenset[str] = frozenset()  # application ids whose file changed since
    appeals: frozenset[str] = frozenset()  # case ids whose file changed since


def compare(body: str, report: AnnualReport, placements: Iterable[Placement], movers: Movers) -> list[CellDiff]:
    """Cells of the published ``body`` that differ from ``report``, with the records that moved each."""
    published = published_cells(body)
    now = report_cells(report)
    by_cell: dict[tuple[int, str], list[str]] = {}
    for p in placements:
        if p.app_id not in movers.applications:
            continue
        for index in p.rows:
            for col in (p.column, T.T3_TOTAL):
                by_cell.setdefault((index, col), []).append(p.app_id)
    out: list[CellDiff] = []
    for key, value in published.items():
        current = now.get(key)
        if current is None or _same(value, current):
            continue
        table, row, column = key
        if table == "三":
            records = tuple(dict.fromkeys(by_cell.get((int(row), column), [])))
        elif table == "四":
            records = tuple(sorted(movers.appeals))
        elif row == T.T2_NORMATIVE:
            records = movers.normative
        else:
            records = ()
        out.append(CellDiff(key, value, current, records))
    return out

