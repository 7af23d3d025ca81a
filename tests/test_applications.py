"""The register: the national table's results, parsing, deadlines (art. 30–34) and rules GK5xx.

Deadlines are computed on the real 2025/2026 calendars; each expected date is counted by hand
in the comment beside it (receipt day not counted).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gkctl.core.errors import InputError
from gkctl.register.applications import load_applications, next_id
from gkctl.register.deadlines import compute_deadline
from gkctl.register.model import (
    RESULT_CATEGORY_LABELS,
    RESULT_ROWS,
    resolve_subitem,
    subitem_label,
)
from gkctl.register.rules import check_application, check_applications
from gkctl.services.apply import render_step
from helpers.apply import CAL, TODAY, app_text, load_one, parse, write_app

# --------------------------------------------------------------------------- the national table


def test_result_rows_follow_the_national_table_rows_3_to_23() -> None:
    assert len(RESULT_ROWS) == 21
    assert RESULT_ROWS[0] == ("予以公开", None)
    assert RESULT_ROWS[1] == ("部分公开", None)
    assert RESULT_ROWS[2] == ("不予公开", "属于国家秘密")
    assert RESULT_ROWS[4] == ("不予公开", "危及\u201c三安全一稳定\u201d")  # full-width curly quotes
    assert RESULT_ROWS[9] == ("不予公开", "属于行政查询事项")
    assert RESULT_ROWS[10] == ("无法提供", "本机关不掌握相关政府信息")
    assert RESULT_ROWS[14] == ("不予处理", "重复申请")
    assert RESULT_ROWS[-3] == ("其他处理", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")
    assert RESULT_ROWS[-1] == ("其他处理", "其他")
    assert RESULT_CATEGORY_LABELS["部分公开"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert subitem_label("无法提供", "没有现成信息需要另行制作") == "2.没有现成信息需要另行制作"


@pytest.mark.parametrize(
    ("category", "typed", "expected"),
    [
        ("不予公开", "属于国家秘密", "属于国家秘密"),
        ("不予公开", "1", "属于国家秘密"),
        ("不予公开", '3.危及"三安全一稳定"', "危及\u201c三安全一稳定\u201d"),
        ("不予公开", "危及三安全一稳定", "危及\u201c三安全一稳定\u201d"),
        ("其他处理", "逾期未缴费", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("不予处理", "属于国家秘密", None),
        ("不予公开", "9", None),
        ("予以公开", "属于国家秘密", None),
    ],
)
def test_sub_items_are_resolved_from_what_a_clerk_types(category: str, typed: str, expected: str | None) -> None:
    assert resolve_subitem(category, typed) == expected


# --------------------------------------------------------------------------- parsing


def test_the_design_example_parses() -> None:
    text = app_text(
        events=["{type: 补正告知, date: 2025-03-06}", "{type: 补正收到, date: 2025-03-10}"],
        result="不予公开",
        result_reason="属于国家秘密",
        replied="2025-04-02",
    )
    app, findings = parse(text)
    assert findings == []
    assert app is not None
    assert (app.id, app.received, app.channel, app.applicant_type) == ("2025-003", date(2025, 3, 3), "网络", "自然人")
    assert [e.type for e in app.events] == ["补正告知", "补正收到"]
    assert app.events[1].line == 8
    assert (app.result, app.result_reason, app.replied, app.fee) == ("不予公开", "属于国家秘密", date(2025, 4, 2), 0)


@pytest.mark.parametrize(
    ("overrides", "code", "line"),
    [
        ({"received": None}, "GK501", None),
        ({"received": "去年三月"}, "GK502", 2),
        ({"channel": "微信"}, "GK503", 3),
        ({"applicant": "{type: 个人, name: 王小五}"}, "GK504", 4),
        ({"events": ["{type: 催办, date: 2025-03-04}"]}, "GK505", 7),
        ({"result": "同意公开"}, "GK506", 6),
        ({"fee": "-5"}, "GK502", 8),
    ],
)
def test_structural_errors_name_file_and_line(overrides: dict[str, object], code: str, line: int | None) -> None:
    app, findings = parse(app_text(**overrides))
    assert app is None
    hit = [f for f in findings if f.code == code]
    assert hit, findings
    assert hit[0].path == "applications/2025/2025-003.yaml"
    if line is not None:
        assert hit[0].line == line


def test_unknown_key_is_a_warning_with_its_line() -> None:
    app, findings = parse(app_text() + "handler: 张三\n")
    assert app is not None
    assert [(f.code, f.severity, f.line) for f in findings] == [("GK515", "warning", 9)]


def test_load_applications_refuses_a_broken_file_with_file_and_line(tmp_path: Path) -> None:
    write_app(tmp_path, app_text(channel="微信"))
    with pytest.raises(InputError) as err:
        load_applications(tmp_path)
    assert (err.value.path, err.value.line) == ("applications/2025/2025-003.yaml", 3)
    assert "微信" in err.value.message


def test_next_id_counts_per_year(tmp_path: Path) -> None:
    assert next_id(tmp_path, 2025) == "2025-001"
    write_app(tmp_path, app_text(), "applications/2025/2025-003.yaml")
    write_app(tmp_path, app_text(id="2024-009", received="2024-12-20"), "applications/2024/2024-009.yaml")
    assert next_id(tmp_path, 2025) == "2025-004"
    assert next_id(tmp_path, 2024) == "2024-010"


# --------------------------------------------------------------------------- deadlines


def _open(tmp_path: Path, **overrides: object):
    base = {"result": None, "replied": None}
    base.update(overrides)
    return load_one(tmp_path, app_text(**base))


def test_online_receipt_on_the_friday_before_the_2025_national_day(tmp_path: Path) -> None:
    app = _open(tmp_path, received="2025-09-26")
    # 09-27 Sat rest; 09-28 Sun 调休 =1; 09-29 =2; 09-30 =3; 10-01..08 国庆/中秋 holiday;
    # 10-09 =4; 10-10 =5; 10-11 Sat 调休 =6; 10-13..17 =7..11; 10-20..24 =12..16; 10-27..30 =17..20.
    dl = compute_deadline(app, CAL, date(2025, 10, 9))
    assert dl.due == date(2025, 10, 30)
    assert compute_deadline(app, CAL).due == date(2025, 10, 30)
    text = "\n".join(render_step(s) for s in dl.steps)
    assert "双方确认之日" in text  # art. 31(3)
    assert "国庆节 2025-10-01（周三）–2025-10-08（周三）" in text
    assert "2025-09-28（周日）（国庆节）" in text and "2025-10-11（周六）（国庆节）" in text
    # as of 10-09: (10-09, 10-30] holds 10-10, 10-11, 10-13..17, 10-20..24, 10-27..30 = 16
    assert "还剩 16 个工作日" in text


def test_received_on_the_makeup_saturday_2026_02_28(tmp_path: Path) -> None:
    app = _open(tmp_path, id="2026-002", received="2026-02-28", channel="当面")
    # Sat 02-28 is a working day and the day of receipt: not counted. 03-02..06 =1..5;
    # 03-09..13 =6..10; 03-16..20 =11..15; 03-23..27 =16..20.
    assert compute_deadline(app, CAL).due == date(2026, 3, 27)
    text = render_step(compute_deadline(app, CAL).steps[0])
    assert "当面提交" in text and "2026-02-28（周六）" in text


def test_a_correction_round_restarts_the_clock(tmp_path: Path) -> None:
    app = _open(
        tmp_path,
        channel="当面",
        events=["{type: 补正告知, date: 2025-03-06}", "{type: 补正收到, date: 2025-03-17}"],
    )
    dl = compute_deadline(app, CAL)
    # 补正 notice due: 03-04..07 =1..4, 03-10 =5, 03-11 =6, 03-12 =7.
    assert dl.correction_due == date(2025, 3, 12)
    # restart on Mon 03-17: 03-18..21 =1..4; 03-24..28 =5..9; 03-31..04-03 =10..13;
    # 04-04 清明 holiday; 04-07..11 =14..18; 04-14 =19; 04-15 =20.
    assert dl.start == date(2025, 3, 17)
    assert dl.due == date(2025, 4, 15)
    keys = [s.key for s in dl.steps]
    assert "deadline.correction" in keys and "deadline.restart" in keys
    assert check_application(app, CAL, TODAY) == []


def test_waiting_for_the_supplement_stops_the_clock(tmp_path: Path) -> None:
    app = _open(tmp_path, events=["{type: 补正告知, date: 2025-03-06, until: 2025-03-20}"])
    dl = compute_deadline(app, CAL, date(2025, 3, 10))
    assert dl.due is None and dl.waiting == "supplement"
    assert "deadline.stopped.supplement" in [s.key for s in dl.steps]


def test_consultation_pause_and_extension(tmp_path: Path) -> None:
    app = _open(
        tmp_path,
        events=[
            "{type: 补正告知, date: 2025-03-06}",
            "{type: 补正收到, date: 2025-03-10}",
            "{type: 征求意见, date: 2025-03-12, party: 第三方}",
            "{type: 征求意见答复, date: 2025-03-20}",
            "{type: 延期, date: 2025-03-28, days: 20, approved_by: lisi}",
        ],
    )
    dl = compute_deadline(app, CAL)
    # Start Mon 03-10 (supplement). 20 days alone: 03-11..14 =1..4; 03-17..21 =5..9;
    # 03-24..28 =10..14; 03-31..04-03 =15..18; 04-04 清明; 04-07 =19; 04-08 =20.
    assert dl.base_due == date(2025, 4, 8)
    # Paused (03-12, 03-20]: 03-13, 14, 17, 18, 19, 20 = 6 working days.
    assert dl.paused_workdays == 6
    # 40 counted days (20 + 20 extension): 03-11 =1; 03-12 =2; [pause]; 03-21 =3;
    # 03-24..28 =4..8; 03-31..04-03 =9..12; 04-04..06 清明; 04-07..11 =13..17; 04-14..18 =18..22;
    # 04-21..25 =23..27; 04-27 Sun 调休 =28; 04-28..30 =29..31; 05-01..05 劳动节;
    # 05-06..09 =32..35; 05-12..16 =36..40.
    assert dl.due == date(2025, 5, 16)
    text = "\n".join(render_step(s) for s in dl.steps)
    assert "其间 6 个工作日不计入" in text
    assert "延期 20 个工作日" in text
    assert "劳动节 2025-05-01（周四）–2025-05-05（周一）" in text


def test_open_consultation_stops_the_clock_until_the_other_agencys_cap(tmp_path: Path) -> None:
    app = _open(tmp_path, events=["{type: 征求意见, date: 2025-03-05, party: 区财政局}"])
    dl = compute_deadline(app, CAL, date(2025, 3, 10))
    # 条例第三十四条: another agency has 15 working days from the letter of Wed 03-05:
    # 03-06 =1, 03-07 =2, 03-10..14 =3..7, 03-17..21 =8..12, 03-24 =13, 03-25 =14, 03-26 =15.
    # The reply clock (received Mon 03-03): 03-04 =1, 03-05 =2, [03-06..03-26 paused],
    # 03-27 =3, 03-28 =4, 03-31..04-03 =5..8, 04-04 清明 (2025 notice: 4月4日至6日放假),
    # 04-07..11 =9..13, 04-14..18 =14..18, 04-21 =19, 04-22 =20.
    assert dl.waiting == "consultation" and dl.pauses[0].limit == date(2025, 3, 26)
    assert dl.due == date(2025, 4, 22)
    text = "\n".join(render_step(s) for s in dl.steps)
    assert "最迟暂停至 2025-03-26（周三）（条例第三十四条：15 个工作日内提出意见）" in text


def test_receipt_by_post_counts_from_the_day_signed_for(tmp_path: Path) -> None:
    app = _open(tmp_path, id="2025-040", received="2025-12-30", channel="邮寄")
    # Tue 12-30 signed for. 12-31 =1; 2026-01-01..03 元旦; 01-04 Sun 调休 =2; 01-05..09 =3..7;
    # 01-12..16 =8..12; 01-19..23 =13..17; 01-26 =18; 01-27 =19; 01-28 =20.
    assert compute_deadline(app, CAL).due == date(2026, 1, 28)
    assert "签收之日" in render_step(compute_deadline(app, CAL).steps[0])


def test_a_year_nobody_knows_is_a_finding_not_a_guess(tmp_path: Path) -> None:
    app = _open(tmp_path, id="2026-090", received="2026-12-24")
    dl = compute_deadline(app, CAL)
    assert dl.due is None and dl.missing_year == 2027
    assert "无法计算：缺少 2027 年日历" in render_step(dl.steps[-1])
    assert "policies/calendar.yaml" in render_step(dl.steps[-1])
    findings = check_application(app, CAL, date(2026, 12, 28))
    assert [(f.code, f.severity) for f in findings if f.code != "GK514"] == [("GK524", "warning")]
    assert "2027" in findings[-1].message


# --------------------------------------------------------------------------- rules


def _codes(tmp_path: Path, text: str, people: list[str] | None = None) -> list[tuple[str, str, int | None]]:
    app = load_one(tmp_path, text)
    return [(f.code, f.severity, f.line) for f in check_application(app, CAL, TODAY, people)]


def test_a_clean_answered_application_has_no_findings(tmp_path: Path) -> None:
    assert _codes(tmp_path, app_text()) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # a sub-item of another category
        ({"result": "不予公开", "result_reason": "重复申请"}, ("GK507", "error", 7)),
        # a category with sub-items but none given / a sub-item where the table has none
        ({"result": "无法提供"}, ("GK522", "error", 6)),
        ({"result_reason": "属于国家秘密"}, ("GK521", "error", 7)),
        # replied without a result
        ({"result": None}, ("GK508", "error", 6)),
        # an event before the receipt
        (
            {"events": ["{type: 征求意见, date: 2025-03-01}", "{type: 征求意见答复, date: 2025-03-04}"]},
            ("GK509", "error", 7),
        ),
        # a reply in the future
        ({"replied": "2026-12-01"}, ("GK509", "error", 7)),
        # extension over 20 days
        (
            {
                "events": [
                    "{type: 延期, date: 2025-03-10, days: 15, approved_by: lisi}",
                    "{type: 延期, date: 2025-03-12, days: 10, approved_by: lisi}",
                ]
            },
            ("GK510", "error", 8),
        ),
        # an answer with no letter before it
        ({"events": ["{type: 补正收到, date: 2025-03-10}"]}, ("GK517", "error", 7)),
        # the 补正 notice after 7 working days (due 03-12; 03-14 is 2 days late)
        (
            {"events": ["{type: 补正告知, date: 2025-03-14}", "{type: 补正收到, date: 2025-03-17}"]},
            ("GK511", "warning", 7),
        ),
        # reply after the deadline (due 03-31: 03-04..07, 10..14, 17..21, 24..28, 31 = 20)
        ({"replied": "2025-04-02"}, ("GK512", "warning", 7)),
        # a fee with no payment recorded
        ({"fee": "120"}, ("GK518", "warning", 8)),
    ],
)
def test_each_rule_trips_with_file_and_line(tmp_path: Path, overrides: dict[str, object], expected: tuple) -> None:
    found = _codes(tmp_path, app_text(**overrides), people=["lisi"])
    assert expected in found, found


def test_late_reply_message_counts_working_days(tmp_path: Path) -> None:
    app = load_one(tmp_path, app_text(replied="2025-04-02"))
    (f,) = check_application(app, CAL, TODAY)
    # due 03-31; (03-31, 04-02] = 04-01, 04-02 → 2 working days late
    assert "逾期 2 个工作日" in f.message and "2025-03-31" in f.message


def test_extension_approver_must_be_a_known_person(tmp_path: Path) -> None:
    text = app_text(events=["{type: 延期, date: 2025-03-20, days: 10, approved_by: nobody}"])
    assert ("GK516", "error", 7) in _codes(tmp_path, text, people=["lisi"])
    assert _codes(tmp_path, text.replace("nobody", "lisi"), people=["lisi"]) == []


def test_other_result_needs_its_event(tmp_path: Path) -> None:
    text = app_text(
        result="其他处理", result_reason="申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    )
    assert ("GK523", "warning", 7) in _codes(tmp_path, text)


def test_duplicate_ids_and_misplaced_files(tmp_path: Path) -> None:
    write_app(tmp_path, app_text(), "applications/2025/2025-003.yaml")
    write_app(tmp_path, app_text(), "applications/2025/2025-004.yaml")
    from gkctl.register.applications import read_applications

    apps, _ = read_applications(tmp_path)
    codes = [(f.code, f.path) for f in check_applications(apps, CAL, TODAY)]
    assert ("GK513", "applications/2025/2025-004.yaml") in codes or (
        "GK513",
        "applications/2025/2025-003.yaml",
    ) in codes
    assert ("GK514", "applications/2025/2025-004.yaml") in codes  # id 2025-003 in file 2025-004.yaml


def test_more_than_one_correction_notice_is_a_warning(tmp_path: Path) -> None:
    text = app_text(
        events=[
            "{type: 补正告知, date: 2025-03-04}",
            "{type: 补正收到, date: 2025-03-05}",
            "{type: 补正告知, date: 2025-03-06}",
            "{type: 补正收到, date: 2025-03-07}",
        ]
    )
    assert ("GK519", "warning", 9) in _codes(tmp_path, text)


# --------------------------------------------------------------------------- the example bureau

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "bureau"


def test_the_example_register_is_clean_and_covers_the_whole_national_table() -> None:
    import yaml

    from gkctl.register.appeals import load_appeals
    from gkctl.register.rules import check_register

    people = [p["id"] for p in yaml.safe_load((EXAMPLE / "people.yaml").read_text(encoding="utf-8"))["people"]]
    # 2026-002's extension runs into 2027, which the calendar does not know yet: a warning, no guess
    found = check_register(EXAMPLE, CAL, TODAY, people)
    assert [(f.code, f.severity, f.path) for f in found] == [("GK524", "warning", "applications/2026/2026-002.yaml")]
    apps = load_applications(EXAMPLE)
    replied_2025 = [a for a in apps if a.replied and a.replied.year == 2025]
    assert {(a.result, a.result_reason) for a in replied_2025} == set(RESULT_ROWS)
    assert {a.applicant_type for a in apps} == {
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    }
    carried_in = [a for a in apps if a.received.year == 2024 and a.replied and a.replied.year == 2025]
    carried_out = [a for a in apps if a.received.year == 2025 and (a.replied is None or a.replied.year > 2025)]
    assert len(carried_in) >= 2 and len(carried_out) >= 2
    appeals = load_appeals(EXAMPLE)
    assert {a.report_group for a in appeals} == {"行政复议", "未经复议直接起诉", "复议后起诉"}
    assert {a.result_as_of(date(2025, 12, 31)) for a in appeals} == {"结果维持", "结果纠正", "其他结果", "尚未审结"}


def test_an_expired_supplement_period_is_pointed_out(tmp_path: Path) -> None:
    app = _open(tmp_path, events=["{type: 补正告知, date: 2025-03-06, until: 2025-03-20}"])
    keys = [s.key for s in compute_deadline(app, CAL, date(2025, 3, 24)).steps]
    assert "deadline.correction_expired" in keys
    assert "deadline.correction_expired" not in [s.key for s in compute_deadline(app, CAL, date(2025, 3, 20)).steps]


def test_count_start_day_setting_changes_the_deadline_and_says_so(tmp_path: Path) -> None:
    from gkctl.core.calendar import WorkCalendar

    app = _open(tmp_path, id="2026-002", received="2026-02-28")
    cal = WorkCalendar.from_policy_dict({"count_start_day": True})
    # Sat 02-28 (调休 working day) counted =1; 03-02..06 =2..6; … 03-23..26 =17..20
    assert compute_deadline(app, cal).due == date(2026, 3, 26)
    assert "含当日" in render_step(compute_deadline(app, cal).steps[1])
