"""Table 三 of the 2025 report counted from a hand-made register, against a table written by hand."""

from __future__ import annotations

from datetime import date as d

import pytest

from gkctl.core.errors import InputError
from gkctl.report import tables as T
from gkctl.report.compute import count_table3
from helpers.report import App

NP, BIZ, SCI, NGO, LAW, OTH = T.APPLICANT_TYPES

REGISTER = [
    # --- carried in from 2024 (received 2024, still open on 1 January 2025) ---
    App("2024-P1", d(2024, 12, 20), d(2025, 1, 10), "予以公开", None, NP),
    App("2024-P2", d(2024, 12, 28), d(2026, 1, 5), "予以公开", None, LAW),  # still open at the end of 2025
    # --- not counted at all in 2025 ---
    App("2024-X1", d(2024, 6, 1), d(2024, 6, 20), "予以公开", None, NP),  # replied in 2024
    App("2026-X2", d(2026, 1, 3), None, None, None, NP),  # received in 2026
    # --- received in 2025, one per result row of the table ---
    App("2025-01", d(2025, 1, 6), d(2025, 1, 20), "予以公开", None, NP),
    App("2025-02", d(2025, 2, 3), d(2025, 2, 21), "部分公开", None, BIZ),
    App("2025-03", d(2025, 2, 10), d(2025, 3, 3), "不予公开", "属于国家秘密", SCI),
    App("2025-04", d(2025, 3, 3), d(2025, 3, 20), "不予公开", "其他法律行政法规禁止公开", NGO),
    App("2025-05", d(2025, 3, 10), d(2025, 4, 1), "不予公开", "危及“三安全一稳定”", LAW),
    App("2025-06", d(2025, 4, 1), d(2025, 4, 20), "不予公开", "保护第三方合法权益", OTH),
    App("2025-07", d(2025, 4, 7), d(2025, 4, 30), "不予公开", "属于三类内部事务信息", NP),
    App("2025-08", d(2025, 5, 6), d(2025, 5, 30), "不予公开", "6.属于四类过程性信息", BIZ),  # numbered form accepted
    App("2025-09", d(2025, 5, 12), d(2025, 6, 3), "不予公开", "属于行政执法案卷", SCI),
    App("2025-10", d(2025, 6, 2), d(2025, 6, 20), "不予公开", "属于行政查询事项", NGO),
    App("2025-11", d(2025, 6, 9), d(2025, 7, 1), "无法提供", "本机关不掌握相关政府信息", LAW),
    App("2025-12", d(2025, 7, 1), d(2025, 7, 22), "无法提供", "没有现成信息需要另行制作", OTH),
    App("2025-13", d(2025, 7, 7), d(2025, 8, 4), "无法提供", "补正后申请内容仍不明确", NP),
    App("2025-14", d(2025, 8, 4), d(2025, 8, 6), "不予处理", "信访举报投诉类申请", BIZ),
    App("2025-15", d(2025, 8, 11), d(2025, 8, 12), "不予处理", "重复申请", SCI),
    App("2025-16", d(2025, 9, 1), d(2025, 9, 2), "不予处理", "要求提供公开出版物", NGO),
    App("2025-17", d(2025, 9, 8), d(2025, 9, 30), "不予处理", "无正当理由大量反复申请", LAW),
    App("2025-18", d(2025, 10, 9), d(2025, 10, 20), "不予处理", "要求行政机关确认或重新出具已获取信息", OTH),
    App("2025-19", d(2025, 10, 13), d(2025, 11, 17),
        "其他处理", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", NP),
    App("2025-20", d(2025, 11, 3), d(2025, 12, 15),
        "其他处理", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", BIZ),
    App("2025-21", d(2025, 11, 10), d(2025, 12, 31), "其他处理", "其他", SCI),  # replied on the last day: counts
    # --- received in 2025, carried to 2026 ---
    App("2025-22", d(2025, 12, 20), None, None, None, OTH),  # still open
    App("2025-23", d(2025, 12, 22), d(2026, 1, 10), "予以公开", None, NP),  # replied only in 2026
]

# Columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
EXPECTED = [
    # 一 新收: 自然人 2025-01,07,13,19,23 = 5; 商业企业 02,08,14,20 = 4; 科研机构 03,09,15,21 = 4;
    #         社会公益组织 04,10,16 = 3; 法律服务机构 05,11,17 = 3; 其他 06,12,18,22 = 4; 总计 23
    (5, 4, 4, 3, 3, 4, 23),
    # 二 上年结转: 2024-P1 (自然人), 2024-P2 (法律服务机构); 2024-X1 was replied in 2024
    (1, 0, 0, 0, 1, 0, 2),
    (2, 0, 0, 0, 0, 0, 2),  # （一）予以公开: 2024-P1 and 2025-01 (自然人)
    (0, 1, 0, 0, 0, 0, 1),  # （二）部分公开: 2025-02
    (0, 0, 1, 0, 0, 0, 1),  # （三）1 国家秘密: 2025-03
    (0, 0, 0, 1, 0, 0, 1),  # （三）2 法律行政法规禁止: 2025-04
    (0, 0, 0, 0, 1, 0, 1),  # （三）3 三安全一稳定: 2025-05
    (0, 0, 0, 0, 0, 1, 1),  # （三）4 第三方合法权益: 2025-06
    (1, 0, 0, 0, 0, 0, 1),  # （三）5 内部事务: 2025-07
    (0, 1, 0, 0, 0, 0, 1),  # （三）6 过程性信息: 2025-08
    (0, 0, 1, 0, 0, 0, 1),  # （三）7 行政执法案卷: 2025-09
    (0, 0, 0, 1, 0, 0, 1),  # （三）8 行政查询事项: 2025-10
    (0, 0, 0, 0, 1, 0, 1),  # （四）1 不掌握: 2025-11
    (0, 0, 0, 0, 0, 1, 1),  # （四）2 需另行制作: 2025-12
    (1, 0, 0, 0, 0, 0, 1),  # （四）3 补正后仍不明确: 2025-13
    (0, 1, 0, 0, 0, 0, 1),  # （五）1 信访举报投诉: 2025-14
    (0, 0, 1, 0, 0, 0, 1),  # （五）2 重复申请: 2025-15
    (0, 0, 0, 1, 0, 0, 1),  # （五）3 公开出版物: 2025-16
    (0, 0, 0, 0, 1, 0, 1),  # （五）4 大量反复申请: 2025-17
    (0, 0, 0, 0, 0, 1, 1),  # （五）5 确认或重新出具: 2025-18
    (1, 0, 0, 0, 0, 0, 1),  # （六）1 逾期不补正: 2025-19
    (0, 1, 0, 0, 0, 0, 1),  # （六）2 逾期未缴费: 2025-20
    (0, 0, 1, 0, 0, 0, 1),  # （六）3 其他: 2025-21 (replied 31 December)
    # （七）总计: the 22 replies above (2024-P1 + 2025-01..21)
    (5, 4, 4, 3, 3, 3, 22),
    # 四 结转下年度: 2024-P2 (法律服务机构), 2025-22 (其他), 2025-23 (自然人, replied in 2026)
    (1, 0, 0, 0, 1, 1, 3),
]


def test_table3_of_fixture_year_matches_the_hand_written_table() -> None:
    table = count_table3(REGISTER, 2025).rows
    got = [tuple(row[c] for c in T.T3_COLUMNS) for row in table]
    for index, (g, e) in enumerate(zip(got, EXPECTED, strict=True)):
        assert g == e, f"row {index + 1} {T.TABLE3_ROWS[index].label}"


def test_fixture_covers_every_result_row() -> None:
    table = count_table3(REGISTER, 2025).rows
    assert all(table[i][T.T3_TOTAL] > 0 for i in T.RESULT_ROW_RANGE)


def test_the_official_identity_holds_per_column() -> None:
    table = count_table3(REGISTER, 2025).rows
    for c in T.T3_COLUMNS:
        assert table[0][c] + table[1][c] == table[23][c] + table[24][c], c


def test_next_year_carries_in_what_this_year_carried_out() -> None:
    this = count_table3(REGISTER, 2025).rows
    nxt = count_table3(REGISTER, 2026).rows
    assert nxt[T.ROW_CARRIED_IN] == this[T.ROW_CARRIED_OUT]
    # 2026-X2 is new in 2026 and still open; 2024-P2 and 2025-23 are replied in 2026
    assert nxt[T.ROW_NEW][T.T3_TOTAL] == 1
    assert nxt[T.ROW_TOTAL][T.T3_TOTAL] == 2
    assert nxt[T.ROW_CARRIED_OUT][T.T3_TOTAL] == 2  # 2025-22 and 2026-X2


def test_placements_say_where_each_application_went() -> None:
    placements = {p.app_id: p for p in count_table3(REGISTER, 2025).placements}
    assert "2024-X1" not in placements and "2026-X2" not in placements
    assert placements["2024-P2"].rows == (T.ROW_CARRIED_IN, T.ROW_CARRIED_OUT)
    assert placements["2025-05"].rows == (T.ROW_NEW, 6, T.ROW_TOTAL)


def test_unknown_result_reason_names_the_application() -> None:
    bad = App("2025-99", d(2025, 3, 1), d(2025, 3, 5), "不予公开", "商业秘密", NP)
    with pytest.raises(InputError) as exc:
        count_table3([bad], 2025)
    assert "2025-99" in exc.value.message and "商业秘密" in exc.value.message


def test_unknown_applicant_type_names_the_application() -> None:
    bad = App("2025-98", d(2025, 3, 1), None, None, None, "个体工商户")
    with pytest.raises(InputError) as exc:
        count_table3([bad], 2025)
    assert "2025-98" in exc.value.message and "个体工商户" in exc.value.message


def test_register_result_rows_match_the_report_table() -> None:
    """The register validates results against its own list; it must be the table's rows 3-23."""
    from gkctl.register.model import RESULT_ROWS

    assert [(T.TABLE3_ROWS[i].result, T.TABLE3_ROWS[i].reason) for i in T.RESULT_ROW_RANGE] == RESULT_ROWS


def test_register_spellings_of_a_sub_item_are_counted() -> None:
    """The register accepts 1, 1.属于国家秘密 and straight quotes; the report must count them the same."""
    apps = [
        App("a", d(2025, 3, 1), d(2025, 3, 5), "不予公开", "1", NP),
        App("b", d(2025, 3, 1), d(2025, 3, 5), "不予公开", '危及"三安全一稳定"', NP),
        App("c", d(2025, 3, 1), d(2025, 3, 5), "其他处理", "逾期不补正", NP),
    ]
    rows = count_table3(apps, 2025).rows
    assert rows[4][NP] == 1 and rows[6][NP] == 1 and rows[20][NP] == 1
