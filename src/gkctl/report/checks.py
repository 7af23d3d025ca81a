"""The arithmetic identities of the national format, each failure naming its cell.

Counts gkctl computes satisfy them by construction; the checks guard against a bug, against
hand-entered figures (last year's published report) and against a report edited by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from gkctl.core.findings import Finding
from gkctl.core.i18n import t
from gkctl.report import tables as T
from gkctl.report.compute import Table3, Table4

CODE_IDENTITY = "GK701"
CODE_RESULT_TOTAL = "GK702"
CODE_COLUMN_TOTAL = "GK703"
CODE_TABLE4_TOTAL = "GK704"
CODE_CROSS_YEAR = "GK705"
CODE_SHAPE = "GK706"


def _cell3(row: int, column: str) -> str:
    return t("report.cell3", row=T.TABLE3_ROWS[row].label, column=column)


def _err(code: str, cell: str, detail: str, path: str | None = None) -> Finding:
    return Finding(code, "error", path, None, t("report.check_failed", cell=cell, detail=detail))


def check_table3(table: Table3) -> list[Finding]:
    """Identities 1-3 of law-and-formats §1.7 over all 25 rows and 7 columns."""
    if len(table) != len(T.TABLE3_ROWS) or any(set(row) != set(T.T3_COLUMNS) for row in table):
        return [_err(CODE_SHAPE, t("report.table3"), t("report.check_shape3"))]
    out: list[Finding] = []
    for index, row in enumerate(table):
        for column, value in row.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                out.append(_err(CODE_SHAPE, _cell3(index, column), t("report.check_not_count", value=value)))
    if out:
        return out
    for column in T.T3_COLUMNS:
        new, carried = table[T.ROW_NEW][column], table[T.ROW_CARRIED_IN][column]
        total, out_ = table[T.ROW_TOTAL][column], table[T.ROW_CARRIED_OUT][column]
        if new + carried != total + out_:
            out.append(_err(CODE_IDENTITY, t("report.cell3_column", column=column),
                            t("report.check_identity", new=new, carried=carried, left=new + carried,
                              total=total, out=out_, right=total + out_)))
        results = sum(table[i][column] for i in T.RESULT_ROW_RANGE)
        if results != total:
            out.append(_err(CODE_RESULT_TOTAL, _cell3(T.ROW_TOTAL, column),
                            t("report.check_result_total", value=total, sum=results)))
    for index, row in enumerate(table):
        parts = sum(row[c] for c in T.APPLICANT_TYPES)
        if parts != row[T.T3_TOTAL]:
            out.append(_err(CODE_COLUMN_TOTAL, _cell3(index, T.T3_TOTAL),
                            t("report.check_column_total", value=row[T.T3_TOTAL], sum=parts)))
    return out


def check_table4(table: Table4) -> list[Finding]:
    """Identity 4: in each group 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计."""
    out: list[Finding] = []
    for group in T.T4_GROUPS:
        values = table.get(group, {})
        parts = sum(values.get(c, 0) for c in T.T4_OUTCOMES)
        if parts != values.get(T.T4_TOTAL, 0):
            out.append(_err(CODE_TABLE4_TOTAL, t("report.cell4", group=group, column=T.T4_TOTAL),
                            t("report.check_table4_total", value=values.get(T.T4_TOTAL, 0), sum=parts)))
    return out


def check_cross_year(table: Table3, previous_out: Mapping[str, int], source: str | None = None) -> list[Finding]:
    """Identity 5: this year's 二、上年结转 equals last year's 四、结转下年度继续办理, per column."""
    out: list[Finding] = []
    for column in T.T3_COLUMNS:
        if column not in previous_out:
            continue
        this, last = table[T.ROW_CARRIED_IN][column], previous_out[column]
        if this != last:
            out.append(_err(CODE_CROSS_YEAR, _cell3(T.ROW_CARRIED_IN, column),
                            t("report.check_cross_year", value=this, last=last), source))
    return out
