"""``gkctl apply`` / ``gkctl appeal`` end to end: real repository, real ssh keys, signed commits."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from gkctl.core.yamlio import load_yaml
from gkctl.trail.gitutil import git
from helpers.apply import add_registrar
from helpers.sig import SshKey, make_ssh_key, use_ssh_key


@pytest.fixture
def desk(repo: Path, admin_key: SshKey, tmp_path: Path) -> Path:
    """The bureau repository with git signing as the registrar 赵登记."""
    add_registrar(repo, admin_key, tmp_path / "keys")
    return repo


def _new(cli: Callable, root: Path, received: str = "2025-09-26", channel: str = "网络"):  # type: ignore[no-untyped-def]
    return cli(
        "-C", str(root), "apply", "new", "--channel", channel, "--applicant-type", "自然人",
        "--applicant", "王小五", "--request", "申请公开2024年度区级预算执行审计结果公告", "--received", received,
    )  # fmt: skip


def test_new_writes_the_file_and_makes_a_signed_commit(desk: Path, cli: Callable) -> None:
    r = _new(cli, desk)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().splitlines()[-1] == "applications/2025/2025-001.yaml"
    data = load_yaml((desk / "applications/2025/2025-001.yaml").read_text(encoding="utf-8"), "x").data
    assert data["id"] == "2025-001"
    assert data["applicant"] == {"type": "自然人", "name": "王小五"}
    assert str(data["received"]) == "2025-09-26"
    log = git(desk, "log", "-1", "--format=%G?%n%B")
    assert log.startswith("G\n")  # signed, and good for git itself
    assert "Gkctl-Step: apply" in log and "Gkctl-Application: 2025-001" in log
    assert git(desk, "status", "--porcelain").strip() == ""
    # ids run per year
    assert _new(cli, desk, received="2025-10-09").stdout.strip().endswith("2025-002.yaml")


def test_list_json_gives_the_due_date_across_the_national_day(desk: Path, cli: Callable) -> None:
    _new(cli, desk)
    r = cli("-C", str(desk), "apply", "list", "--format", "json")
    assert r.exit_code == 0, r.output
    (item,) = json.loads(r.stdout)["applications"]
    # Fri 2025-09-26: 09-28 Sun 调休 =1 … (see test_calendar) … 10-30 =20
    assert item["received"] == "2025-09-26" and item["due"] == "2025-10-30"
    assert item["state"] == "open" and item["overdue"] is True  # today is long after
    assert item["days_left"] < 0
    r = cli("-C", str(desk), "apply", "list", "--overdue")
    assert "2025-001" in r.stdout and "逾期" in r.stdout


def test_events_reply_and_show_explain_the_deadline(desk: Path, cli: Callable) -> None:
    _new(cli, desk, received="2025-03-03")
    base = ("-C", str(desk), "apply", "event", "2025-001")
    assert cli(*base, "补正告知", "--date", "2025-03-06", "--until", "2025-03-14").exit_code == 0
    assert cli(*base, "补正收到", "--date", "2025-03-10").exit_code == 0
    assert cli(*base, "征求意见", "--date", "2025-03-12", "--party", "第三方").exit_code == 0
    assert cli(*base, "征求意见答复", "--date", "2025-03-20").exit_code == 0
    r = cli(*base, "延期", "--date", "2025-03-28", "--days", "20", "--approved-by", "lisi")
    assert r.exit_code == 0, r.output
    r = cli(
        "-C", str(desk), "apply", "reply", "2025-001", "--result", "不予公开", "--reason", "1", "--date", "2025-04-02"
    )
    assert r.exit_code == 0, r.output
    data = load_yaml((desk / "applications/2025/2025-001.yaml").read_text(encoding="utf-8"), "x").data
    assert (data["result"], data["result_reason"]) == ("不予公开", "属于国家秘密")
    assert len(data["events"]) == 5
    r = cli("-C", str(desk), "apply", "show", "2025-001")
    assert r.exit_code == 0, r.output
    # the DESIGN example: see test_consultation_pause_and_extension for the day count
    assert "答复期限：2025-05-16（周五）" in r.stdout
    assert "其间 6 个工作日不计入" in r.stdout
    assert "清明" in r.stdout and "劳动节" in r.stdout
    assert "2025-04-27（周日）" in r.stdout  # 调休 Sunday counted
    j = json.loads(cli("-C", str(desk), "apply", "show", "2025-001", "--format", "json").stdout)
    assert j["due"] == "2025-05-16" and j["state"] == "replied" and j["overdue"] is False
    # one signed commit per change
    subjects = git(desk, "log", "--format=%G? %s", "-7").splitlines()
    assert all(s.startswith("G ") for s in subjects[:7])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("延期", "--date", "2025-03-10", "--days", "25", "--approved-by", "lisi"), "20"),
        (("延期", "--date", "2025-03-10", "--days", "5", "--approved-by", "nobody"), "nobody"),
        (("补正收到", "--date", "2025-03-10"), "补正告知"),
        (("征求意见", "--date", "2025-03-01"), "2025-03-01"),
    ],
)
def test_refused_events_leave_nothing_behind(desk: Path, cli: Callable, args: tuple[str, ...], words: str) -> None:
    _new(cli, desk, received="2025-03-03")
    head = git(desk, "rev-parse", "HEAD")
    before = (desk / "applications/2025/2025-001.yaml").read_bytes()
    r = cli("-C", str(desk), "apply", "event", "2025-001", *args)
    assert r.exit_code in (1, 2), r.output
    assert words in r.stderr
    assert "Traceback" not in r.output
    assert git(desk, "rev-parse", "HEAD") == head
    assert (desk / "applications/2025/2025-001.yaml").read_bytes() == before


def test_reply_needs_a_sub_item_of_its_category(desk: Path, cli: Callable) -> None:
    _new(cli, desk, received="2025-03-03")
    r = cli("-C", str(desk), "apply", "reply", "2025-001", "--result", "无法提供", "--reason", "重复申请")
    assert r.exit_code == 2
    assert "1.本机关不掌握相关政府信息" in r.stderr
    r = cli("-C", str(desk), "apply", "reply", "2025-001", "--result", "无法提供", "--date", "2025-03-20")
    assert r.exit_code == 2 and "result_reason" in r.stderr


def test_bad_input_is_exit_2_without_traceback(desk: Path, cli: Callable) -> None:
    r = _new(cli, desk, received="2025-02-30")
    assert r.exit_code == 2 and "2025-02-30" in r.stderr and "Traceback" not in r.output
    r = _new(cli, desk, channel="微信")
    assert r.exit_code == 2 and "微信" in r.stderr
    r = cli("-C", str(desk), "apply", "show", "2025-404")
    assert r.exit_code == 2 and "2025-404" in r.stderr
    r = _new(cli, desk, received="2027-01-05")
    assert r.exit_code == 2 and "policies/calendar.yaml" in r.stderr


def test_a_broken_register_file_is_named_with_its_line(desk: Path, cli: Callable) -> None:
    _new(cli, desk)
    path = desk / "applications/2025/2025-001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("channel: 网络", "channel: 微信"), encoding="utf-8")
    r = cli("-C", str(desk), "apply", "list")
    assert r.exit_code == 2
    assert "applications/2025/2025-001.yaml:4:" in r.stderr and "微信" in r.stderr


def test_someone_without_the_registrar_role_is_refused(repo: Path, cli: Callable) -> None:
    # git signs as the admin, who holds only the admin role
    r = _new(cli, repo)
    assert r.exit_code == 1
    assert "registrar" in r.stderr
    assert not (repo / "applications/2025/2025-001.yaml").exists()


def test_an_unknown_signing_key_is_refused(desk: Path, cli: Callable, tmp_path: Path) -> None:
    use_ssh_key(desk, make_ssh_key(tmp_path / "other", "stranger"))
    r = _new(cli, desk)
    assert r.exit_code == 1
    assert not (desk / "applications/2025").exists()


def test_fee_command(cli: Callable) -> None:
    r = cli("apply", "fee", "--pages", "120", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["total"] == 1100  # 30 free + 70 × 10 + 20 × 20
    r = cli("apply", "fee", "--items", "12")
    assert "合计：200 元" in r.stdout  # 11th and 12th at 100
    assert cli("apply", "fee", "--items", "3", "--pages", "3").exit_code == 2


def test_appeals_new_decide_list(desk: Path, cli: Callable) -> None:
    _new(cli, desk, received="2025-03-03")
    c = ("-C", str(desk), "appeal")
    r = cli(*c, "new", "--type", "行政复议", "--filed", "2025-05-10", "--application", "2025-001")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().endswith("appeals/2025/2025-F01.yaml")
    r = cli(*c, "new", "--type", "行政诉讼", "--route", "未经复议直接起诉", "--filed", "2025-06-01")
    assert r.stdout.strip().endswith("appeals/2025/2025-S01.yaml")
    assert cli(*c, "new", "--type", "行政诉讼", "--filed", "2025-06-01").exit_code == 2  # no route
    r = cli(*c, "new", "--type", "行政复议", "--filed", "2025-06-01", "--application", "2025-099")
    assert r.exit_code == 1 and "2025-099" in r.stderr
    assert cli(*c, "decide", "2025-F01", "--result", "结果维持", "--date", "2025-08-01").exit_code == 0
    assert cli(*c, "decide", "2025-F01", "--result", "结果纠正").exit_code == 1  # already decided
    items = json.loads(cli(*c, "list", "--format", "json").stdout)["appeals"]
    assert [(a["id"], a["state"]) for a in items] == [("2025-F01", "结果维持"), ("2025-S01", "尚未审结")]
    log = git(desk, "log", "-1", "--format=%G?%n%B")
    assert log.startswith("G\n") and "Gkctl-Step: appeal" in log and "Gkctl-Appeal: 2025-F01" in log


def test_validate_checks_the_register_and_appeals(desk: Path, cli: Callable) -> None:
    _new(cli, desk, received="2025-03-03")
    path = desk / "applications/2025/2025-001.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "result: 无法提供\nresult_reason: 重复申请\nreplied: 2025-03-20\n",
        encoding="utf-8",
    )
    (desk / "appeals/2025").mkdir(parents=True)
    (desk / "appeals/2025/2025-F01.yaml").write_text(
        "id: 2025-F01\ntype: 行政复议\nfiled: 2025-05-06\napplication: 2025-077\n", encoding="utf-8"
    )
    r = cli("-C", str(desk), "validate", "--format", "json")
    assert r.exit_code == 1, r.output
    found = {(f["code"], f["path"], f["line"]) for f in json.loads(r.stdout)["findings"]}
    assert ("GK507", "applications/2025/2025-001.yaml", 8) in found
    assert ("GK536", "appeals/2025/2025-F01.yaml", 4) in found


def test_list_stacks_on_a_narrow_terminal(desk: Path, cli: Callable, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for received in ("2025-09-26", "2025-10-09"):
        _new(cli, desk, received=received)
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli("-C", str(desk), "apply", "list").stdout.splitlines()
    wide = [ln for ln in lines if sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in ln) > 80]
    assert len(lines) == 4 and wide == []
    assert lines[0].startswith("2025-001  2025-09-26 → 2025-10-30") and "逾期" in lines[0]
    monkeypatch.setenv("COLUMNS", "140")
    assert "┃" in cli("-C", str(desk), "apply", "list").stdout  # wide enough for the table
