"""The incremental analysis gives the full pass's answers, whatever state the caches are in.

A bureau's history grows one command at a time (steps, edits, publication, withdrawal, a new
document, a policy change, a merge, a rewrite). After each, every command that reads the state
is run with the caches as that command left them, then again with ``.git/gkctl`` deleted, with
every cache file damaged, and with the caches of an earlier commit (stale: the snapshot must be
folded forward or refused); the answers must agree byte for byte.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from gkctl.services import steps
from gkctl.trail import incremental
from gkctl.trail.cache import cache_path
from gkctl.trail.incremental import SNAPSHOT, analyse_head
from gkctl.trail.states import STORE
from gkctl.trail.workflow import analyse
from helpers.docs import write_doc
from helpers.workflow import DOC, Bureau, full_chain, run_git

DOC2 = "docs/2026/2026-bgs-002.md"
DOC3 = "docs/2026/2026-bgs-003.md"


def _answers(cli, b: Bureau, out: Path) -> dict[str, bytes]:
    """What a user sees from every command that reads the state (not the ones that write it)."""
    root = str(b.root)
    answers: dict[str, bytes] = {}
    for name, args in (("status.json", ("status", "--format", "json")), ("status.txt", ("status",)),
                       ("status-one.json", ("status", "2026-bgs-001", "--format", "json")),
                       ("log.json", ("log", "2026-bgs-001", "--format", "json"))):  # fmt: skip
        res = cli("-C", root, *args)
        assert res.exit_code == 0, res.output
        answers[name] = res.stdout.encode()
    report = cli("-C", root, "report", "annual", "--year", "2026", "--format", "json")
    assert report.exit_code in (0, 1), report.output  # 1: the report's own checks found something
    answers["report.json"] = report.stdout.encode()
    assessed = cli("-C", root, "assess", "--year", "2026", "--format", "json")
    assert assessed.exit_code == 0, assessed.output
    answers["assess.json"] = assessed.stdout.encode()
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / f"{out.name}.trees", ignore_errors=True)
    res = cli("-C", root, "build", "--out", str(out))
    assert res.exit_code == 0, res.output
    for f in sorted(p for p in out.rglob("*") if p.is_file()):
        answers[f"site/{f.relative_to(out)}"] = f.read_bytes()
    return answers


def _damage(cache: Path) -> None:
    for f in [*cache.iterdir(), *(p for d in cache.glob("*.parts") for p in d.iterdir())]:  # status parts too
        if f.is_file():
            data = bytearray(f.read_bytes())
            for i in range(0, len(data), max(1, len(data) // 7)):
                data[i] ^= 0x5A
            f.write_bytes(bytes(data))


def _check(cli, b: Bureau, tmp: Path, stale: Path | None, folds: bool = True) -> Path:
    """Compare the cached run with deleted, damaged and stale caches; return this commit's caches."""
    cache = cache_path(b.root, "x").parent
    cached = _answers(cli, b, tmp / "site")
    keep = tmp / f"caches-{run_git(b.root, 'rev-parse', 'HEAD').strip()}"
    shutil.copytree(cache, keep)
    variants = {"deleted": lambda: shutil.rmtree(cache), "damaged": lambda: _damage(cache)}
    if stale is not None:
        variants["stale"] = lambda: (shutil.rmtree(cache), shutil.copytree(stale, cache))
    for name, prepare in variants.items():
        prepare()
        if name == "stale":  # folded forward from the older snapshot exactly when it explains HEAD
            assert (analyse_head(b.root).base is not None) == folds
        got = _answers(cli, b, tmp / "site")
        assert got.keys() == cached.keys(), name
        for key in cached:
            assert got[key] == cached[key], (name, key)
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(keep, cache)
    # the answer a step command starts from is the full pass's too
    full, folded = analyse(b.root), analyse_head(b.root)
    assert list(folded.documents) == list(full.documents)
    for path, st in full.documents.items():
        assert folded.documents[path] == _without_body(st), path
    assert folded.used_indexes == full.used_indexes
    assert folded.problem_of == full.problem_of
    return keep


def _without_body(st):
    from dataclasses import replace

    return replace(st, doc=replace(st.doc, body="")) if st.doc is not None else st


def test_every_answer_is_the_full_pass_whatever_the_caches(bureau: Bureau, cli, tmp_path: Path, monkeypatch) -> None:
    # a fold of two commits or more is saved (the snapshot and its history rows), of one is not:
    # both kinds happen below
    monkeypatch.setattr(incremental, "SAVE_AFTER", 2)
    b, root = bureau, str(bureau.root)
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件", drafter="clerk")
    write_doc(b.root, DOC3, id="2026-bgs-003", title="第三份文件", drafter="clerk", category="工作动态")
    run_git(b.root, "add", "docs")
    b.commit_file("clerk", "docs", "拟稿：两份")
    full_chain(b)
    stale = _check(cli, b, tmp_path, None)

    b.as_("publisher")
    assert cli("-C", root, "publish", "2026-bgs-001").exit_code == 0
    stale = _check(cli, b, tmp_path, stale)

    full_chain(b, DOC2)  # six step commits after the snapshot
    b.as_("publisher")
    assert cli("-C", root, "publish", "2026-bgs-002").exit_code == 0
    stale = _check(cli, b, tmp_path, stale)

    # an edit after publication voids the approvals; a withdrawal ends the other publication
    write_doc(b.root, DOC, drafter="clerk", title="关于印发政务信息公开工作制度的通知（修订）")
    b.commit_file("clerk", DOC, "修订")
    b.as_("publisher")
    assert cli("-C", root, "withdraw", "2026-bgs-002", "--reason", "内容有误，撤回更正。").exit_code == 0
    stale = _check(cli, b, tmp_path, stale)

    # a step the rules refuse (the drafter approving) counts for nothing, in both passes
    b.as_("clerk")
    steps_blob = run_git(b.root, "rev-parse", f"HEAD:{DOC3}").strip()
    run_git(b.root, "commit", "-q", "-S", "--allow-empty", "-m",
            f"审稿通过\n\nGkctl-Step: review\nGkctl-Document: 2026-bgs-003\nGkctl-Path: {DOC3}\n"
            f"Gkctl-Blob: {steps_blob}\nGkctl-Verdict: approve")  # fmt: skip
    stale = _check(cli, b, tmp_path, stale)

    # a site template change by the admin is folded: it changes the files in force, not the policy;
    # the clerk's change of a template is folded too, and counts for nothing in both passes
    _override_404(b, "admin", "本局自定义的找不到页面")
    stale = _check(cli, b, tmp_path, stale)
    _override_404(b, "clerk", "拟稿人改的找不到页面")
    stale = _check(cli, b, tmp_path, stale)
    assert "workflow.bad.policy_unauthorised" in {k for _, k, _ in analyse_head(b.root).problems}

    # a policy change: every chain may read differently, so the snapshot is not folded forward
    people = b.root / "policies/people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("校对三", "校对叁"), encoding="utf-8")
    b.commit_file("admin", "policies/people.yaml", "人员变更：更名")
    stale = _check(cli, b, tmp_path, stale, folds=False)

    # a merge of a side line is folded from the merge base (the stale snapshot); a rewrite of the
    # tip falls back to the full pass
    run_git(b.root, "checkout", "-q", "-b", "side")
    steps.decide(b.as_("reviewer").repo, DOC, "review", True, "公开属性准确")
    run_git(b.root, "checkout", "-q", "main")
    write_doc(b.root, DOC3, id="2026-bgs-003", title="第三份文件（改）", drafter="clerk", category="工作动态")
    b.commit_file("clerk", DOC3, "修改")
    b.as_("admin")
    run_git(b.root, "merge", "-q", "--no-ff", "-S", "-m", "合并", "side")
    stale = _check(cli, b, tmp_path, stale, folds=True)
    run_git(b.root, "reset", "-q", "--hard", "HEAD~1")
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件（新）", drafter="clerk")
    b.commit_file("clerk", DOC2, "修改")
    _check(cli, b, tmp_path, stale, folds=False)


def _override_404(b: Bureau, pid: str, heading: str) -> None:
    page = b.root / "templates/site/404.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("{% extends 'base.html' %}{% block title %}找不到{% endblock %}"
                    f"{{% block main %}}<h1>{heading}</h1>{{% endblock %}}", encoding="utf-8")  # fmt: skip
    b.commit_file(pid, "templates/site/404.html", "网站模板：找不到页面")


def test_a_damaged_or_foreign_snapshot_is_a_full_pass(bureau: Bureau) -> None:
    full_chain(bureau)
    first = analyse_head(bureau.root)
    snap = cache_path(bureau.root, SNAPSHOT)
    assert snap.is_file()
    snap.write_bytes(b"GKP2not a snapshot" + b"\0" * 32)
    assert analyse_head(bureau.root).documents == first.documents
    snap.write_bytes(b"")
    assert analyse_head(bureau.root).documents == first.documents


def test_lost_state_rows_read_as_the_full_pass(bureau: Bureau) -> None:
    """States are read lazily from their store: rows gone after the snapshot was written (or the
    store replaced) must give the full pass's states, never a missing or stale document."""
    write_doc(bureau.root, DOC2, id="2026-bgs-002", title="第二份文件", drafter="clerk")
    bureau.commit_file("clerk", DOC2, "拟稿")
    full_chain(bureau)
    expected = {p: _without_body(st) for p, st in analyse(bureau.root).documents.items()}
    cache_path(bureau.root, SNAPSHOT).unlink()
    assert dict(analyse_head(bureau.root).documents) == expected  # a full pass: the snapshot of HEAD and its rows
    store = cache_path(bureau.root, STORE)
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM state")
    folded = analyse_head(bureau.root)
    assert dict(folded.documents) == expected
    store.unlink()  # a new store has another generation: the snapshot is not believed
    assert dict(analyse_head(bureau.root).documents) == expected


def test_builds_touch_only_what_changed(bureau: Bureau, cli, tmp_path: Path) -> None:
    from gkctl.services.build import build_site

    b = bureau
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件", drafter="clerk")
    b.commit_file("clerk", DOC2, "拟稿")
    for doc, ref in ((DOC, "2026-bgs-001"), (DOC2, "2026-bgs-002")):
        full_chain(b, doc)
        b.as_("publisher")
        assert cli("-C", str(b.root), "publish", ref).exit_code == 0
    out = tmp_path / "site"
    cold = build_site(b.root, out)
    assert cold.rendered > 0 and cold.unchanged == 0
    # the first build after a cold one goes to the other staging tree: it starts from the live one
    again = build_site(b.root, out)
    assert (again.rendered, again.written, again.removed) == (0, 0, 0)
    assert again.unchanged > 0
    # a withdrawal changes the column counts; only pages that show them, or the document, are rendered
    assert cli("-C", str(b.root), "withdraw", "2026-bgs-002", "--reason", "内容有误，撤回更正。").exit_code == 0
    after = build_site(b.root, out)
    assert 0 < after.rendered < cold.rendered // 2  # not every page through the navigation's counts
    assert after.withdrawn == 1
    # the next build goes to the other tree, two builds old: what the last build made is linked
    # from the live tree, not made again
    settled = build_site(b.root, out)
    assert (settled.rendered, settled.written) == (0, 0)
    fresh = tmp_path / "fresh"
    build_site(b.root, fresh)  # and the reused pages are byte for byte what a build from nothing makes
    assert _tree(out) == _tree(fresh)
    # a new look re-renders the pages, but no template shapes the search index: nothing re-inverted
    _override_404(b, "admin", "本局自定义的找不到页面")
    looks = build_site(b.root, out)
    assert looks.search_segments == 0 and looks.rendered > 0
    assert "本局自定义的找不到页面" in (out / "404.html").read_text(encoding="utf-8")
    build_site(b.root, tmp_path / "fresh-look")
    assert _tree(out) == _tree(tmp_path / "fresh-look")


def test_a_link_planted_in_the_live_site_is_never_carried_into_the_next(bureau: Bureau, cli, tmp_path: Path) -> None:
    """A page the last build made is linked from the live tree into the next one, but only a
    regular file: a symbolic link put in its place (to a file nobody published) is not followed."""
    from gkctl.services.build import build_site

    b = bureau
    full_chain(b)
    b.as_("publisher")
    assert cli("-C", str(b.root), "publish", "2026-bgs-001").exit_code == 0
    out = tmp_path / "site"
    build_site(b.root, out)
    build_site(b.root, out)  # both trees recorded
    assert cli("-C", str(b.root), "withdraw", "2026-bgs-001", "--reason", "内容有误，撤回更正。").exit_code == 0
    build_site(b.root, out)
    secret = tmp_path / "secret.txt"
    secret.write_text("内部文件 SECRET-BYTES", encoding="utf-8")
    page = out.resolve() / "notices" / "index.html"  # the withdrawal changed it
    page.unlink()
    page.symlink_to(secret)
    build_site(b.root, out)
    files = [f for f in out.resolve().rglob("*") if f.is_file()]
    assert files and all(b"SECRET-BYTES" not in f.read_bytes() for f in files)
    assert not (out.resolve() / "notices" / "index.html").is_symlink()


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_validate_in_two_processes_after_the_policy_came_from_the_analysis(bureau: Bureau, monkeypatch) -> None:
    """Without caches the effective policy is read from HEAD's (folded) analysis; the Repository
    that holds it is then sent to validate's second process, which must not choke on the
    analysis' open SQLite store (it did: TypeError, exit 3)."""
    from gkctl.services import validate as validate_service

    write_doc(bureau.root, DOC2, id="2026-bgs-002", title="第二份文件", drafter="clerk")
    bureau.commit_file("clerk", DOC2, "拟稿")
    serial = validate_service.validate(bureau.repo)
    shutil.rmtree(cache_path(bureau.root, "x").parent)
    monkeypatch.setattr(validate_service, "PARALLEL_FROM", 1)
    repo = bureau.repo
    assert repo.policy is not None and "analysis" in vars(repo)  # the analysis answered the policy
    parallel = validate_service.validate(repo)
    assert (parallel.findings, parallel.checked) == (serial.findings, serial.checked)


def test_status_reuses_an_older_text_than_the_snapshot(bureau: Bureau, cli, monkeypatch) -> None:
    """Steps taken without a status in between save the snapshot past the commit the cached
    status text describes; status must still describe again only the documents those commits
    touched (at district size, describing all 100,000 took ~30 s), and say what a full pass says."""
    from gkctl.services import status as status_service

    b, root = bureau, str(bureau.root)
    for rel, n in ((DOC2, "002"), (DOC3, "003")):
        write_doc(b.root, rel, id=f"2026-bgs-{n}", title=f"文件{n}", drafter="clerk")
        b.commit_file("clerk", rel, "拟稿")
    assert cli("-C", root, "status", "--format", "json").exit_code == 0  # the text of this HEAD
    texted = run_git(b.root, "rev-parse", "HEAD").strip()
    monkeypatch.setattr(incremental, "SAVE_AFTER", 1)  # every step's fold saves the snapshot
    full_chain(b)  # six steps on DOC alone
    base = analyse_head(b.root).base
    assert base is None or texted not in base[0]  # the snapshot is past the commit of the cached text
    described: list[str] = []
    real = status_service.document_data
    monkeypatch.setattr(status_service, "document_data",
                        lambda st, *a: (described.append(st.path), real(st, *a))[1])  # fmt: skip
    folded = cli("-C", root, "status", "--format", "json")
    assert folded.exit_code == 0 and described == [DOC]
    shutil.rmtree(cache_path(b.root, "x").parent)
    assert cli("-C", root, "status", "--format", "json").stdout == folded.stdout


def test_a_damaged_brief_reads_as_the_full_states(bureau: Bureau) -> None:
    """A build reads each document's brief (blob, attribute, publication) instead of its state:
    a brief row that does not match its digest is never believed."""
    full_chain(bureau)
    expected = {p: (st.blob, st.doc.attribute if st.doc else None, st.publication)
                for p, st in analyse(bureau.root).documents.items()}  # fmt: skip
    cache_path(bureau.root, SNAPSHOT).unlink(missing_ok=True)
    assert dict(analyse_head(bureau.root).briefs()) == expected  # a full pass: the snapshot of HEAD
    forged = 0
    with sqlite3.connect(cache_path(bureau.root, STORE)) as db:
        for key, data in db.execute("SELECT key, data FROM brief").fetchall():
            # the same number of bytes: still a valid pickle, now of a document not to be published
            changed = data.replace("主动公开".encode(), "不予公开".encode())
            if changed != data:
                db.execute("UPDATE brief SET data = ? WHERE key = ?", (changed, key))
                forged += 1
    assert forged
    assert dict(analyse_head(bureau.root).briefs()) == expected


def _backdated_review_counts_as_in_the_full_pass(bureau: Bureau, monkeypatch) -> tuple:
    """The reviewer (revoked by now) signs a review dated 2026-01-20: the full pass refuses it,
    and the fold (it must be one) says exactly the same. Returns (full, folded)."""
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-20T10:00:00+08:00")
    bureau.as_("reviewer")
    blob = run_git(bureau.root, "rev-parse", f"HEAD:{DOC}").strip()
    run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-m",
            f"审稿\n\nGkctl-Step: review\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
            f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve")  # fmt: skip
    full = analyse(bureau.root)
    folded = analyse_head(bureau.root)
    assert folded.base is not None  # folded, not recomputed
    assert "workflow.bad.revoked" in {k for _, k, _ in full.problems}
    assert folded.problems == full.problems
    assert _without_body(folded.documents[DOC]) == _without_body(full.documents[DOC])
    return full, folded


def test_a_fold_knows_the_keys_revoked_before_its_snapshot(bureau: Bureau, monkeypatch) -> None:
    """Revocation goes by position in history: a revoked key's step dated before the revocation
    counts for nothing in a fold exactly as in the full pass."""
    from datetime import date as _date

    from gkctl.services import people

    people.revoke_person(bureau.as_("admin").repo, "reviewer", _date(2026, 1, 31))
    analyse_head(bureau.root)  # the snapshot of the revocation commit (a policy change: a full pass)
    _backdated_review_counts_as_in_the_full_pass(bureau, monkeypatch)


def test_a_folded_template_change_revokes_the_keys_whose_time_has_come(bureau: Bureau, monkeypatch) -> None:
    """Every policy change the admin signs, a template one too, revokes the keys whose last day has
    passed by its date: a later step signed with one counts for nothing, even backdated, folded
    exactly as in the full pass (the fold must not carry the snapshot's revocations forward)."""
    from datetime import date as _date

    from gkctl.services import people

    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-10T10:00:00+08:00")
    people.revoke_person(bureau.as_("admin").repo, "reviewer", _date(2026, 1, 31))
    analyse_head(bureau.root)  # the snapshot: the key is not revoked yet (its day is still to come)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-02-05T10:00:00+08:00")
    _override_404(bureau, "admin", "自定义")
    full, folded = _backdated_review_counts_as_in_the_full_pass(bureau, monkeypatch)
    head = run_git(bureau.root, "rev-parse", "HEAD").strip()
    assert folded.trust.effective_files(head) == full.trust.effective_files(head)
    assert any(path == "templates/site/404.html" for path, _ in folded.trust.effective_files(head) or ())


def test_a_fold_judges_who_may_change_the_register(bureau: Bureau) -> None:
    """A register change by someone who is not a registrar counts for nothing, folded or not."""
    analyse_head(bureau.root)
    (bureau.root / "applications").mkdir(exist_ok=True)
    (bureau.root / "applications" / "2026-001.yaml").write_text("id: 2026-001\n", encoding="utf-8")
    bureau.commit_file("clerk", "applications/2026-001.yaml", "登记申请")
    full = analyse(bureau.root)
    folded = analyse_head(bureau.root)
    assert folded.base is not None
    assert "workflow.bad.register_unauthorised" in {k for _, k, _ in full.problems}
    assert folded.problems == full.problems


def test_a_fold_scans_an_attachment_it_did_not_see_change(bureau: Bureau, cli) -> None:
    """The secrecy scan reads a text attachment as it stands at HEAD. A fold holds only the commits
    it judges, so the attachment's last change can lie before its snapshot: a check approval
    that does not waive the ID number in it must count for nothing there too, and the
    document cannot be published on it (it once could: the fold read the file as absent)."""
    att = "attachments/2026/名单.txt"
    (bureau.root / "attachments/2026").mkdir(parents=True)
    (bureau.root / att).write_text("联系人身份证号：11010519491231002X。\n", encoding="utf-8")
    write_doc(bureau.root, DOC, drafter="clerk", attachments=[{"file": att, "title": "名单"}])
    run_git(bureau.root, "add", att)
    bureau.commit_file("clerk", DOC, "加附件")
    for n in (1, 2):  # between the attachment's change and the snapshot
        (bureau.root / f"notes-{n}.txt").write_text("与文件无关的改动\n", encoding="utf-8")
        bureau.commit_file("clerk", f"notes-{n}.txt", "备注")
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "公开属性准确")
    steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "同意")
    analyse_head(bureau.root)
    blob = run_git(bureau.root, "rev-parse", f"HEAD:{DOC}").strip()
    bureau.as_("office")
    run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-m",
            f"复核通过\n\nGkctl-Step: check\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
            f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve")  # fmt: skip
    for p in ("p1", "p2", "p3"):
        bureau.as_(p)
        run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-m",
                f"校对通过\n\nGkctl-Step: proofread\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
                f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve")  # fmt: skip
    full, folded = analyse(bureau.root), analyse_head(bureau.root)
    assert folded.base is not None  # folded, not recomputed
    assert "workflow.bad.unwaived" in {k for _, k, _ in full.problems}
    assert folded.problems == full.problems
    assert _without_body(folded.documents[DOC]) == _without_body(full.documents[DOC])
    assert folded.documents[DOC].state == "in_review"
    before = run_git(bureau.root, "rev-parse", "HEAD")
    res = cli("-C", str(bureau.root), "publish", "2026-bgs-001")
    assert res.exit_code != 0 and run_git(bureau.root, "rev-parse", "HEAD") == before


def _same_as_full(root: Path) -> None:
    full, folded = analyse(root), analyse_head(root)
    assert folded.base is not None  # folded, not recomputed
    assert list(folded.documents) == list(full.documents)
    for path, st in full.documents.items():
        assert folded.documents[path] == _without_body(st), path
    assert folded.problems == full.problems and folded.used_indexes == full.used_indexes
    assert dict(folded.briefs()) == dict(full.briefs())


def test_merges_fold_from_their_merge_base_as_the_full_pass_judges_them(bureau: Bureau, monkeypatch) -> None:
    """Both sides of a merge folded from the merge base's snapshot: a side line with an edit, a
    step and a register change nobody may make, merged so that its files are dropped (the
    merge's tree names none of its changes), then merged again taking them."""
    monkeypatch.setattr(incremental, "SAVE_AFTER", 1000)  # every fold below starts from the merge base
    b = bureau
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件", drafter="clerk")
    b.commit_file("clerk", DOC2, "拟稿")
    analyse_head(b.root)  # the merge base's snapshot
    run_git(b.root, "checkout", "-q", "-b", "side")
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件（旁支修改）", drafter="clerk")
    b.commit_file("clerk", DOC2, "旁支修改")
    steps.decide(b.as_("reviewer").repo, DOC, "review", True, "公开属性准确")
    (b.root / "applications").mkdir(exist_ok=True)
    (b.root / "applications" / "2026-001.yaml").write_text("id: 2026-001\n", encoding="utf-8")
    b.commit_file("clerk", "applications/2026-001.yaml", "登记申请")
    run_git(b.root, "checkout", "-q", "main")
    write_doc(b.root, DOC3, id="2026-bgs-003", title="第三份文件", drafter="clerk", category="工作动态")
    b.commit_file("clerk", DOC3, "拟稿")
    b.as_("admin")
    run_git(b.root, "merge", "-q", "--no-ff", "-S", "-s", "ours", "-m", "合并（保留本支）", "side")
    assert run_git(b.root, "diff", "HEAD^1", "HEAD", "--stat") == ""  # the merge's own diff names nothing
    _same_as_full(b.root)
    assert "workflow.bad.register_unauthorised" in {k for _, k, _ in analyse(b.root).problems}

    run_git(b.root, "checkout", "-q", "side")
    write_doc(b.root, DOC2, id="2026-bgs-002", title="第二份文件（再改）", drafter="clerk")
    b.commit_file("clerk", DOC2, "再改")
    run_git(b.root, "checkout", "-q", "main")
    b.as_("admin")
    run_git(b.root, "merge", "-q", "--no-ff", "-S", "-X", "theirs", "-m", "合并", "side")
    _same_as_full(b.root)


def test_the_status_table_reads_its_own_rows_and_never_believes_damaged_ones(bureau: Bureau, cli,
                                                                              monkeypatch) -> None:  # fmt: skip
    """The human ``status`` table reads a small file of rows beside the JSON text (decoding the
    text was 1.1 s of a warm status at 10,000 documents). Rows that still parse but were changed
    are not believed; rows lost before a step are made from the older text, describing again
    only the document the step touched; the table is always the one a fresh cache gives."""
    from gkctl.services import status as status_service
    from gkctl.services.status_cache import ROWS_CACHE, parts_folder

    b, root = bureau, str(bureau.root)
    for rel, n in ((DOC2, "002"), (DOC3, "003")):
        write_doc(b.root, rel, id=f"2026-bgs-{n}", title=f"文件{n}", drafter="clerk")
        b.commit_file("clerk", rel, "拟稿")
    first = cli("-C", root, "status")
    assert first.exit_code == 0 and "文件002" in first.stdout
    described: list[str] = []
    real = status_service.document_data
    monkeypatch.setattr(status_service, "document_data",
                        lambda st, *a: (described.append(st.path), real(st, *a))[1])  # fmt: skip
    assert cli("-C", root, "status").stdout == first.stdout and described == []  # from the rows alone
    rows = cache_path(b.root, ROWS_CACHE)
    part = next(f for f in parts_folder(rows).iterdir() if "文件002".encode() in f.read_bytes())
    part.write_bytes(part.read_bytes().replace("文件002".encode(), "文件00X".encode()))  # still valid JSON
    again = cli("-C", root, "status")
    assert again.stdout == first.stdout and "文件00X" not in again.stdout

    rows.unlink()
    retired = cache_path(b.root, "status-v4.json")  # an earlier format's single file
    retired.write_bytes(b"x" * 1000)
    steps.decide(b.as_("reviewer").repo, DOC, "review", True, "公开属性准确")
    described.clear()
    folded = cli("-C", root, "status")
    assert folded.exit_code == 0 and described == [DOC]  # the others' rows came from the older text
    assert not retired.exists()  # removed once the new text is written
    shutil.rmtree(cache_path(b.root, "x").parent)
    assert cli("-C", root, "status").stdout == folded.stdout


def test_a_current_index_over_lost_or_damaged_parts_is_written_whole_again_once(bureau: Bureau, cli,
                                                                                 monkeypatch) -> None:  # fmt: skip
    """The status cache's index still names HEAD, but its parts were deleted (or the rows'
    damaged): the next status gives the full answer and writes the cache whole again, so the
    status after it copies the cache instead of describing every document in memory again."""
    from gkctl.services import status as status_service
    from gkctl.services.status_cache import ROWS_CACHE, STATUS_CACHE, parts_folder

    b, root = bureau, str(bureau.root)
    write_doc(b.root, DOC2, id="2026-bgs-002", title="文件002", drafter="clerk")
    b.commit_file("clerk", DOC2, "拟稿")
    text, table = cli("-C", root, "status", "--format", "json").stdout, cli("-C", root, "status").stdout
    described: list[str] = []
    real = status_service.document_data
    monkeypatch.setattr(status_service, "document_data",
                        lambda st, *a: (described.append(st.path), real(st, *a))[1])  # fmt: skip
    for part in parts_folder(cache_path(b.root, STATUS_CACHE)).iterdir():
        part.unlink()
    part = next(parts_folder(cache_path(b.root, ROWS_CACHE)).iterdir())
    part.write_bytes(part.read_bytes().replace("文件002".encode(), "文件00X".encode()))
    assert cli("-C", root, "status", "--format", "json").stdout == text
    assert len(described) == 2  # both documents described once, and the cache written whole
    assert cli("-C", root, "status", "--format", "json").stdout == text
    assert cli("-C", root, "status").stdout == table
    assert len(described) == 2  # the later runs read the cache


def test_after_sync_the_merge_folds_from_the_upstream_snapshot(bureau: Bureau, cli, monkeypatch) -> None:
    """The clerk's newest snapshot is of their own line, which ``gkctl sync``'s merge does not
    extend (upstream's line comes first in the full pass's order). The snapshot of the last
    commit a remote-tracking ref pointed at (the merge base) is kept beside it, and the merge
    folds from there, with every answer the full pass's."""
    monkeypatch.setattr(incremental, "SAVE_AFTER", 1)
    b, root = bureau, str(bureau.root)
    run_git(b.root, "update-ref", "refs/remotes/origin/main", "HEAD")  # pushed: HEAD is upstream's too
    analyse_head(b.root)
    upstream_file = cache_path(b.root, incremental.UPSTREAM)
    assert incremental.snapshot_head(b.root) == run_git(b.root, "rev-parse", "HEAD").strip()
    assert upstream_file.exists()

    run_git(b.root, "checkout", "-q", "-b", "up")  # another clerk's work, pushed meanwhile
    write_doc(b.root, DOC2, id="2026-bgs-002", title="上游的第二份文件", drafter="clerk")
    b.commit_file("clerk", DOC2, "拟稿")
    steps.decide(b.as_("reviewer").repo, DOC2, "review", True, "公开属性准确")
    run_git(b.root, "checkout", "-q", "main")
    write_doc(b.root, DOC3, id="2026-bgs-003", title="本地的第三份文件", drafter="clerk", category="工作动态")
    b.commit_file("clerk", DOC3, "拟稿")
    full_chain(b)  # the clerk's own line, each step saving the newest snapshot
    analyse_head(b.root)  # a status on the clerk's line
    assert incremental.snapshot_head(b.root) == run_git(b.root, "rev-parse", "HEAD").strip()

    analyse_head(b.root, "origin/main~1")  # a report --as-of: a full pass of an older commit, nothing saved
    assert upstream_file.exists()
    run_git(b.root, "update-ref", "refs/remotes/origin/main", "up")
    b.as_("clerk")
    run_git(b.root, "merge", "-q", "--no-edit", "-S", "origin/main")  # as sync merges: upstream second
    _same_as_full(b.root)
    assert incremental.snapshot_head(b.root) == run_git(b.root, "rev-parse", "HEAD").strip()  # saved at once
    status = cli("-C", root, "status", "--format", "json")
    shutil.rmtree(cache_path(b.root, "x").parent)
    assert cli("-C", root, "status", "--format", "json").stdout == status.stdout  # and without any cache


def test_a_steps_file_in_its_commits_tree_is_asked_of_git_once(bureau: Bureau, monkeypatch, tmp_path: Path) -> None:
    """A fold checks each step commit's ``Gkctl-Blob`` against the file in that commit's tree,
    which git finds by reading every tree on the way (a year's folder is a 660 KB tree at
    district size). The answer never changes for a commit id, so it is kept: the next fold of
    the same document asks git nothing, an absent file is kept as absent, and a damaged row is
    asked again."""
    import marshal

    from gkctl.trail.history import History
    from gkctl.trail.trust import TREE_CACHE, Trust

    full_chain(bureau)
    head = run_git(bureau.root, "rev-parse", "HEAD").strip()
    first = run_git(bureau.root, "rev-list", "--max-parents=0", "HEAD").strip()
    pairs = [(head, "docs/2026/a\rb\u2028c.md"), (head, DOC), (first, DOC), (head, "docs/2026/no-such.md"),
             (head, "docs/a\nb.md")]  # fmt: skip
    want = {(head, DOC): run_git(bureau.root, "rev-parse", f"HEAD:{DOC}").strip()}
    trace = tmp_path / "git-trace.log"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    def asked() -> int:
        n = trace.read_text().count("cat-file") if trace.exists() else 0
        trace.unlink(missing_ok=True)
        return n

    def fold_trust() -> Trust:
        return Trust(bureau.root, History(None, (), {}), docs_cache=False, partial=True)

    assert fold_trust().blobs_at(pairs) == want and asked() == 1
    assert fold_trust().blobs_at(pairs) == want and asked() == 0  # another process: from the cache
    with sqlite3.connect(cache_path(bureau.root, "cache.sqlite")) as db:
        db.execute(f'UPDATE "{TREE_CACHE}" SET value = ?', (marshal.dumps("0" * 40),))  # the check no longer matches
    assert fold_trust().blobs_at(pairs) == want and asked() == 1


def test_a_fold_reads_no_tree_its_snapshot_or_its_run_already_shows(bureau: Bureau, cli, monkeypatch,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    """Re-judging a document's steps needs the file each step's own tree held: for the steps
    the snapshot judged well formed that was their ``Gkctl-Blob``, and for a linear run's new
    steps it is the snapshot's tree with the run's changes, so the fold after a publication
    asks git for no tree, and gives the full pass's answer."""
    full_chain(bureau)
    cache_path(bureau.root, SNAPSHOT).unlink(missing_ok=True)
    analyse_head(bureau.root)  # the snapshot of the chain's last step, by a full pass (which reads no tree either)
    bureau.as_("publisher")
    assert cli("-C", str(bureau.root), "publish", "2026-bgs-001").exit_code == 0
    from gkctl.trail.trust import TREE_CACHE

    with sqlite3.connect(cache_path(bureau.root, "cache.sqlite")) as db:  # what any fold since asked of git
        db.execute(f'DROP TABLE IF EXISTS "{TREE_CACHE}"')
    trace = tmp_path / "git-trace.log"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    folded = analyse_head(bureau.root)
    monkeypatch.delenv("GIT_TRACE")
    assert folded.base is not None and DOC in folded.base[1]  # folded, the document judged again
    assert "--batch-check" not in trace.read_text()
    assert folded.documents[DOC] == _without_body(analyse(bureau.root).documents[DOC])
    assert folded.documents[DOC].state == "published"


def test_a_fold_gives_up_when_a_change_moves_an_untouched_documents_number() -> None:
    """索引号 go to the first document that validly used them: when re-judging one document moves
    which publication of another document counts (or the problems the assignment gives it), the
    fold cannot say which states follow and leaves it to the full pass; the dirty document's own
    decisions may move freely."""
    from types import SimpleNamespace

    from gkctl.trail.incremental import _decisions_stand
    from gkctl.trail.workflow import ProblemSink, assign_indexes

    a, b = "docs/2026/a.md", "docs/2026/b.md"
    old = {a: [(10, a, "pa", "ORG/2026-00001")], b: [(20, b, "pb", "ORG/2026-00002")]}
    snap = SimpleNamespace(candidates=old, accepted=assign_indexes([c for v in old.values() for c in v], ProblemSink([])),
                           problems={})  # fmt: skip
    assert snap.accepted == {"pa", "pb"}

    def stands(new_a: list) -> bool:
        cands = {**old, a: new_a}
        sink = ProblemSink([])
        accepted = assign_indexes([c for v in cands.values() for c in v], sink)
        return _decisions_stand(cands, {a}, accepted, snap, sink)  # type: ignore[arg-type]

    assert stands([(10, a, "pa", "ORG/2026-00001")])  # nothing moved
    assert stands([(10, a, "pa", "ORG/2026-00001"), (30, a, "pa2", "ORG/2026-00001")])  # a republication of its own
    assert stands([])  # its publication gone: only its own decision moved
    # its earlier publication now claims the other document's number: that one's publication no longer counts
    assert not stands([(5, a, "pa0", "ORG/2026-00002")])
