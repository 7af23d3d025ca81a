"""The central repository's witness of time, end to end: ``server init`` creates the key, the admin
pins it, the real post-receive hook signs a record per accepted push, ``sync`` fetches the log into
a second clone, and ``status`` / ``verify`` date commits by it. Tampering with or cutting the log is
refused by ``verify``; a key the policy did not pin dates nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from gkctl.core.errors import RuleError
from gkctl.core.yamlio import dump_yaml
from gkctl.services.repository import Repository
from gkctl.services.sync import sync
from gkctl.trail.gitutil import commit
from gkctl.trail.signatures import BEIJING
from gkctl.trail.witness import WITNESS_REF
from helpers.cli import run_cli
from helpers.sig import Bureau
from helpers.witness import Witnessed, git, witnessed_bureau

CLAIMED = "2026-11-20"  # every bureau commit claims this date (bureau_env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Witnessed, str, Path]]:
    """Clone A publishes a chain dated in November and pushes it; clone B (no key) syncs."""
    base = tmp_path_factory.mktemp("witness")
    with witnessed_bureau(base) as w:
        b = w.bureau
        rel = b.draft("关于见证时间的通知")
        b.approve_all(rel)
        b.publish(rel)
        pushed = w.push()
        assert pushed.returncode == 0, pushed.stderr
        other = base / "other"
        git(base, "clone", "-q", str(w.central), str(other))
        yield w, rel, other


def _today() -> str:
    return datetime.now(BEIJING).date().isoformat()


def _status(path: Path, ref: str) -> dict[str, object]:
    res = run_cli("status", ref, "--format", "json", "-C", str(path))
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["documents"][0]


def _records(path: Path) -> list[str]:
    return git(path, "rev-list", "--reverse", WITNESS_REF).split()


def test_server_init_prints_the_witness_key_last(tmp_path: Path) -> None:
    target = tmp_path / "central.git"
    res = run_cli("server", "init", str(target))
    assert res.exit_code == 0, res.output
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("ssh-ed25519 ") and last == (target / "gkctl-witness" / "ed25519.pub").read_text().strip()
    assert (target / "gkctl-witness" / "ed25519").stat().st_mode & 0o077 == 0  # the private key is the server's alone
    assert "hook post-receive" in (target / "hooks" / "post-receive").read_text()


def test_a_backdated_chain_is_dated_by_its_witness_in_a_second_clone(world) -> None:
    w, rel, other = world
    assert subprocess.run(["git", "-C", str(other), "config", "user.signingkey"], capture_output=True).returncode == 1
    result = sync(Repository(other))  # a clone with no signing key: fetch and fast-forward, nothing to sign
    assert not result.pushed
    assert git(other, "rev-parse", WITNESS_REF) == git(w.central, "rev-parse", WITNESS_REF)
    doc = _status(other, rel)
    assert doc["state"] == "published"
    assert doc["published_at"] == _today() != CLAIMED
    assert doc["published_claimed"] == CLAIMED
    # verify (in the clone, from the fetched log) names the claim the witness contradicts, as a warning
    res = run_cli("verify", "-C", str(other))
    assert res.exit_code == 0, res.output
    assert "[GK426]" in res.stdout and CLAIMED in res.stdout


def test_every_accepted_push_is_one_signed_record(world) -> None:
    w, _rel, _other = world
    records = _records(w.central)
    assert len(records) == 3  # first push, the pin, the chain
    last = git(w.central, "cat-file", "commit", records[-1])
    assert f"Gkctl-Witness-New: {git(w.central, 'rev-parse', 'main').strip()}" in last
    assert "-----BEGIN SSH SIGNATURE-----" in last
    assert run_cli("verify", "-C", str(w.central)).exit_code == 0


def test_status_without_the_witness_keeps_the_claim(world, tmp_path: Path) -> None:
    """Before sync brings the log, a clone knows only the signer's claim (as today)."""
    w, rel, _other = world
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(w.central), str(fresh))
    doc = _status(fresh, rel)
    assert doc["published_at"] == CLAIMED and "published_claimed" not in doc


def test_a_key_not_pinned_dates_nothing_and_is_reported(world, tmp_path: Path) -> None:
    """The server key is checked against gkctl.yaml: pin someone else's key and no record counts."""
    w, rel, _other = world
    b = w.bureau.copy(tmp_path / "a")
    git(b.work, "fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*", "main:refs/remotes/origin/main")
    assert _status(b.work, rel)["published_claimed"] == CLAIMED  # pinned as pushed: witnessed
    cfg = b.work / "gkctl.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["witness"]["keys"] = [b.keys["mallory"].line]
    cfg.write_text(dump_yaml(data), encoding="utf-8")
    b.act("wang")
    commit(b.work, "换见证公钥", ["gkctl.yaml"])
    doc = _status(b.work, rel)
    assert doc["published_at"] == CLAIMED and "published_claimed" not in doc
    res = run_cli("verify", "-C", str(b.work))
    assert res.exit_code == 1 and res.stdout.count("[GK431]") == len(_records(b.work)) == 3, res.stdout


def test_a_tampered_record_is_refused(world) -> None:
    w, _rel, _other = world
    central = w.copy_central("tampered.git")
    tip = _records(central)[-1]
    raw = git(central, "cat-file", "commit", tip)
    when = raw.split("Gkctl-Witness-Time: ")[1].split()[0]
    forged = raw.replace(f"Gkctl-Witness-Time: {when}", f"Gkctl-Witness-Time: {int(when) - 30 * 86400}")
    sha = subprocess.run(["git", "-C", str(central), "hash-object", "-t", "commit", "-w", "--stdin"], input=forged,
                         capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    git(central, "update-ref", WITNESS_REF, sha)
    res = run_cli("verify", "-C", str(central))
    assert res.exit_code == 1 and "[GK430]" in res.stdout, res.stdout


def test_a_truncated_log_is_refused_by_verify_and_by_sync(world, tmp_path: Path) -> None:
    w, _rel, other = world
    central = w.copy_central("truncated.git")
    git(central, "update-ref", WITNESS_REF, _records(central)[0])
    res = run_cli("verify", "-C", str(central))
    assert res.exit_code == 1 and "[GK433]" in res.stdout and "refs/heads/main" in res.stdout, res.stdout
    # a clone that already holds the longer log refuses to take the shorter one
    b = Bureau(other, w.bureau.keys).copy(tmp_path / "b")
    git(b.work, "remote", "set-url", "origin", str(central))
    before = git(b.work, "rev-parse", WITNESS_REF)
    with pytest.raises(RuleError) as exc:
        sync(Repository(b.work))
    assert "refs/gkctl/witness" in exc.value.message
    assert git(b.work, "rev-parse", WITNESS_REF) == before


@pytest.mark.parametrize("refspec", ["+main:refs/gkctl/witness", ":refs/gkctl/witness"])
def test_nobody_pushes_the_witness_log(world, tmp_path: Path, refspec: str) -> None:
    w, _rel, _other = world
    b = w.bureau.copy(tmp_path / "a")
    before = w.refs()
    proc = w.push(b, refspec)
    assert proc.returncode != 0 and "[GK434]" in proc.stderr, proc.stderr
    assert w.refs() == before


def test_pin_takes_a_path_or_at_path_and_refuses_garbage(world, tmp_path: Path) -> None:
    w, _rel, _other = world
    b = w.bureau.copy(tmp_path / "a")
    b.act("wang")
    pub = w.central / "gkctl-witness" / "ed25519.pub"
    again = run_cli("server", "pin", f"@{pub}", "-C", str(b.work))
    assert again.exit_code == 1 and "已固定" in again.stderr
    head = git(b.work, "rev-parse", "HEAD")
    for bad in ("not a key", str(tmp_path / "missing.pub"), "@" + str(tmp_path / "none")):
        res = run_cli("server", "pin", bad, "-C", str(b.work))
        assert res.exit_code == 2 and "不是 ssh 公钥" in res.stderr, res.output
    assert git(b.work, "rev-parse", "HEAD") == head
    key = w.bureau.keys["mallory"]
    b.act("zhang")  # not an admin
    res = run_cli("server", "pin", str(key.public), "-C", str(b.work))
    assert res.exit_code == 1 and git(b.work, "rev-parse", "HEAD") == head
    b.act("wang")
    res = run_cli("server", "pin", str(key.public), "-C", str(b.work))
    assert res.exit_code == 0, res.output
    assert key.line.split()[1] in (b.work / "gkctl.yaml").read_text(encoding="utf-8")
    assert os.path.exists(b.work / "gkctl.yaml")


def test_audit_reports_the_claim_the_witness_contradicts(world) -> None:
    _w, rel, other = world
    sync(Repository(other))
    res = run_cli("audit", "--year", "2026", "--format", "json", "-C", str(other))
    found = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "GK819"]
    assert [(f["path"], f["severity"]) for f in found] == [(rel, "warning")], res.stdout
    assert CLAIMED in found[0]["message"] and _today() in found[0]["message"]


def test_a_witnessed_clone_folds_its_own_commits_and_rereads_a_grown_log(tmp_path: Path) -> None:
    """The incremental analysis in a clone with a pinned witness: local commits fold onto the
    snapshot (the log dates none of them yet); once a push is witnessed and the log fetched, the
    documents of the commits it dates are judged again on the witnessed dates. Each answer is
    the full pass's."""
    from dataclasses import replace

    from gkctl.trail.incremental import analyse_head
    from gkctl.trail.workflow import analyse

    def same(root: Path) -> bool:
        folded = analyse_head(root)
        full = {p: replace(st, doc=replace(st.doc, body="")) if st.doc else st
                for p, st in analyse(root).documents.items()}  # fmt: skip
        assert dict(folded.documents) == full
        assert folded.problem_of == analyse(root).problem_of
        return folded.base is not None

    with witnessed_bureau(tmp_path) as w:
        b = w.bureau
        rel = b.draft("关于增量分析的通知")
        shutil.rmtree(b.work / ".git" / "gkctl", ignore_errors=True)
        assert not same(b.work)  # without caches a full pass, which leaves the snapshot
        b.approve_all(rel)
        assert same(b.work)  # folded: the log dates none of the new commits
        b.publish(rel)
        assert w.push().returncode == 0
        b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
        assert same(b.work)  # the log grew: its new record re-dates commits already judged, folded again
        published = analyse_head(b.work).documents[rel].publication
        assert published is not None and published.published_claimed is not None  # dated by the witness
        second = b.draft("第二份通知")
        assert same(b.work) and second in analyse_head(b.work).documents


def test_a_fold_dates_again_what_the_snapshot_judged_on_claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot holds a publication dated by its signer's claim; the log then witnesses it.
    A fold re-judges that document on the receive time, as the full pass does."""
    from dataclasses import replace

    from gkctl.trail import incremental
    from gkctl.trail.workflow import analyse

    with witnessed_bureau(tmp_path) as w:
        b = w.bureau
        rel = b.draft("关于再次定日的通知")
        b.approve_all(rel)
        b.publish(rel)
        monkeypatch.setattr(incremental, "SAVE_AFTER", 1)
        incremental.analyse_head(b.work)
        assert incremental.snapshot_head(b.work) == b.git("rev-parse", "HEAD").strip()
        assert w.push().returncode == 0
        b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
        folded = incremental.analyse_head(b.work)
        full = analyse(b.work)
        assert folded.base is not None  # folded, not recomputed
        st = full.documents[rel]
        assert st.doc is not None and folded.documents[rel] == replace(st, doc=replace(st.doc, body=""))
        assert st.publication is not None and st.publication.published_claimed is not None  # witnessed
        assert folded.problems == full.problems


def _status_text(root: Path) -> str:
    res = run_cli("status", "--format", "json", "-C", str(root))
    assert res.exit_code == 0, res.output
    return res.stdout


def _described_by_status(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    """The paths ``status`` describes anew (the others' lines are kept) and the text it prints."""
    from gkctl.services import status as status_service

    described: list[str] = []
    real = status_service.document_data

    def counting(state, *args, **kwargs):  # type: ignore[no-untyped-def]
        described.append(state.path)
        return real(state, *args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(status_service, "document_data", counting)
        text = _status_text(root)
    return described, text


def test_a_fetched_witness_record_leaves_the_status_lines_it_dates_nothing_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The status text is keyed by the witness log's tip, and every push moves the tip. A fold
    knows which documents the new records date again, so the lines of the others are kept: after
    fetching the record of a push that brought one new draft, only that draft is described anew.
    The text is byte for byte the one made with no cache at all."""
    with witnessed_bureau(tmp_path) as w:
        b = w.bureau
        for title in ("第一份通知", "第二份通知", "第三份通知"):
            b.draft(title)
        assert w.push().returncode == 0
        b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
        _status_text(b.work)  # the text at this head, under this tip of the log
        late = b.draft("第四份通知")
        assert w.push().returncode == 0
        b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")  # a new tip: the record dates the new draft
        described, text = _described_by_status(b.work, monkeypatch)
        assert described == [late]
        shutil.rmtree(b.work / ".git" / "gkctl")
        assert _status_text(b.work) == text


def test_with_no_witness_key_pinned_the_logs_tip_never_costs_a_status_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Without a pinned key the log dates nothing, so a text made under any tip of it serves:
    here one of a commit older than the snapshot (saved since), after a push moved the tip.
    Only the document committed since the text is described; the text is the cache-less one."""
    from gkctl.services.server import init_server
    from gkctl.trail.incremental import analyse_head
    from helpers.sig import bureau_env

    for k, v in bureau_env(tmp_path / "home").items():
        monkeypatch.setenv(k, v)
    b = Bureau.create(tmp_path)
    server = init_server(tmp_path / "central.git")
    b.git("remote", "add", "origin", str(server.path))
    for title in ("第一份通知", "第二份通知", "第三份通知"):
        b.draft(title)
    assert git(b.work, "push", "-q", "origin", "main") == ""
    b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    _status_text(b.work)  # the text at this head, under this tip of the log
    late = b.draft("第四份通知")
    analyse_head(b.work, save_after=1)  # a snapshot past the text's commit, as a step or sync leaves one
    before = b.git("rev-parse", WITNESS_REF).strip()
    assert git(b.work, "push", "-q", "origin", "main") == ""
    b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
    assert b.git("rev-parse", WITNESS_REF).strip() != before  # the push moved the log's tip
    described, text = _described_by_status(b.work, monkeypatch)
    assert described == [late]
    shutil.rmtree(b.work / ".git" / "gkctl")
    assert _status_text(b.work) == text
