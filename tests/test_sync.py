"""Two clones publishing at once never end up with the same 索引号 after ``sync``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkctl.core.errors import RuleError
from gkctl.services import steps
from gkctl.services.repository import Repository
from gkctl.services.sync import sync
from gkctl.trail.workflow import analyse, publications
from helpers.docs import write_doc
from helpers.sig import use_ssh_key
from helpers.workflow import Bureau, run_git

DOC1 = "docs/2026/2026-bgs-001.md"
DOC2 = "docs/2026/2026-bgs-002.md"


def chain(b: Bureau, ref: str) -> None:
    steps.decide(b.as_("reviewer").repo, ref, "review", True, "ok")
    steps.decide(b.as_("signer").repo, ref, "sign", True, "ok")
    steps.decide(b.as_("office").repo, ref, "check", True, "ok")
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, ref, "proofread", True, "ok")


@pytest.fixture
def clones(repo: Path, admin_key, tmp_path: Path) -> tuple[Bureau, Path, Path]:
    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    write_doc(repo, DOC1, drafter="clerk")
    write_doc(repo, DOC2, id="2026-bgs-002", drafter="clerk", title="关于第二份文件的通知")
    run_git(repo, "add", "docs")
    b.commit_file("clerk", DOC1)
    chain(b, DOC1)
    chain(b, DOC2)
    central = tmp_path / "central.git"
    run_git(tmp_path, "clone", "-q", "--bare", str(repo), str(central))
    run_git(repo, "remote", "add", "origin", str(central))
    run_git(repo, "fetch", "-q", "origin")
    run_git(repo, "branch", "-q", "--set-upstream-to=origin/main")
    other = tmp_path / "other"
    run_git(tmp_path, "clone", "-q", str(central), str(other))
    return b, central, other


@pytest.mark.parametrize("upstream_doc, local_doc", [(DOC1, DOC2), (DOC2, DOC1)])
def test_second_publisher_is_republished_on_top_before_pushing(clones, upstream_doc: str, local_doc: str) -> None:
    """Whichever document sorts first, the one already pushed keeps the number; the local
    publish commit, never shared, is replaced by a new one on top of upstream."""
    b, central, other = clones
    [first] = steps.publish(b.as_("publisher").repo, [upstream_doc])
    use_ssh_key(other, b.keys["publisher"])
    [second] = steps.publish(Repository(other), [local_doc])
    assert first.index_number == second.index_number  # apart, both took 00001
    assert sync(b.repo).pushed
    result = sync(Repository(other))
    assert result.pushed and result.renumbered == []
    assert result.replayed == [(second.doc_id, second.index_number, "11500000MB1B37366Q/2026-00002")]
    numbers = {p.doc_id: p.index_number for p in publications(central)}
    assert numbers == {first.doc_id: "11500000MB1B37366Q/2026-00001", second.doc_id: "11500000MB1B37366Q/2026-00002"}
    # the superseded publish commit was never pushed: no clash anywhere, no merge needed
    assert second.commit not in run_git(central, "rev-list", "--all")
    assert not [key for _sha, key, _ in analyse(central).problems if key.startswith("workflow.bad.index")]
    assert run_git(other, "rev-list", "--merges", "--count", "HEAD").strip() == "0"
    # and the first clone sees the same after its own sync
    sync(b.repo)
    assert {p.doc_id: p.index_number for p in publications(b.root)} == numbers


def test_publish_learns_numbers_already_pushed(clones) -> None:
    b, _central, other = clones
    steps.publish(b.as_("publisher").repo, [DOC1])
    sync(b.repo)
    use_ssh_key(other, b.keys["publisher"])
    [res] = steps.publish(Repository(other), [DOC2])  # fetches first: no clash at all
    assert res.index_number.endswith("2026-00002")
    assert sync(Repository(other)).renumbered == []


def test_renumbering_needs_a_publisher(clones) -> None:
    b, central, other = clones
    steps.publish(b.as_("publisher").repo, [DOC1])
    use_ssh_key(other, b.keys["publisher"])
    steps.publish(Repository(other), [DOC2])
    sync(b.repo)
    use_ssh_key(other, b.keys["clerk"])
    before = run_git(central, "rev-parse", "main")
    with pytest.raises(RuleError) as exc:
        sync(Repository(other))
    assert "重新编号" in exc.value.message
    assert run_git(central, "rev-parse", "main") == before  # nothing pushed


def test_a_clash_deeper_than_the_tip_is_renumbered_after_the_merge(clones) -> None:
    """A local publication under a later draft commit cannot be set aside: sync merges upstream
    and publishes the document again with the next free number (the folded analysis finds the
    clash, as the full pass does)."""
    b, central, other = clones
    [first] = steps.publish(b.as_("publisher").repo, [DOC1])
    assert sync(b.repo).pushed
    use_ssh_key(other, b.keys["publisher"])
    [mine] = steps.publish(Repository(other), [DOC2], fetch=False)
    assert mine.index_number == first.index_number  # apart, both took 00001
    use_ssh_key(other, b.keys["clerk"])
    write_doc(other, "docs/2026/2026-bgs-003.md", id="2026-bgs-003", drafter="clerk", title="关于第三份文件的通知")
    run_git(other, "add", "docs")
    run_git(other, "commit", "-q", "-S", "-m", "起草：第三份文件")
    use_ssh_key(other, b.keys["publisher"])
    result = sync(Repository(other))
    assert result.pushed and result.merged and result.replayed == []
    assert result.renumbered == [(mine.doc_id, mine.index_number, "11500000MB1B37366Q/2026-00002")]
    numbers = {p.doc_id: p.index_number for p in publications(central)}
    assert numbers == {first.doc_id: "11500000MB1B37366Q/2026-00001", mine.doc_id: "11500000MB1B37366Q/2026-00002"}
    # the superseded publication was pushed with the merge: it is the one that does not count
    clashes = [(sha, key) for sha, key, _ in analyse(central).problems if key.startswith("workflow.bad.index")]
    assert clashes == [(mine.commit, "workflow.bad.index_taken")]


def test_sync_without_remote_is_refused(repo: Path) -> None:
    with pytest.raises(RuleError):
        sync(Repository(repo))


def test_admin_change_from_upstream_counts_after_a_merge(clones, tmp_path: Path) -> None:
    """A person the admin added upstream may act once merged; the merge itself is no policy change."""
    from gkctl.services.people import add_person
    from helpers.sig import make_ssh_key

    b, _central, other = clones
    newcomer = make_ssh_key(tmp_path / "new", "newcomer")
    add_person(b.as_("admin").repo, "newcomer", "新人", "办公室", ["reviewer"], newcomer.line)
    assert sync(b.repo).pushed
    # the other clone made a local commit meanwhile, so sync must really merge
    rel = "docs/2026/2026-bgs-009.md"
    write_doc(other, rel, id="2026-bgs-009", drafter="clerk", title="第三份文件")
    use_ssh_key(other, b.keys["clerk"])
    run_git(other, "add", rel)
    run_git(other, "commit", "-q", "-S", "-m", "拟稿")
    assert sync(Repository(other)).merged
    use_ssh_key(other, newcomer)
    steps.decide(Repository(other), rel, "review", True, "新人审稿")
    st = analyse(other).documents[rel]
    assert st.state == "in_review" and st.steps[0].approvals[0].person == "newcomer"


def test_sync_refuses_uncommitted_work(clones) -> None:
    b, _central, _other = clones
    (b.root / DOC1).write_text((b.root / DOC1).read_text(encoding="utf-8") + "改\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        sync(b.repo)
    assert DOC1 in exc.value.message


def test_conflict_aborts_the_merge_and_changes_nothing(clones) -> None:
    b, _central, other = clones
    for root, text in ((b.root, "甲方修改\n"), (other, "乙方修改\n")):
        (root / DOC1).write_text((root / DOC1).read_text(encoding="utf-8") + text, encoding="utf-8")
        use_ssh_key(root, b.keys["clerk"])
        run_git(root, "commit", "-q", "-S", "-am", "改")
    assert sync(b.repo).pushed
    before = run_git(other, "rev-parse", "HEAD")
    with pytest.raises(RuleError) as exc:
        sync(Repository(other))
    assert DOC1 in exc.value.message
    assert run_git(other, "rev-parse", "HEAD") == before
    assert run_git(other, "status", "--porcelain", "--untracked-files=no") == ""
