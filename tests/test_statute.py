"""Statutory fidelity: capped pauses, art. 35, the calendar's edge, fees against 国办函〔2020〕109号.

Every expected date is counted by hand in the comment beside it, on the calendar it names:
the 2026 arrangement is the State Council notice as the built-in calendar has it (国庆节、中秋节
2026: 9月25日至27日、10月1日至7日放假，9月20日（周日）、10月10日（周六）上班). The 2027
arrangement is not published in this material: tests that need 2027 enter a made-up but valid
one through ``gkctl calendar add`` (MADE_UP_2027), never a guess shipped in the policies.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from gkctl.core.calendar import WorkCalendar
from gkctl.register.deadlines import compute_deadline
from gkctl.register.rules import check_applications, check_fee
from gkctl.services.apply import render_step
from gkctl.services.report import assessment, audit_findings
from gkctl.services.repository import Repository
from helpers.apply import CAL, add_registrar, app_text, load_one, write_app
from helpers.sig import SshKey, use_ssh_key


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


# Made up for the tests (the real 2027 notice is not in this material): valid in form only.
MADE_UP_2027 = [
    "--holiday", "2027-01-01..2027-01-03:元旦", "--holiday", "2027-02-06..2027-02-12:春节",
    "--workday", "2027-02-20:春节", "--holiday", "2027-04-03..2027-04-05:清明节",
    "--holiday", "2027-05-01..2027-05-05:劳动节", "--workday", "2027-04-25:劳动节",
    "--holiday", "2027-06-09:端午节", "--holiday", "2027-09-15:中秋节",
    "--holiday", "2027-10-01..2027-10-07:国庆节", "--workday", "2027-09-26:国庆节", "--workday", "2027-10-09:国庆节",
]  # fmt: skip


def _app(tmp_path: Path, **fields: object):  # type: ignore[no-untyped-def]
    """One application alone in a register of its own."""
    base = {"result": None, "replied": None}
    root = tmp_path / str(fields["id"])
    return load_one(root, app_text(**{**base, **fields}), f"applications/{str(fields['id'])[:4]}/{fields['id']}.yaml")


def _text(dl) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(render_step(s) for s in dl.steps)


# --------------------------------------------------------------------------- pauses that end


def test_a_third_party_that_never_answers_pauses_the_clock_for_15_working_days_only(tmp_path: Path) -> None:
    app = _app(tmp_path, id="2026-031", received="2026-09-18", channel="网络",
               events=["{type: 征求意见, date: 2026-09-22, party: 第三方（被审计企业）}"])  # fmt: skip
    # Received Fri 2026-09-18 online (条例第三十一条第三项). The reply clock (receipt day not counted):
    # 09-19 Sat; 09-20 Sun 调休上班 =1; 09-21 Mon =2; 09-22 Tue =3 (the letter goes out, the day still counts).
    # The third party's 15 working days (条例第三十二条) from the letter: 09-23 =1, 09-24 =2,
    # 09-25..27 中秋节, 09-28 =3, 09-29 =4, 09-30 =5, 10-01..07 国庆节, 10-08 =6, 10-09 =7,
    # 10-10 Sat 调休上班 =8, 10-12..16 =9..13, 10-19 =14, 10-20 =15: paused until Tue 10-20.
    # The clock resumes: 10-21 =4, 10-22 =5, 10-23 =6, 10-26..30 =7..11, 11-02..06 =12..16,
    # 11-09 =17, 11-10 =18, 11-11 =19, 11-12 =20: due Thu 2026-11-12.
    dl = compute_deadline(app, CAL, date(2026, 12, 1))
    assert dl.pauses[0].limit == date(2026, 10, 20) and dl.pauses[0].capped(date(2026, 12, 1))
    assert dl.paused_workdays == 15 and dl.due == date(2026, 11, 12)
    assert dl.waiting is None  # no longer waiting: the agency decides
    text = _text(dl)
    assert "15 个工作日内未答复（条例第三十二条）：暂停至 2026-10-20（周二） 止" in text
    assert "答复期限：2026-11-12（周四）" in text
    # while the 15 days still run, the application waits, and the latest due date is already known
    early = compute_deadline(app, CAL, date(2026, 10, 9))
    assert early.waiting == "consultation" and early.due == date(2026, 11, 12)
    assert "最迟暂停至 2026-10-20（周二）（条例第三十二条：15 个工作日内提出意见）" in _text(early)
    # an answer after the cap does not stretch the pause
    late = _app(tmp_path, id="2026-032", received="2026-09-18", channel="网络",
                events=["{type: 征求意见, date: 2026-09-22, party: 第三方}",
                        "{type: 征求意见答复, date: 2026-10-28}"])  # fmt: skip
    dl = compute_deadline(late, CAL, date(2026, 12, 1))
    assert dl.due == date(2026, 11, 12) and "才答复，晚于 15 个工作日的期限（条例第三十二条）" in _text(dl)


def test_the_caps_are_policy_data_and_apply_show_names_the_article(tmp_path: Path) -> None:
    cal = WorkCalendar.from_policy_dict({"pause_caps": {"其他机关": {"days": 10, "article": "本机关规定第九条"}}})
    app = _app(tmp_path, id="2026-033", received="2026-09-18", channel="网络",
               events=["{type: 征求意见, date: 2026-09-22, party: 区财政局}"])  # fmt: skip
    # another agency, capped at 10 working days by the office's own rule: 09-23 =1, 09-24 =2,
    # 09-28..30 =3..5, 10-08 =6, 10-09 =7, 10-10 =8, 10-12 =9, 10-13 =10.
    dl = compute_deadline(app, cal, date(2026, 12, 1))
    assert dl.pauses[0].limit == date(2026, 10, 13) and "本机关规定第九条" in _text(dl)
    with pytest.raises(Exception, match="pause_caps"):
        WorkCalendar.from_policy_dict({"pause_caps": {"第三方": {"days": 0, "article": "x"}}})


def test_an_unpaid_fee_notice_pauses_for_the_payment_window_only(tmp_path: Path) -> None:
    app = _app(tmp_path, id="2026-034", received="2026-11-02", channel="当面",
               events=["{type: 收费通知, date: 2026-11-04, amount: 100}"])  # fmt: skip
    # Received Mon 11-02: 11-03 =1, 11-04 =2 (notice). 20 working days to pay (国办函〔2020〕109号第七条):
    # 11-05 =1, 11-06 =2, 11-09..13 =3..7, 11-16..20 =8..12, 11-23..27 =13..17, 11-30 =18,
    # 12-01 =19, 12-02 =20: paused until Wed 12-02. Then 12-03 =3, 12-04 =4, 12-07..11 =5..9,
    # 12-14..18 =10..14, 12-21..25 =15..19, 12-28 =20: due Mon 2026-12-28.
    dl = compute_deadline(app, CAL, date(2026, 12, 10))
    assert dl.pauses[0].limit == date(2026, 12, 2) and dl.due == date(2026, 12, 28)
    assert "国办函〔2020〕109号第七条" in _text(dl)


# --------------------------------------------------------------------------- art. 35


def test_a_delayed_reply_fixes_the_due_date_apart_from_an_extension(tmp_path: Path) -> None:
    app = _app(tmp_path, id="2026-035", received="2026-03-02", channel="网络",
               events=["{type: 延迟答复, date: 2026-03-20, until: 2026-05-29, note: 申请人一个月内提出60件申请}"])
    # Received Mon 03-02; the ordinary deadline (条例第三十三条): 03-03..06 =1..4, 03-09..13 =5..9,
    # 03-16..20 =10..14, 03-23..27 =15..19, 03-30 =20. The office fixed 2026-05-29 under art. 35.
    dl = compute_deadline(app, CAL, date(2026, 4, 1))
    assert dl.base_due == date(2026, 3, 30) and dl.due == date(2026, 5, 29) and dl.extension_days == 0
    assert dl.delayed_until == date(2026, 5, 29)
    assert "条例第三十五条" in _text(dl) and "不同于第三十三条的延期" in _text(dl)
    bad = app_text(id="2026-036", received="2026-03-02", result=None, replied=None,
                   events=["{type: 延迟答复, date: 2026-03-20}"])  # fmt: skip
    write_app(tmp_path, bad, "applications/2026/2026-036.yaml")
    from gkctl.register.applications import read_applications

    apps, _ = read_applications(tmp_path)
    found = check_applications(apps, CAL, date(2026, 4, 1))
    assert any(f.code == "GK525" and f.path == "applications/2026/2026-036.yaml" for f in found)


# --------------------------------------------------------------------------- fees


@pytest.mark.parametrize(
    ("pages", "fee", "ok"),
    [
        (None, 500, False),  # one ordinary application, 按件 1st of the month: free (≤10 件)
        (30, 1, False),  # 按量 1–30 页 free
        (40, 100, True),  # 31–40: 10 页 × 10 元
        (40, 101, False),
        (150, 1700, True),  # 70 × 10 + 50 × 20 (101–150)
        (250, 4700, True),  # 70 × 10 + 100 × 20 + 50 × 40 (201–250)
        (250, 4740, False),
    ],
)
def test_a_fee_is_checked_against_the_page_bands(tmp_path: Path, pages: int | None, fee: int, ok: bool) -> None:
    extra = {"pages": pages} if pages is not None else {}
    app = load_one(tmp_path, app_text(fee=fee, **extra))
    found = check_fee(app, [app])
    assert (not found) is ok
    if not ok:
        assert found[0].code == "GK526" and found[0].path == app.path and found[0].line == app.line("fee")


def test_a_fee_by_item_counts_the_applicants_month(tmp_path: Path) -> None:
    # Same applicant, 32 applications in March 2026: 1–10 free, 11–30 at 100 元, 31–40 at 200 元.
    for n in range(1, 33):
        day = f"2026-03-{1 + (n - 1) % 28:02d}"
        write_app(tmp_path, app_text(id=f"2026-{n:03d}", received=day, replied="2026-03-31", fee=0),
                  f"applications/2026/2026-{n:03d}.yaml")  # fmt: skip
    from gkctl.register.applications import read_applications

    apps, _ = read_applications(tmp_path)
    ordered = sorted(apps, key=lambda a: (a.received, a.id))
    tenth, eleventh, thirty_second = ordered[9], ordered[10], ordered[31]
    assert not check_fee(_with_fee(tenth, 0), apps)
    assert check_fee(_with_fee(tenth, 100), apps)  # the 10th is free
    assert not check_fee(_with_fee(eleventh, 100), apps) and check_fee(_with_fee(eleventh, 200), apps)
    assert not check_fee(_with_fee(thirty_second, 200), apps) and check_fee(_with_fee(thirty_second, 300), apps)


def _with_fee(app, fee: float):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(app, fee=fee)


# --------------------------------------------------------------------------- the calendar's edge (CLI)


@pytest.fixture
def desk(repo: Path, admin_key: SshKey, tmp_path: Path) -> Path:
    add_registrar(repo, admin_key, tmp_path / "keys")
    return repo


def test_an_extension_into_2027_is_recorded_then_computed_once_the_admin_adds_2027(
    desk: Path, admin_key: SshKey, cli: Callable
) -> None:
    r = cli("-C", str(desk), "apply", "new", "--channel", "网络", "--applicant-type", "自然人", "--applicant", "许文静",
            "--request", "申请公开审计工作报告", "--received", "2026-11-16", "--section", "财政审计科")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = cli("-C", str(desk), "apply", "event", "2026-001", "延期", "--days", "20", "--approved-by", "lisi",
            "--date", "2026-11-30")  # fmt: skip
    assert r.exit_code == 0, r.output  # recorded, with a warning
    assert "GK524" in r.stdout and "无法计算：缺少 2027 年日历" in r.stdout
    show = cli("-C", str(desk), "apply", "show", "2026-001")
    assert show.exit_code == 0 and "无法计算：缺少 2027 年日历" in show.stdout
    listed = cli("-C", str(desk), "apply", "list")
    assert listed.exit_code == 0 and "无法计算：缺少 2027 年日历" in listed.stdout
    # the registrar may not enter the calendar; the admin may
    refused = cli("-C", str(desk), "calendar", "add", "2027", *MADE_UP_2027)
    assert refused.exit_code == 1 and "不能修改工作日历" in refused.stderr
    assert "years: []" in (desk / "policies/calendar.yaml").read_text(encoding="utf-8")
    use_ssh_key(desk, admin_key)
    r = cli("-C", str(desk), "calendar", "add", "2027", *MADE_UP_2027)
    assert r.exit_code == 0, r.output
    assert "Gkctl-Step: calendar" in git(desk, "log", "-1", "--format=%B")
    assert git(desk, "status", "--porcelain").strip() == ""
    verify = cli("-C", str(desk), "verify")
    assert verify.exit_code == 0, verify.output  # an admin-signed policy change
    data = json.loads(cli("-C", str(desk), "apply", "show", "2026-001", "--format", "json").stdout)
    # Received Mon 2026-11-16: 11-17..20 =1..4, 11-23..27 =5..9, 11-30..12-04 =10..14, 12-07..11 =15..19,
    # 12-14 =20 (the ordinary deadline). Extension of 20: 12-15..18 =21..24, 12-21..25 =25..29,
    # 12-28..31 =30..33, 2027-01-01..03 元旦 (MADE_UP_2027), 01-04..08 =34..38, 01-11 =39, 01-12 =40.
    assert data["due"] == "2027-01-12" and data["section"] == "财政审计科"
    assert any("元旦 2027-01-01（周五）–2027-01-03（周日）" in s["text"] for s in data["steps"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--holiday", "2027-01-01:元旦"], "缺少 春节"),
        ([*MADE_UP_2027, "--workday", "2027-03-03:春节"], "周一至周五"),
        ([*MADE_UP_2027, "--holiday", "2027-01-03..2027-01-04:元旦"], "重复登记"),
        ([*MADE_UP_2027, "--holiday", "2028-01-01:元旦"], "不在 2027 年内"),
        (["--holiday", "2027-13-01:元旦"], "无效"),
    ],
)
def test_calendar_add_refuses_what_cannot_be_the_notice(repo: Path, cli: Callable, args: list[str], words: str) -> None:
    before = (repo / "policies/calendar.yaml").read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    r = cli("-C", str(repo), "calendar", "add", "2027", *args)
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.output
    assert (repo / "policies/calendar.yaml").read_bytes() == before and git(repo, "rev-parse", "HEAD") == head


def test_calendar_add_from_a_file_and_never_twice(repo: Path, cli: Callable, tmp_path: Path) -> None:
    notice = tmp_path / "2027.yaml"
    lines = ["holidays:"]
    it = iter(MADE_UP_2027)
    workdays = []
    for opt, spec in zip(it, it, strict=True):
        days, _, name = spec.partition(":")
        a, _, b = days.partition("..")
        item = f"{{from: {a}, to: {b}, name: {name}}}" if b else f"{{date: {a}, name: {name}}}"
        (lines if opt == "--holiday" else workdays).append(f"  - {item}")
    notice.write_text("\n".join([*lines, "workdays:", *workdays]) + "\n", encoding="utf-8")
    r = cli("-C", str(repo), "calendar", "add", "2027", "--file", str(notice))
    assert r.exit_code == 0, r.output
    assert "years: [2027]" in (repo / "policies/calendar.yaml").read_text(encoding="utf-8")
    assert "# 工作日历覆盖" in (repo / "policies/calendar.yaml").read_text(encoding="utf-8")  # the comments stay
    again = cli("-C", str(repo), "calendar", "add", "2027", "--file", str(notice))
    assert again.exit_code == 1 and "已在日历中" in again.stderr
    assert cli("-C", str(repo), "calendar", "add", "2026", *MADE_UP_2027).exit_code == 1  # built in


def test_audit_and_assess_carry_on_past_a_2027_deadline(desk: Path, cli: Callable) -> None:
    write_app(desk, app_text(id="2026-001", received="2026-11-16", result=None, replied=None, section="财政审计科",
                             events=["{type: 延期, date: 2026-12-10, days: 20, approved_by: lisi}"]),
              "applications/2026/2026-001.yaml")  # fmt: skip
    write_app(desk, app_text(id="2026-002", received="2026-03-02", replied="2026-06-30"),
              "applications/2026/2026-002.yaml")  # late: due 2026-03-30  # fmt: skip
    write_app(desk, app_text(id="2026-003", received="2026-03-02", replied="2026-03-10", fee=500),
              "applications/2026/2026-003.yaml")  # fmt: skip
    git(desk, "add", "applications")
    git(desk, "commit", "-q", "-S", "-m", "登记")
    repo = Repository(desk, today=date(2026, 12, 15))
    _, found = audit_findings(repo, 2026)
    codes = [f.code for f in found]
    assert codes.count("GK815") == 1 and "2026-001" in next(f.message for f in found if f.code == "GK815")
    assert "GK808" in codes  # the late reply is still reported: the audit ran to the end
    fee = next(f for f in found if f.code == "GK816")
    assert fee.path == "applications/2026/2026-003.yaml" and "制度第二十二条第（四）项" in fee.message
    assert "GK201" in codes  # from 1 November: 2027 is not in the calendar
    result = assessment(repo, 2026)
    assert [f.code for f in result.findings] == ["GK720"]
    by = {s.section: s for s in result.sections}
    assert by["财政审计科"].application_items == ["2026-001"]
    assert (by["办公室"].applications, by["办公室"].applications_on_time) == (2, 1)
    r = cli("-C", str(desk), "audit", "--year", "2026")
    assert r.exit_code == 1 and "无法计算期限：缺少 2027 年日历" in r.stdout and "GK808" in r.stdout
    r = cli("-C", str(desk), "assess", "--year", "2026")
    assert r.exit_code == 0 and "缺少 2027 年日历" in r.stdout


# --------------------------------------------------------------------------- the published report


def _publish(b, rel: str, monkeypatch: pytest.MonkeyPatch, day: date) -> None:  # type: ignore[no-untyped-def]
    from gkctl.services import steps

    for step, who in (("review", "reviewer"), ("sign", "signer"), ("check", "office")):
        steps.decide(b.as_(who).repo, rel, step, True, "同意")
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, rel, "proofread", True, "校对无误")
    monkeypatch.setattr(steps, "today_beijing", lambda: day)
    steps.publish(b.as_("publisher").repo, [rel], fetch=False)


def _register(root: Path, app_id: str, received: str, replied: str) -> str:
    return write_app(root, app_text(id=app_id, received=received, replied=replied), f"applications/2025/{app_id}.yaml")


def test_the_published_report_is_compared_cell_by_cell_with_todays_count(
    repo: Path, admin_key: SshKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    """The example's story: the 2025 report published 2026-01-28 says 废止0件、现行有效1件; a repeal recorded
    later, dated 2025-12-10, and an application registered after publication change the year today."""
    import shutil

    from gkctl.services import steps
    from helpers.docs import write_doc
    from helpers.workflow import Bureau

    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    normative = "docs/2019/2019-fgk-003.md"
    write_doc(repo, normative, id="2019-fgk-003", drafter="clerk", formed=date(2019, 3, 15))
    b.commit_file("clerk", normative)
    _publish(b, normative, monkeypatch, date(2019, 3, 22))
    example = Path(__file__).parent.parent / "examples/bureau"
    shutil.copytree(example / "reports", repo / "reports", dirs_exist_ok=True)
    shutil.copytree(example / "applications/2024", repo / "applications/2024")  # carried into 2025
    _register(repo, "2025-001", "2025-03-03", "2025-03-20")
    git(repo, "add", "reports", "applications")
    b.commit_file("clerk", "reports/2025/annual.yaml", "登记和年报素材")
    from gkctl.services import report as report_service

    monkeypatch.setattr(report_service, "today_beijing", lambda: date(2026, 1, 16))  # the drafting day
    res = cli("report", "annual", "--year", "2025", "--as-document", "--drafter", "clerk", cwd=repo)
    assert res.exit_code == 0, res.output
    report_rel = res.stdout.strip().splitlines()[-1]
    b.commit_file("clerk", report_rel, "2025年年报")
    _publish(b, report_rel, monkeypatch, date(2026, 1, 28))
    published_at = git(repo, "rev-parse", "HEAD").strip()
    # later (the commits carry today's date): the repeal dated back into 2025, an application registered
    steps.end_publication(b.as_("publisher").repo, normative, "repeal", "已被新规定替代。", date(2025, 12, 10))
    _register(repo, "2025-002", "2025-06-02", "2025-06-20")
    b.commit_file("clerk", "applications/2025/2025-002.yaml", "补登记")

    res = cli("report", "annual", "--year", "2025", "--format", "json", cwd=repo)
    assert res.exit_code == 0, res.output
    assert "GK711" not in res.stderr  # published on 2026-01-28, before 31 January: not late, whatever today is
    moved = [line for line in res.stderr.splitlines() if "GK715" in line]
    text = "\n".join(moved)
    assert all(report_rel in line and "2026-01-28 公开" in line for line in moved)
    assert "表二“行政规范性文件”的“本年废止件数”为 0，按现有记录计算为 1；变动来自：2019-fgk-003" in text
    assert "表二“行政规范性文件”的“现行有效件数”为 1，按现有记录计算为 0；变动来自：2019-fgk-003" in text
    assert "表三“一、本年新收政府信息公开申请数量”行“自然人”列为 1，按现有记录计算为 2；变动来自：2025-002" in text
    assert len(moved) == 2 + 2 * 3  # table 二 twice; table 三 rows 一, （一）予以公开, （七）总计 × 自然人/总计
    # as the history stood at the publication: the published figures, nothing to report
    res = cli("report", "annual", "--year", "2025", "--format", "json", "--as-of", published_at, cwd=repo)
    assert res.exit_code == 0 and "GK715" not in res.stderr, res.output
    values = json.loads(res.stdout)["table2"][1]["values"]
    assert values == {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 1}
    again = cli("report", "annual", "--year", "2025", "--format", "json", "--as-of", "published", cwd=repo)
    assert again.exit_code == 0 and json.loads(again.stdout)["table2"] == json.loads(res.stdout)["table2"]
    none = cli("report", "annual", "--year", "2024", "--as-of", "published", cwd=repo)
    assert none.exit_code == 2 and "2024 年度报告尚未" in none.stderr
    bad = cli("report", "annual", "--year", "2025", "--as-of", "no-such-rev", cwd=repo)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    # the audit reports the late changes as findings
    res = cli("audit", "--year", "2025", "--format", "json", cwd=repo)
    late = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "GK817"]
    assert len(late) == len(moved) and all(f["path"] == report_rel for f in late)
    assert "制度第二十四条" in late[0]["article"]


def test_a_receipt_on_a_rest_day_is_a_policy_choice(tmp_path: Path) -> None:
    app = _app(tmp_path, id="2026-037", received="2026-03-07", channel="网络")  # a Saturday
    # as_is (default): 03-09..13 =1..5, 03-16..20 =6..10, 03-23..27 =11..15, 03-30..04-03 =16..20.
    assert compute_deadline(app, CAL).due == date(2026, 4, 3)
    # next_workday: received as of Mon 03-09, counted from 03-10: 03-10..13 =1..4, 03-16..20 =5..9,
    # 03-23..27 =10..14, 03-30..04-03 =15..19, 04-04..06 清明节 (2026 notice), 04-07 =20.
    later = WorkCalendar.from_policy_dict({"rest_day_receipt": "next_workday"})
    dl = compute_deadline(app, later)
    assert dl.start == date(2026, 3, 9) and dl.due == date(2026, 4, 7)
    assert "rest_day_receipt: next_workday" in _text(dl)
    with pytest.raises(Exception, match="rest_day_receipt"):
        WorkCalendar.from_policy_dict({"rest_day_receipt": "tomorrow"})


def test_the_example_year_audits_and_assesses_to_the_end_with_a_2027_deadline(repo: Path) -> None:
    """examples/bureau's 2026-002 (received 2026-11-16, extended by 20 working days) is due in 2027."""
    import shutil

    example = Path(__file__).parent.parent / "examples/bureau"
    folders = [f for f in ("docs", "attachments", "applications", "appeals", "reports") if (example / f).is_dir()]
    for folder in folders:
        shutil.copytree(example / folder, repo / folder, dirs_exist_ok=True)
    git(repo, "add", *folders)
    git(repo, "commit", "-q", "-S", "-m", "示例机关的文件和登记")
    r = Repository(repo, today=date(2026, 12, 15))
    _, found = audit_findings(r, None)  # 2025 and 2026
    edge = [f for f in found if f.code == "GK815"]
    assert [f.path for f in edge] == ["applications/2026/2026-002.yaml"]
    assert "GK808" in {f.code for f in found} and "GK201" in {f.code for f in found}  # and the rest is there
    for year in (2025, 2026):
        result = assessment(r, year)
        assert result.sections  # ran to the end
    result = assessment(r, 2026)
    assert [(f.code, f.path) for f in result.findings] == [("GK720", "applications/2026/2026-002.yaml")]
    by = {s.section: s for s in assessment(r, 2025).sections}
    assert by["财政审计科"].applications == 1  # 2025-003, credited to its 承办科室
    assert "2025-003" not in by["办公室"].application_items


def test_from_1_november_next_years_missing_arrangement_is_a_warning() -> None:
    from gkctl.core.calendar import next_year_finding

    assert CAL.missing_next_year(date(2026, 10, 31)) is None
    found = next_year_finding(CAL, date(2026, 11, 1))
    assert found is not None and found.code == "GK201" and found.path == "policies/calendar.yaml"
    assert "gkctl calendar add 2027" in found.message
    entered = WorkCalendar.from_policy_dict({"years": [2027]})
    assert next_year_finding(entered, date(2026, 12, 1)) is None
    assert CAL.missing_next_year(date(2025, 12, 1)) is None  # 2026 is built in


def test_the_catalogue_must_be_rebuilt_after_each_publication(
    repo: Path, admin_key: SshKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable
) -> None:
    from helpers.docs import write_doc
    from helpers.workflow import Bureau

    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    first, second = "docs/2026/2026-bgs-001.md", "docs/2026/2026-bgs-002.md"
    for rel in (first, second):
        write_doc(repo, rel, id=Path(rel).stem, drafter="clerk", formed=date(2026, 6, 1))
        b.commit_file("clerk", rel)
    _publish(b, first, monkeypatch, date(2026, 6, 3))
    site = tmp_path / "site"
    assert cli("build", "--out", str(site), cwd=repo).exit_code == 0
    res = cli("audit", "--year", "2026", "--site", str(site), "--format", "json", cwd=repo)
    assert "GK818" not in {f["code"] for f in json.loads(res.stdout)["findings"]}
    _publish(b, second, monkeypatch, date(2026, 6, 5))  # published, the site not rebuilt
    res = cli("audit", "--year", "2026", "--site", str(site), "--format", "json", cwd=repo)
    (stale,) = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "GK818"]
    assert stale["path"] == second and "2026-bgs-002" in stale["message"] and "制度第二十二条第（二）项" in stale["article"]
    bad = cli("audit", "--year", "2026", "--site", str(tmp_path / "nowhere"), cwd=repo)
    assert bad.exit_code == 2 and "manifest.json" in bad.stderr and "Traceback" not in bad.output


def test_the_desk_records_a_delayed_reply_and_refuses_a_fee_above_the_rules(desk: Path, cli: Callable) -> None:
    r = cli("-C", str(desk), "apply", "new", "--channel", "当面", "--applicant-type", "法律服务机构",
            "--applicant", "重庆示例律师事务所", "--request", "申请提供审计报告纸质件", "--received", "2026-03-02")  # fmt: skip
    assert r.exit_code == 0, r.output
    missing = cli("-C", str(desk), "apply", "event", "2026-001", "延迟答复", "--date", "2026-03-20")
    assert missing.exit_code == 2 and "--until" in missing.stderr
    r = cli("-C", str(desk), "apply", "event", "2026-001", "延迟答复", "--until", "2026-05-29", "--date", "2026-03-20",
            "--note", "申请人一个月内提出60件申请，明显超过合理范围")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads(cli("-C", str(desk), "apply", "show", "2026-001", "--format", "json").stdout)
    assert data["due"] == "2026-05-29" and data["delayed_until"] == "2026-05-29"
    assert any("条例第三十五条" in s["text"] for s in data["steps"])
    head = git(desk, "rev-parse", "HEAD")
    r = cli("-C", str(desk), "apply", "reply", "2026-001", "--result", "予以公开", "--date", "2026-04-10", "--fee", "500")
    assert r.exit_code == 1 and "GK526" not in r.stdout and "最高 0 元" in r.stderr
    assert git(desk, "rev-parse", "HEAD") == head and git(desk, "status", "--porcelain").strip() == ""
    r = cli("-C", str(desk), "apply", "reply", "2026-001", "--result", "予以公开", "--date", "2026-04-10",
            "--fee", "100", "--pages", "40")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "pages: 40" in (desk / "applications/2026/2026-001.yaml").read_text(encoding="utf-8")
