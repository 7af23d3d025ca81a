"""The clerk's inputs of the annual report: ``reports/<Y>/annual.yaml``.

Narrative sections 一, 五 and 六 are Markdown in which ``{名称}`` placeholders are replaced by
figures computed from the data, so text and tables cannot disagree. Table 二 rows gkctl has
no data source for, and last year's published carry-over, are entered here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.core.yamlio import Loaded, as_date, load_yaml
from gkctl.report import tables as T

# The narrative sections by the short key a clerk writes (the heading without its number).
SECTION_KEYS: dict[str, str] = {h.split("、", 1)[1]: h for h in T.NARRATIVE_SECTIONS}
TOP_KEYS = ("title", "date", "sections", "table2", "previous_year")


@dataclass(frozen=True)
class Narrative:
    path: str
    title: str | None = None
    sections: dict[str, str] = field(default_factory=dict)  # full heading -> raw Markdown
    section_lines: dict[str, int] = field(default_factory=dict)
    table2: dict[str, dict[str, int | Decimal]] = field(default_factory=dict)
    previous_out: dict[str, int] | None = None  # last year's 四、结转下年度继续办理, per column
    exists: bool = True
    previous_source: str | None = None  # where previous_out comes from, when not this file
    date: date | None = None  # the 落款 date (default: the day the report is generated)


def narrative_path(year: int) -> str:
    return f"reports/{year}/annual.yaml"


def load_narrative(root: Path, year: int) -> Narrative:
    """Read ``reports/<year>/annual.yaml``; an absent file gives an empty narrative."""
    rel = narrative_path(year)
    full = root / rel
    if not full.is_file():
        return Narrative(rel, exists=False)
    try:
        text = full.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(t("report.narrative_not_utf8"), rel) from None
    except OSError as exc:
        raise InputError(str(exc.strerror or exc), rel) from None
    return parse_narrative(load_yaml(text, rel), rel)


def _fail(loaded: Loaded, rel: str, msgid: str, *keypath: str | int, **params: Any) -> InputError:
    return InputError(t(msgid, **params), rel, loaded.line(*keypath))


def _count(loaded: Loaded, rel: str, value: Any, keypath: tuple[str | int, ...], decimal: bool = False) -> int | Decimal:
    if decimal and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = Decimal(-1)
        if amount >= 0:
            return amount
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _fail(loaded, rel, "report.narrative_bad_number", *keypath, key="/".join(map(str, keypath)), value=value)


def parse_narrative(loaded: Loaded, rel: str) -> Narrative:
    data = loaded.data if loaded.data is not None else {}
    if not isinstance(data, dict):
        raise _fail(loaded, rel, "report.narrative_not_mapping")
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(loaded, rel, "report.narrative_unknown_key", key, key=key, known="、".join(TOP_KEYS))
    sections: dict[str, str] = {}
    lines: dict[str, int] = {}
    raw_sections = data.get("sections") or {}
    if not isinstance(raw_sections, dict):
        raise _fail(loaded, rel, "report.narrative_not_mapping", "sections")
    for key, text in raw_sections.items():
        heading = SECTION_KEYS.get(str(key)) or (str(key) if str(key) in T.NARRATIVE_SECTIONS else None)
        if heading is None:
            raise _fail(loaded, rel, "report.narrative_unknown_section", "sections", key,
                        key=key, known="、".join(SECTION_KEYS))
        if not isinstance(text, str):
            raise _fail(loaded, rel, "report.narrative_not_text", "sections", key, key=key)
        sections[heading] = text.strip()
        lines[heading] = loaded.line("sections", key) or 1
    table2: dict[str, dict[str, int | Decimal]] = {}
    raw2 = data.get("table2") or {}
    if not isinstance(raw2, dict):
        raise _fail(loaded, rel, "report.narrative_not_mapping", "table2")
    blocks = {row: block for block in T.TABLE2 for row in block.rows}
    for label, value in raw2.items():
        if label not in T.T2_MANUAL_ROWS:
            raise _fail(loaded, rel, "report.narrative_unknown_row", "table2", label,
                        key=label, known="、".join(T.T2_MANUAL_ROWS))
        block = blocks[label]
        decimal = block.columns == (T.T2_FEES,)
        if len(block.columns) == 1:
            table2[label] = {block.columns[0]: _count(loaded, rel, value, ("table2", label), decimal)}
            continue
        if not isinstance(value, dict):
            raise _fail(loaded, rel, "report.narrative_row_columns", "table2", label,
                        key=label, bad=value, known="、".join(block.columns))
        values: dict[str, int | Decimal] = {}
        for col, cell in value.items():
            if col not in block.columns:
                raise _fail(loaded, rel, "report.narrative_row_columns", "table2", label, col,
                            key=label, bad=col, known="、".join(block.columns))
            values[col] = _count(loaded, rel, cell, ("table2", label, col))
        table2[label] = values
    previous_out = _previous(loaded, rel, data.get("previous_year"))
    title = data.get("title")
    signed = as_date(data.get("date"))
    if data.get("date") is not None and signed is None:
        raise _fail(loaded, rel, "report.narrative_bad_date", "date", value=data.get("date"))
    return Narrative(rel, str(title) if title else None, sections, lines, table2, previous_out, date=signed)


def _previous(loaded: Loaded, rel: str, raw: Any) -> dict[str, int] | None:
    if raw is None:
        return None
    key = T.TABLE3_ROWS[T.ROW_CARRIED_OUT].labels[0]
    short = key.split("、", 1)[1]
    if not isinstance(raw, dict) or set(raw) - {key, short}:
        raise _fail(loaded, rel, "report.narrative_previous", "previous_year", key=short)
    name = key if key in raw else short
    row = raw[name]
    if not isinstance(row, dict):
        raise _fail(loaded, rel, "report.narrative_previous", "previous_year", name, key=short)
    out: dict[str, int] = {}
    for col, value in row.items():
        if col not in T.T3_COLUMNS:
            raise _fail(loaded, rel, "report.narrative_row_columns", "previous_year", name, col,
                        key=short, bad=col, known="、".join(T.T3_COLUMNS))
        out[col] = int(_count(loaded, rel, value, ("previous_year", name, col)))
    return out


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")


def fill(text: str, figures: Mapping[str, object], path: str, line: int | None) -> str:
    """Replace ``{名称}`` by its figure; ``{{`` and ``}}`` stand for literal braces."""

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1).strip()
        if name not in figures:
            where = line + text[: match.start()].count("\n") + 1 if line else None
            raise InputError(t("report.narrative_unknown_placeholder", name=name, known="、".join(figures)),
                             path, where)
        return str(figures[name])

    return _PLACEHOLDER.sub(repl, text)
