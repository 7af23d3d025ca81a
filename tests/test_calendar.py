"""Working-day arithmetic on real 2025 and 2026 calendars (国务院办公厅 holiday notices).

Every expected date is counted by hand in the comment next to it; the start day is not
counted unless the test says so.
"""

from __future__ import annotations

from datetime import date

import pytest

from gkctl.core.calendar import WorkCalendar
from gkctl.core.errors import InputError
from gkctl.core.yamlio import load_yaml

CAL = WorkCalendar.from_policy_dict(None, "policies/calendar.yaml")


def test_weekday_weekend_holiday_and_makeup_days_2026() -> None:
    assert CAL.is_workday(date(2026, 2, 27))  # Friday
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday, 调休上班 for 春节
    assert not CAL.is_workday(date(2026, 3, 1))  # ordinary Sunday
    assert not CAL.is_workday(date(2026, 2, 17))  # Tuesday in the 春节 break
    assert not CAL.is_workday(date(2026, 10, 5))  # Monday in the 国庆 break
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, 调休上班 for 国庆
    info = CAL.day_info(date(2026, 2, 28))
    assert (info.kind, info.name) == ("makeup", "春节")
    assert CAL.day_info(date(2026, 10, 1)).name == "国庆节"


def test_friday_before_the_2025_national_day_break() -> None:
    # Received Fri 2025-09-26, 20 working days, receipt day not counted:
    # 09-27 Sat rest; 09-28 Sun 调休 =1; 09-29 =2; 09-30 =3; 10-01..10-08 holiday;
    # 10-09 =4; 10-10 =5; 10-11 Sat 调休 =6; 10-12 Sun rest; 10-13..17 =7..11;
    # 10-20..24 =12..16; 10-27 =17, 10-28 =18, 10-29 =19, 10-30 =20.
    assert CAL.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 30)
    assert CAL.workdays_between(date(2025, 9, 26), date(2025, 10, 30)) == 20


def test_explanation_lists_skipped_holidays_and_counted_makeup_days() -> None:
    ex = CAL.explain_add(date(2025, 9, 26), 20)
    assert ex.result == date(2025, 10, 30)
    # the whole break, 8 days, 10-06 being 中秋 inside it
    assert [d.day for d in ex.skipped_holidays] == [date(2025, 10, day) for day in range(1, 9)]
    assert {d.name for d in ex.skipped_holidays} == {"国庆节", "中秋"}
    assert [d.day for d in ex.makeup_days] == [date(2025, 9, 28), date(2025, 10, 11)]
    assert len(ex.counted) == 20
    # 09-27, 10-12, 10-18, 10-19, 10-25, 10-26 are the ordinary weekend days passed over
    assert len(ex.skipped_weekends) == 6


def test_received_on_the_makeup_saturday_2026_02_28() -> None:
    # Sat 2026-02-28 is a working day. Not counted: 03-02..06 =1..5; 03-09..13 =6..10;
    # 03-16..20 =11..15; 03-23..27 =16..20.
    assert CAL.add_workdays(date(2026, 2, 28), 20) == date(2026, 3, 27)
    # Counted (count_start): 02-28 =1; 03-02..06 =2..6; 03-09..13 =7..11; 03-16..20 =12..16;
    # 03-23 =17, 03-24 =18, 03-25 =19, 03-26 =20.
    assert CAL.add_workdays(date(2026, 2, 28), 20, count_start=True) == date(2026, 3, 26)


def test_2026_national_day_break_and_makeup_saturday() -> None:
    # Wed 2026-09-30 + 5: 10-01..10-07 holiday; 10-08 Thu =1; 10-09 Fri =2;
    # 10-10 Sat 调休 =3; 10-11 Sun rest; 10-12 =4; 10-13 =5.
    assert CAL.add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 13)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Sat 2026-09-26 (中秋 holiday): 09-28..30 =1..3; 10-01..07 holiday; 10-08 =4; 10-09 =5;
        # 10-10 Sat 调休 =6; 10-12..16 =7..11; 10-19..23 =12..16; 10-26..29 =17..20.
        # (chinese_calendar.find_workday would say 10-30: it first moves to a workday.)
        (date(2026, 9, 26), date(2026, 10, 29)),
        # Sat 2026-10-03 (国庆 holiday): 10-08 =1; 10-09 =2; 10-10 =3; 10-12..16 =4..8;
        # 10-19..23 =9..13; 10-26..30 =14..18; 11-02 =19; 11-03 =20.
        (date(2026, 10, 3), date(2026, 11, 3)),
    ],
)
def test_start_on_a_rest_day_counts_from_the_next_working_day(start: date, expected: date) -> None:
    assert CAL.add_workdays(start, 20) == expected


def test_spring_festival_2026_with_makeup_saturday_before_it() -> None:
    # Fri 2026-02-13 + 3: 02-14 Sat 调休 =1; 02-15..23 holiday; 02-24 =2; 02-25 =3.
    assert CAL.add_workdays(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_new_year_across_2025_2026() -> None:
    # Tue 2025-12-30 + 3: 12-31 =1; 2026-01-01..03 holiday; 01-04 Sun 调休 =2; 01-05 =3.
    assert CAL.add_workdays(date(2025, 12, 30), 3) == date(2026, 1, 5)


def test_between_is_half_open_and_signed() -> None:
    assert CAL.workdays_between(date(2025, 10, 1), date(2025, 10, 1)) == 0
    # (09-30, 10-09]: only 10-09 is a working day
    assert CAL.workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert CAL.workdays_between(date(2025, 10, 9), date(2025, 9, 30)) == -1
    assert CAL.add_workdays(date(2025, 3, 3), 0) == date(2025, 3, 3)


def test_unknown_year_is_an_error_naming_the_override_file() -> None:
    # Thu 2026-12-24 + 20 runs into 2027, which chinesecalendar 1.11 does not know.
    with pytest.raises(InputError) as err:
        CAL.add_workdays(date(2026, 12, 24), 20)
    assert err.value.path == "policies/calendar.yaml"
    assert "2027" in err.value.message
    assert "policies/calendar.yaml" in err.value.message


def test_override_file_defines_a_new_year() -> None:
    text = (
        "count_start_day: false\n"
        "years: [2027]\n"
        "holidays:\n"
        "  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n"
        "workdays:\n"
        "  - {date: 2027-01-09, name: 示例调休}\n"
    )
    loaded = load_yaml(text, "policies/calendar.yaml")
    cal = WorkCalendar.from_policy_dict(loaded.data, "policies/calendar.yaml", loaded)
    # Thu 2026-12-24 + 10: 12-25 =1; 12-28..31 =2..5; 2027-01-01 Fri holiday; 01-02/03 rest;
    # 01-04..08 =6..10.
    assert cal.add_workdays(date(2026, 12, 24), 10) == date(2027, 1, 8)
    # + 11 reaches the (made-up) working Saturday 2027-01-09
    assert cal.add_workdays(date(2026, 12, 24), 11) == date(2027, 1, 9)
    assert cal.day_info(date(2027, 1, 1)).name == "元旦"
    with pytest.raises(InputError, match="2028"):
        cal.is_workday(date(2028, 1, 3))


def test_override_wins_over_the_package() -> None:
    cal = WorkCalendar.from_policy_dict({"workdays": ["2025-10-08"], "holidays": ["2025-10-09"]}, "p.yaml")
    assert cal.is_workday(date(2025, 10, 8))
    assert not cal.is_workday(date(2025, 10, 9))


def test_count_start_day_setting() -> None:
    cal = WorkCalendar.from_policy_dict({"count_start_day": True}, "policies/calendar.yaml")
    # Mon 2025-03-03 counted =1; 03-04..07 =2..5
    assert cal.add_workdays(date(2025, 3, 3), 5) == date(2025, 3, 7)
    assert CAL.add_workdays(date(2025, 3, 3), 5) == date(2025, 3, 10)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("years: [2027]\nholidays:\n  - 2027/01/01\n", 3, "2027/01/01"),
        ("holidays:\n  - {from: 2027-01-03, to: 2027-01-01}\n", 2, "from"),
        ("count_start_day: 是\n", 1, "count_start_day"),
        ("years: [2027]\nholiday: []\n", 2, "holiday"),
        ("years: 2027\n", 1, "years"),
    ],
)
def test_broken_override_file_names_file_and_line(text: str, line: int, words: str) -> None:
    loaded = load_yaml(text, "policies/calendar.yaml")
    with pytest.raises(InputError) as err:
        WorkCalendar.from_policy_dict(loaded.data, "policies/calendar.yaml", loaded)
    assert err.value.path == "policies/calendar.yaml"
    assert err.value.line == line
    assert words in err.value.message


def test_shipped_default_override_file_loads() -> None:
    from gkctl.core.resources import data_dir

    path = data_dir("policies") / "calendar.yaml"
    loaded = load_yaml(path.read_text(encoding="utf-8"), "policies/calendar.yaml")
    cal = WorkCalendar.from_policy_dict(loaded.data, "policies/calendar.yaml", loaded)
    assert cal.count_start_day is False
    assert cal.add_workdays(date(2025, 9, 26), 20) == date(2025, 10, 30)
