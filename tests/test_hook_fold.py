"""The central repository's hook folds a push onto the snapshot of the tip it extends.

After each accepted push, post-receive folds the push (dated by the witness records it just
wrote) into the snapshot of ``main``. Every candidate push below, honest or an attack, is
judged twice on the same central repository: by the fold, and with the caches gone (the full
pass over the whole history). The verdicts must be the same, and the first must be a fold.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gkctl.services.hooks import RefUpdate, pre_receive
from gkctl.services.people import revoke_person
from gkctl.services.verify import commits_between
from gkctl.trail import incremental
from gkctl.trail.gitutil import commit
from gkctl.trail.workflow import analyse
from helpers.sig import Bureau
from helpers.witness import Witnessed, git, witnessed_bureau


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Witnessed]:
    with witnessed_bureau(tmp_path_factory.mktemp("hookfold")) as w:
        yield w


def _judged(w: Witnessed, b: Bureau, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str | None]]:
    """The hook's verdict on pushing ``b``'s main, folded and full; asserts they agree."""
    central = w.central
    new = b.git("rev-parse", "HEAD").strip()
    old = git(central, "rev-parse", "refs/heads/main").strip()
    git(central, "fetch", "-q", str(b.work), "HEAD")  # the objects arrive, no ref moves (as in quarantine)
    existing = [line.split()[0] for line in git(central, "show-ref").splitlines()]
    now = time.time()
    arriving = dict.fromkeys(commits_between(central, new, existing), int(now))
    assert incremental.fold_push(central, new, arriving) is not None  # the snapshot explains the push
    updates = [RefUpdate(old, new, "refs/heads/main")]
    folded = pre_receive(central, updates, now)
    cache, aside = central / "gkctl", central / "gkctl-aside"
    cache.rename(aside)
    try:
        monkeypatch.setattr(incremental, "fold_push", lambda *a: None)  # nothing to fold from either way
        full = pre_receive(central, updates, now)
    finally:
        monkeypatch.undo()
        shutil.rmtree(cache, ignore_errors=True)
        aside.rename(cache)
    assert [v.as_dict() for v in folded] == [v.as_dict() for v in full]
    return [(v.code, v.commit, v.path) for v in folded]


def _accepted(w: Witnessed, b: Bureau) -> None:
    proc = subprocess.run(["git", "-C", str(b.work), "push", "origin", "main"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    # post-receive folded the push, dated by its new witness record, into the snapshot of main
    assert incremental.snapshot_head(w.central) == b.git("rev-parse", "HEAD").strip()
    folded, full = incremental.analyse_head(w.central), analyse(w.central)
    assert folded.briefs() == full.briefs() and folded.problems == full.problems  # publication dates too


def _undo(b: Bureau) -> None:
    b.git("reset", "-q", "--hard", "origin/main")


def test_every_push_is_judged_by_the_fold_as_by_the_full_pass(world: Witnessed, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    central = world.copy_central("central-fold.git")
    b = world.bureau.copy(tmp_path / "a")
    b.git("remote", "set-url", "origin", str(central))
    w = Witnessed(b, central, world.key_line, world.base)
    # the snapshot the last accepted push left (the pin was a policy change: a full pass)
    incremental.analyse_head(central, save_after=1)

    rel = b.draft("关于折叠检查的通知")
    b.approve_all(rel)
    assert _judged(w, b, monkeypatch) == []
    _accepted(w, b)

    commit(b.work, "没有签名", [], allow_empty=True, sign=False)
    assert [c for c, _, _ in _judged(w, b, monkeypatch)] == ["GK401"]
    _undo(b)

    b.act("zhang")
    commit(b.work, "穿越", [], allow_empty=True, env={"GIT_COMMITTER_DATE": "2031-01-01T09:00:00+08:00"})
    assert "GK420" in [c for c, _, _ in _judged(w, b, monkeypatch)]
    _undo(b)

    commit(b.work, "倒填", [], allow_empty=True, env={"GIT_COMMITTER_DATE": "2026-11-02T09:00:00+08:00"})
    assert "GK424" in [c for c, _, _ in _judged(w, b, monkeypatch)]  # its parent touched no document of it
    _undo(b)

    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-17T09:00:00+08:00")  # before its parents: backdated
    b.publish(rel)
    monkeypatch.undo()
    assert "GK424" in [c for c, _, _ in _judged(w, b, monkeypatch)]
    _undo(b)

    (b.work / "docs" / "2026" / "copy.md").write_bytes((b.work / rel).read_bytes())  # a second file, one id
    b.act("zhang")
    commit(b.work, "再存一份", ["docs/2026/copy.md"])
    _judged(w, b, monkeypatch)  # not yet published: whatever the full pass says
    _undo(b)

    b.publish(rel)
    assert _judged(w, b, monkeypatch) == []
    _accepted(w, b)

    (b.work / "docs" / "2026" / "copy.md").write_bytes((b.work / rel).read_bytes())  # now of a published id
    b.act("zhang")
    commit(b.work, "再存一份", ["docs/2026/copy.md"])
    assert "GK452" in [c for c, _, _ in _judged(w, b, monkeypatch)]
    _undo(b)

    revoke_person(b.act("wang"), "zhang", date(2026, 11, 20))  # a policy change: judged by the full pass
    _accepted(w, b)
    b.draft("停用之后的拟稿")  # zhang's key, dated inside its old validity, received after it
    assert "GK404" in [c for c, _, _ in _judged(w, b, monkeypatch)]


def test_a_pushed_site_template_change_is_folded_and_judged_as_by_the_full_pass(
    world: Witnessed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template is a policy path (only an admin's change counts) that no rule reads: the hook
    folds a push of one, refusing the drafter's and accepting the admin's, as the full pass does."""
    central = world.copy_central("central-templates.git")
    b = world.bureau.copy(tmp_path / "t")
    b.git("remote", "set-url", "origin", str(central))
    w = Witnessed(b, central, world.key_line, world.base)
    incremental.analyse_head(central, save_after=1)
    page = b.work / "templates" / "site" / "404.html"

    for pid, heading in (("zhang", "拟稿人改的页面"), ("wang", "本局的找不到页面")):
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("{% extends 'base.html' %}{% block title %}找不到{% endblock %}"
                        f"{{% block main %}}<h1>{heading}</h1>{{% endblock %}}", encoding="utf-8")  # fmt: skip
        b.act(pid)
        commit(b.work, "网站模板：找不到页面", ["templates/site/404.html"])
        if pid == "zhang":
            assert "GK410" in [c for c, _, _ in _judged(w, b, monkeypatch)]
            _undo(b)
    assert _judged(w, b, monkeypatch) == []
    _accepted(w, b)


def test_a_pushed_merge_of_upstream_into_a_clerks_line_is_folded(world: Witnessed, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """``gkctl sync`` merges upstream as the second parent, so the full pass's order of the merge
    starts with the central tip's whole history: the hook folds the push of it (the clerk's line
    and the merge) onto the tip's snapshot, and judges it as the full pass does. Merged the other
    way round, the clerk's line comes first in that order: the hook takes the full pass."""
    central = world.copy_central("central-merge.git")
    up = world.bureau.copy(tmp_path / "up")
    clerk = world.bureau.copy(tmp_path / "clerk")
    for b in (up, clerk):
        b.git("remote", "set-url", "origin", str(central))
    w = Witnessed(up, central, world.key_line, world.base)
    incremental.analyse_head(central, save_after=1)

    upstream = up.draft("上游先推送的通知")
    _accepted(w, up)
    clerk.git("fetch", "-q", "origin")
    clerk.git("reset", "-q", "--hard", "origin/main")
    mine = clerk.draft("本地拟稿的通知")  # the clerk's line, not pushed yet
    clerk.approve_all(mine)
    up.approve_all(upstream)  # meanwhile upstream goes on
    up.publish(upstream)
    _accepted(w, up)

    clerk.git("fetch", "-q", "origin")
    local_tip = clerk.git("rev-parse", "HEAD").strip()
    clerk.act("zhang")
    clerk.git("merge", "-q", "--no-edit", "-S", "origin/main")  # as sync does: upstream second
    assert clerk.git("rev-parse", "HEAD^1").strip() == local_tip
    assert _judged(w, clerk, monkeypatch) == []  # _judged asserts the push folds
    clerk.publish(mine)
    assert _judged(w, clerk, monkeypatch) == []
    _accepted(w, clerk)
    folded = incremental.analyse_head(central)
    assert folded.base is None  # the snapshot post-receive saved is of this very push
    assert {folded.documents[p].state for p in (upstream, mine)} == {"published"}

    # the clerk's line second: its commit reaches into the tip's history before the tip itself
    (up.work / "备注.txt").write_text("与文件无关\n", encoding="utf-8")
    up.act("zhang")
    commit(up.work, "备注", ["备注.txt"])
    side = up.git("rev-parse", "HEAD").strip()
    up.git("fetch", "-q", "origin")
    up.git("reset", "-q", "--hard", "origin/main")
    up.git("merge", "-q", "--no-ff", "--no-edit", "-S", side)
    git(central, "fetch", "-q", str(up.work), "HEAD")
    assert incremental.fold_push(central, up.git("rev-parse", "HEAD").strip(), {}) is None
    proc = subprocess.run(["git", "-C", str(up.work), "push", "origin", "main"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr  # judged by the full pass, and nothing wrong with it
    full = analyse(central)
    assert incremental.analyse_head(central).briefs() == full.briefs()


def test_a_clerks_upstream_snapshot_is_given_up_once_the_log_dates_its_commits(
    world: Witnessed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clerk's snapshot of what they pushed judged it on its claimed dates: the witness
    record of the push had not been fetched yet. When it is, a fold on the clerk's line
    re-judges those commits on their dates of record and rewrites their rows; the upstream
    snapshot cannot take that back, so it is given up, and the next sync merge is judged as
    the full pass judges it (folding from it kept the claimed publication date)."""
    central = world.copy_central("central-redate.git")
    b = world.bureau.copy(tmp_path / "r")
    b.git("remote", "set-url", "origin", str(central))
    rel = b.draft("推送之后才见证的通知")
    b.approve_all(rel)
    b.publish(rel)
    assert world.push(b).returncode == 0
    b.git("fetch", "-q", "origin")  # origin/main is HEAD; the witness log is not fetched
    incremental.analyse_head(b.work, save_after=1)
    upstream = b.work / ".git" / "gkctl" / incremental.UPSTREAM
    assert upstream.exists()
    claimed = incremental.analyse_head(b.work).documents[rel].publication

    b.git("branch", "up")  # where upstream goes on from
    for name, branch in (("本地", "main"), ("上游", "up")):
        b.git("checkout", "-q", branch)
        (b.work / f"{name}.txt").write_text(f"{name}的改动\n", encoding="utf-8")
        b.act("zhang")
        commit(b.work, f"{name}备注", [f"{name}.txt"])
        if branch == "main":
            incremental.analyse_head(b.work, save_after=1)  # the newest snapshot moves on along the clerk's line
            b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")  # the record of the push arrives
            incremental.analyse_head(b.work, save_after=1)  # and is folded there
            assert incremental.analyse_head(b.work).documents[rel].publication != claimed
            assert not upstream.exists()
    b.git("checkout", "-q", "main")
    b.git("update-ref", "refs/remotes/origin/main", "up")
    b.git("merge", "-q", "--no-edit", "-S", "origin/main")
    folded, full = incremental.analyse_head(b.work), analyse(b.work)
    assert folded.briefs() == full.briefs() and folded.problems == full.problems
