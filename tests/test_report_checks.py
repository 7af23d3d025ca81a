"""The identities of the national format fail with exit-1 findings that name the cell."""

from __future__ import annotations

import copy
from datetime import date as d

from gkctl.report import checks
from gkctl.report import tables as T
from gkctl.report.compute import count_table3, count_table4, empty_table4
from helpers.report import App, Case

NP, BIZ = T.APPLICANT_TYPES[0], T.APPLICANT_TYPES[1]
GOOD = count_table3(
    [
        App("a", d(2025, 1, 6), d(2025, 1, 20), "予以公开", None, NP),
        App("b", d(2024, 12, 30), None, None, None, BIZ),
    ],
    2025,
).rows


def test_a_consistent_table_passes() -> None:
    assert checks.check_table3(GOOD) == []


def test_identity_failure_names_the_column_and_both_sides() -> None:
    table = copy.deepcopy(GOOD)
    table[T.ROW_NEW][NP] += 1
    table[T.ROW_NEW][T.T3_TOTAL] += 1
    found = checks.check_table3(table)
    codes = {f.code for f in found}
    assert codes == {checks.CODE_IDENTITY}
    assert len(found) == 2  # the 自然人 column and the 总计 column
    msg = found[0].message
    assert "“自然人”列" in msg and "2 + 0 = 2" in msg and "1 + 0 = 1" in msg
    assert all(f.severity == "error" for f in found)


def test_result_total_failure_names_the_total_cell() -> None:
    table = copy.deepcopy(GOOD)
    table[T.ROW_TOTAL][BIZ] += 1
    table[T.ROW_CARRIED_OUT][BIZ] -= 1  # keep identity 1 so only the result total breaks
    table[T.ROW_CARRIED_OUT][T.T3_TOTAL] -= 1
    table[T.ROW_TOTAL][T.T3_TOTAL] += 1
    found = [f for f in checks.check_table3(table) if f.code == checks.CODE_RESULT_TOTAL]
    assert found and "三、本年度办理结果/（七）总计" in found[0].message and "“商业企业”列" in found[0].message


def test_column_total_failure_names_the_row() -> None:
    table = copy.deepcopy(GOOD)
    table[4][T.T3_TOTAL] = 3  # row 5: （三）1
    found = [f for f in checks.check_table3(table) if f.code == checks.CODE_COLUMN_TOTAL]
    assert len(found) == 1
    assert "1.属于国家秘密" in found[0].message and "“总计”列" in found[0].message


def test_negative_counts_are_refused() -> None:
    table = copy.deepcopy(GOOD)
    table[3][BIZ] = -1
    found = checks.check_table3(table)
    assert [f.code for f in found] == [checks.CODE_SHAPE]
    assert "部分公开" in found[0].message and "商业企业" in found[0].message


def test_table4_totals() -> None:
    table = count_table4(
        [
            Case("f1", "行政复议", None, d(2025, 3, 1), "结果维持", d(2025, 5, 1)),
            Case("f2", "行政诉讼", "复议后起诉", d(2025, 6, 1), "结果纠正", d(2026, 2, 1)),  # decided after the year
        ],
        2025,
    )
    assert checks.check_table4(table) == []
    assert table["复议后起诉"]["尚未审结"] == 1 and table["复议后起诉"]["结果纠正"] == 0
    broken = empty_table4()
    broken["未经复议直接起诉"]["总计"] = 2
    found = checks.check_table4(broken)
    assert len(found) == 1 and "未经复议直接起诉" in found[0].message and "总计" in found[0].message


def test_cross_year_names_the_carried_in_cell() -> None:
    found = checks.check_cross_year(GOOD, {"商业企业": 2, "总计": 1}, "reports/2025/annual.yaml")
    assert len(found) == 1
    f = found[0]
    assert f.code == checks.CODE_CROSS_YEAR and f.path == "reports/2025/annual.yaml"
    assert "二、上年结转政府信息公开申请数量" in f.message and "商业企业" in f.message
