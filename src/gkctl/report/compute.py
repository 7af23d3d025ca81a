"""Counting the national tables from the registers, by the rules of DESIGN §2.

Pure functions over plain records (anything with the named attributes), so the counting
rules are tested with hand-made records and the services only gather data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.register.model import resolve_subitem
from gkctl.report import tables as T


class ApplicationLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def received(self) -> date: ...
    @property
    def replied(self) -> date | None: ...
    @property
    def result(self) -> str | None: ...
    @property
    def result_reason(self) -> str | None: ...
    @property
    def applicant_type(self) -> str: ...


class AppealLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def route(self) -> str | None: ...
    @property
    def filed(self) -> date: ...
    @property
    def result(self) -> str | None: ...
    @property
    def decided(self) -> date | None: ...


Table3 = list[dict[str, int]]  # 25 rows in official order, each {column: count} over T3_COLUMNS
Table4 = dict[str, dict[str, int]]  # group (行政复议 / 未经复议直接起诉 / 复议后起诉) -> {column: count}


@dataclass(frozen=True, slots=True)
class Table2Row:
    block: str
    label: str
    values: dict[str, int | Decimal]


@dataclass(frozen=True, slots=True)
class NormativeCounts:
    issued: int = 0
    repealed: int = 0
    in_force: int = 0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one application was counted in table 三 (for `report annual --explain` and tests)."""

    app_id: str
    rows: tuple[int, ...]
    column: str


@dataclass
class Table3Result:
    rows: Table3
    placements: list[Placement] = field(default_factory=list)


def empty_table3() -> Table3:
    return [dict.fromkeys(T.T3_COLUMNS, 0) for _ in T.TABLE3_ROWS]


def _where(record: Any, key: str = "result") -> tuple[str | None, int | None]:
    """File and line of a register record, when it carries them (``line(key)`` as in the registers)."""
    line = getattr(record, "line", None)
    return getattr(record, "path", None), line(key) if callable(line) else line


def _result_row(result: str, reason: str | None) -> int | None:
    index = T.result_row(result, reason)
    if index is None and reason:
        # the register accepts a few spellings of a sub-item (numbers, other quotes, short aliases)

        index = T.result_row(result, resolve_subitem(result, reason))
    return index


def count_table3(applications: Iterable[ApplicationLike], year: int) -> Table3Result:
    """Table 三 for ``year``: new, carried in, results replied in the year, carried out.

    An application received in the year counts in 一; one received earlier and still open on
    1 January counts in 二; one replied in the year counts in the row of its result; one not
    replied by 31 December counts in 四. Rows （七）总计 and the 总计 column are sums.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    table = empty_table3()
    placements: list[Placement] = []
    for app in applications:
        if app.received > end:
            continue
        if app.replied is not None and app.replied < start:
            continue
        column = app.applicant_type
        if column not in T.APPLICANT_TYPES:
            path, line = _where(app, "applicant")
            raise InputError(t("report.bad_applicant_type", id=app.id, value=column), path, line)
        rows: list[int] = [T.ROW_NEW if app.received >= start else T.ROW_CARRIED_IN]
        if app.replied is not None and app.replied <= end:
            index = _result_row(app.result or "", app.result_reason)
            if index is None:
                path, line = _where(app)
                raise InputError(
                    t("report.bad_result", id=app.id, result=app.result or "", reason=app.result_reason or ""),
                    path,
                    line,
                )
            rows += [index, T.ROW_TOTAL]
        else:
            rows.append(T.ROW_CARRIED_OUT)
        for index in rows:
            table[index][column] += 1
            table[index][T.T3_TOTAL] += 1
        placements.append(Placement(app.id, tuple(rows), column))
    return Table3Result(table, placements)


def empty_table4() -> Table4:
    return {group: dict.fromkeys(T.T4_GROUP_COLUMNS, 0) for group in T.T4_GROUPS}


def count_table4(appeals: Iterable[AppealLike], year: int) -> Table4:
    """Table 四: cases filed in ``year``, with the result known on 31 December (else 尚未审结)."""
    end = date(year, 12, 31)
    table = empty_table4()
    for case in appeals:
        if case.filed.year != year:
            continue
        group = T.T4_REVIEW if case.type == T.T4_REVIEW else (case.route or "")
        if group not in table:
            path, line = _where(case, "type")
            raise InputError(t("report.bad_appeal", id=getattr(case, "id", "?"), type=case.type,
                               route=case.route or ""), path, line)
        decided = case.result is not None and case.decided is not None and case.decided <= end
        outcome = case.result if decided else T.T4_PENDING
        if outcome not in T.T4_OUTCOMES:
            path, line = _where(case)
            raise InputError(t("report.bad_appeal_result", id=getattr(case, "id", "?"), value=outcome), path, line)
        table[group][outcome] += 1
        table[group][T.T4_TOTAL] += 1
    return table


def build_table2(normative: NormativeCounts, manual: Mapping[str, Mapping[str, int | Decimal]]) -> list[Table2Row]:
    """Table 二 rows in official order; 行政规范性文件 from the documents, the rest from ``manual``."""
    rows: list[Table2Row] = []
    for block in T.TABLE2:
        for label in block.rows:
            if label == T.T2_NORMATIVE:
                values: dict[str, int | Decimal] = {
                    T.T2_ISSUED: normative.issued,
                    T.T2_REPEALED: normative.repealed,
                    T.T2_IN_FORCE: normative.in_force,
                }
            else:
                given = manual.get(label, {})
                values = {col: given.get(col, 0) for col in block.columns}
            rows.append(Table2Row(block.caption, label, values))
    return rows


class PublicationLike(Protocol):
    @property
    def published_at(self) -> date: ...
    @property
    def state(self) -> str: ...
    @property
    def notice_date(self) -> date | None: ...


def count_normative(records: Iterable[PublicationLike], year: int) -> NormativeCounts:
    """行政规范性文件 issued, repealed and in force for ``year`` from publication records.

    Counted by the dates the acts were made, not published: 制发 by the document's ``formed``
    date (a record without it: its publication), 废止 by the repeal's own date (``Gkctl-Date``,
    the record's ``notice_date``). A record's state is as of today, so a document repealed after
    31 December still counts as in force for the year; a withdrawn one stops being in force on
    its withdrawal date.
    """
    end = date(year, 12, 31)
    issued = repealed = in_force = 0
    for rec in records:
        made = getattr(rec, "formed", None) or rec.published_at
        if made > end:
            continue
        if made.year == year:
            issued += 1
        ended = rec.state in ("repealed", "withdrawn") and (rec.notice_date is None or rec.notice_date <= end)
        if rec.state == "repealed" and rec.notice_date is not None and rec.notice_date.year == year:
            repealed += 1
        if not ended:
            in_force += 1
    return NormativeCounts(issued, repealed, in_force)
