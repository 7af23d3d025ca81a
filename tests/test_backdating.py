"""Backdated commits, replayed end to end: the attacker sets ``GIT_COMMITTER_DATE`` and signs for real.

Locally verifiable (no central repository needed): a commit dated before its parents, trailers
that disagree with the commit's own date, a key used after the commit that revoked it. With the
central repository's witness pinned: revocation and deadlines go by the witnessed date, and the
hook may refuse commits dated too far back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from gkctl.core.policy import load_policy
from gkctl.core.yamlio import dump_yaml
from gkctl.services.new import NewDocument, create_document
from gkctl.services.people import revoke_person
from gkctl.services.steps import publish
from gkctl.trail.gitutil import commit
from gkctl.trail.signatures import BEIJING
from helpers.cli import run_cli
from helpers.sig import Bureau
from helpers.witness import Witnessed, git, witnessed_bureau


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Witnessed]:
    with witnessed_bureau(tmp_path_factory.mktemp("backdating")) as w:
        yield w


def fork(w: Witnessed, tmp_path: Path) -> tuple[Bureau, Witnessed]:
    """A private copy of the central repository and of clone A pointing at it."""
    central = w.copy_central(f"central-{tmp_path.name}.git")
    b = w.bureau.copy(tmp_path / "a")
    git(b.work, "remote", "set-url", "origin", str(central))
    return b, Witnessed(b, central, w.key_line, w.base)


def draft(b: Bureau, title: str, formed: date) -> str:
    spec = NewDocument(title=title, category="工作信息", attribute="主动公开", kind="非公文",
                       section="办公室", drafter="zhang", formed=formed, basis=("社会广泛知晓",))  # fmt: skip
    rel = create_document(b.act("zhang"), spec)
    commit(b.work, f"拟稿：{title}", [rel])
    return rel


def stamp(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)


def refused(w: Witnessed, *codes: str) -> str:
    before = w.refs()
    proc = w.push()
    assert proc.returncode != 0, proc.stderr
    for code in codes:
        assert f"[{code}]" in proc.stderr, proc.stderr
    assert w.refs() == before
    return proc.stderr


def test_a_backdated_publication_is_refused_everywhere(world: Witnessed, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The issue's attack: the chain is signed in late November, the publisher dates the publish
    commit in January so that it looks on time."""
    b, w = fork(world, tmp_path)
    rel = draft(b, "关于倒填日期的通知", date(2026, 1, 5))  # formed in January, signed in November
    b.approve_all(rel)
    assert w.push().returncode == 0
    stamp(monkeypatch, "2026-01-12T09:00:00+08:00")
    b.publish(rel)
    assert "Gkctl-Published: 2026-01-12" in b.git("log", "-1", "--format=%B")
    res = run_cli("verify", "-C", str(b.work))
    assert res.exit_code == 1 and "[GK424]" in res.stdout and "2026-01-12" in res.stdout
    refused(w, "GK424")


def test_a_revoked_key_signs_nothing_after_its_revocation_whatever_the_date(
        world: Witnessed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The admin revokes 张三 on 11-20; 张三 then signs a commit dated 11-19, inside the old validity."""
    b, w = fork(world, tmp_path)
    revoke_person(b.act("wang"), "zhang", date(2026, 11, 20))
    assert w.push().returncode == 0
    stamp(monkeypatch, "2026-11-19T18:00:00+08:00")
    b.act("zhang")
    commit(b.work, "停用前的日期，停用后的签名", [], allow_empty=True)
    res = run_cli("verify", "-C", str(b.work))
    assert res.exit_code == 1 and "[GK407]" in res.stdout and "zhang" in res.stdout and "[GK424]" in res.stdout
    # without the witness log too: revocation goes by position in history, not by date
    git(b.work, "update-ref", "-d", "refs/gkctl/witness")
    assert "[GK407]" in run_cli("verify", "-C", str(b.work)).stdout
    refused(w, "GK404", "GK424")  # received today: out of date by the witness as well


def test_revocation_goes_by_the_witnessed_date(world: Witnessed, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A revocation claimed on 11-20 to take effect after 11-25 reached the central repository
    later than 11-25: from then on the key signs nothing, even commits claiming 11-24."""
    b, w = fork(world, tmp_path)
    revoke_person(b.act("wang"), "zhang", date(2026, 11, 25))  # claimed 11-20: not yet in force by the claim
    assert w.push().returncode == 0  # witnessed today (after 11-25)
    stamp(monkeypatch, "2026-11-24T09:00:00+08:00")
    b.act("zhang")
    commit(b.work, "自称 11-24 的提交", [], allow_empty=True)
    # a clone that never fetched the log knows only the claims: nothing wrong by them
    assert run_cli("verify", "-C", str(b.work)).exit_code == 0
    git(b.work, "fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    res = run_cli("verify", "-C", str(b.work))
    assert res.exit_code == 1 and "[GK407]" in res.stdout
    refused(w, "GK404")  # arriving today, after 11-25: the key is out of date as well


def test_trailer_dates_must_agree_with_the_commit(world: Witnessed, tmp_path: Path) -> None:
    b, w = fork(world, tmp_path)
    rel = b.draft("关于尾注日期的通知")
    b.approve_all(rel)
    b.publish(rel)
    message = b.git("log", "-1", "--format=%B").replace("Gkctl-Published: 2026-11-20", "Gkctl-Published: 2026-01-12")
    b.git("reset", "-q", "--soft", "HEAD~1")
    b.act("wang")
    commit(b.work, message, [], allow_empty=True)
    res = run_cli("verify", "-C", str(b.work))
    assert res.exit_code == 1 and "[GK425]" in res.stdout and "2026-01-12" in res.stdout
    refused(w, "GK425")


def test_the_skew_is_policy(world: Witnessed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clocks drift: within ``clock_skew_minutes`` of its parent a commit is not backdated."""
    b, _w = fork(world, tmp_path)
    stamp(monkeypatch, "2026-11-20T08:55:00+08:00")  # five minutes before its parent
    b.act("zhang")
    commit(b.work, "时钟慢了五分钟", [], allow_empty=True)
    assert run_cli("verify", "-C", str(b.work)).exit_code == 0
    stamp(monkeypatch, "2026-11-20T08:30:00+08:00")
    commit(b.work, "慢了半小时", [], allow_empty=True)
    assert "[GK424]" in run_cli("verify", "-C", str(b.work)).stdout
    b.git("reset", "-q", "--hard", "HEAD~2")
    cfg = b.work / "gkctl.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["clock_skew_minutes"] = -1
    cfg.write_text(dump_yaml(data), encoding="utf-8")
    res = run_cli("validate", "-C", str(b.work))
    assert res.exit_code == 2 and "gkctl.yaml" in res.stderr and "clock_skew_minutes" in res.stderr


def test_the_hook_may_refuse_commits_dated_far_back(world: Witnessed, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    b, w = fork(world, tmp_path)
    now = datetime.now(BEIJING).isoformat(timespec="seconds")
    stamp(monkeypatch, now)
    cfg = b.work / "gkctl.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["witness"]["max_push_age_days"] = 3
    cfg.write_text(dump_yaml(data), encoding="utf-8")
    b.act("wang")
    commit(b.work, "推送日期限制：3 天", ["gkctl.yaml"])
    assert w.push().returncode == 0
    old = (datetime.now(BEIJING) - timedelta(days=5)).isoformat(timespec="seconds")
    stamp(monkeypatch, old)
    b.act("zhang")
    commit(b.work, "五天前的提交", [], allow_empty=True)
    refused(w, "GK427")


def test_the_deadline_goes_by_the_witnessed_publication(world: Witnessed, tmp_path: Path) -> None:
    """Claimed before the 20-working-day deadline, received after it: overdue."""
    b, w = fork(world, tmp_path)
    calendar = load_policy(b.work).calendar
    claimed, seen = date(2026, 11, 20), datetime.now(BEIJING).date()
    formed = next(d for d in (claimed - timedelta(days=n) for n in range(20, 60))
                  if claimed <= calendar.add_workdays(d, 20) < seen)  # fmt: skip
    rel = draft(b, "关于期限的通知", formed)
    b.approve_all(rel)
    publish(b.act("wang"), [rel], fetch=False)

    def status() -> dict[str, object]:
        res = run_cli("status", rel, "--format", "json", "-C", str(b.work))
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["documents"][0]

    assert status()["overdue"] is False  # by the claim: on time
    assert w.push().returncode == 0
    git(b.work, "fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    doc = status()
    assert doc["published_at"] == seen.isoformat() and doc["published_claimed"] == claimed.isoformat()
    assert doc["overdue"] is True


def test_an_application_reply_is_dated_by_its_witness(world: Witnessed, tmp_path: Path) -> None:
    """A reply recorded with ``--date`` before the deadline but received by the central
    repository after it: the audit finds the application overdue (GK808)."""
    from gkctl.register.applications import find_application
    from gkctl.register.deadlines import compute_deadline
    from gkctl.services.apply import new_application, reply
    from gkctl.services.people import add_person
    from helpers.sig import make_ssh_key, use_ssh_key

    b, w = fork(world, tmp_path)
    key = make_ssh_key(tmp_path / "keys", "zhaodj")
    add_person(b.act("wang"), "zhaodj", "赵登记", "办公室", ["registrar"], key.line)
    use_ssh_key(b.work, key)
    calendar = load_policy(b.work).calendar
    claimed, seen = date(2026, 11, 20), datetime.now(BEIJING).date()
    received = next(d for d in (claimed - timedelta(days=n) for n in range(20, 60))
                    if claimed <= calendar.add_workdays(d, 20) < seen)  # fmt: skip
    repo = b.act("wang")
    use_ssh_key(b.work, key)
    made = new_application(repo, channel="当面", applicant_type="自然人", applicant="张某", request="某项目审计报告",
                           received=received)  # fmt: skip
    reply(repo, made.id, result="予以公开", day=claimed)
    due = compute_deadline(find_application(b.work, made.id), calendar).due
    assert due is not None and claimed <= due < seen

    def overdue() -> list[dict[str, object]]:
        res = run_cli("audit", "--year", "2026", "--format", "json", "-C", str(b.work))
        return [f for f in json.loads(res.stdout)["findings"] if f["code"] == "GK808"]

    assert overdue() == []  # by the claim: replied in time
    assert w.push().returncode == 0
    git(b.work, "fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    [late] = overdue()
    assert made.id in str(late["message"]) and seen.isoformat() in str(late["message"])
