"""The review chain end to end, with real ssh keys and real signed commits."""

from __future__ import annotations

import pytest

from gkctl.core.errors import RuleError
from gkctl.services import steps
from gkctl.trail.workflow import analyse, publications
from helpers.docs import write_doc
from helpers.workflow import DOC, Bureau, full_chain, run_git


def test_full_chain_to_published(bureau: Bureau) -> None:
    assert bureau.state(DOC).state == "draft"
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "公开属性准确")
    assert bureau.state(DOC).state == "in_review"
    steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "同意")
    steps.decide(bureau.as_("office").repo, DOC, "check", True, "复核无误")
    for p in ("p1", "p2", "p3"):
        steps.decide(bureau.as_(p).repo, DOC, "proofread", True, "校对无误")
    st = bureau.state(DOC)
    assert st.state == "ready", [(s.name, s.done) for s in st.steps]
    [res] = steps.publish(bureau.as_("publisher").repo, [DOC])
    assert res.index_number == "11500000MB1B37366Q/2026-00001"
    st = bureau.state(DOC)
    assert st.state == "published" and st.publication.index_number == res.index_number
    [pub] = publications(bureau.root)
    assert pub.doc_id == "2026-bgs-001" and pub.blob == st.blob and pub.state == "published"
    assert pub.commit == res.commit
    # every step is a signed commit with the contract's trailers
    msg = run_git(bureau.root, "log", "-1", "--format=%B", res.commit)
    assert "Gkctl-Step: publish" in msg and "Gkctl-Index: 11500000MB1B37366Q/2026-00001" in msg
    assert f"Gkctl-Blob: {st.blob}" in msg


def test_edit_after_sign_off_voids_approvals(bureau: Bureau) -> None:
    full_chain(bureau)
    assert bureau.state(DOC).state == "ready"
    path = bureau.root / DOC
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    bureau.commit_file("clerk", DOC, "补充")
    st = bureau.state(DOC)
    assert st.state == "draft" and not any(s.approvals for s in st.steps)
    with pytest.raises(RuleError):
        steps.publish(bureau.as_("publisher").repo, [DOC])


def test_rejection_returns_to_draft_and_re_review(bureau: Bureau) -> None:
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "可以")
    steps.decide(bureau.as_("signer").repo, DOC, "sign", False, "依据不足，退回")
    st = bureau.state(DOC)
    assert st.state == "draft"
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "再审通过")
    assert bureau.state(DOC).state == "in_review"


def test_wrong_role_is_refused_before_committing(bureau: Bureau) -> None:
    head = run_git(bureau.root, "rev-parse", "HEAD")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("p1").repo, DOC, "review", True, "我来审")
    assert "没有" in exc.value.message and "审稿" in exc.value.message
    assert run_git(bureau.root, "rev-parse", "HEAD") == head


def test_drafter_may_not_approve_own_document(bureau: Bureau) -> None:
    write_doc(bureau.root, "docs/2026/2026-bgs-002.md", id="2026-bgs-002", drafter="reviewer")
    bureau.commit_file("clerk", "docs/2026/2026-bgs-002.md")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("reviewer").repo, "2026-bgs-002", "review", True, "自己审")
    assert "拟稿人" in exc.value.message


def test_author_of_content_may_not_approve(bureau: Bureau) -> None:
    path = bureau.root / DOC
    path.write_text(path.read_text(encoding="utf-8") + "\n审稿人顺手改一句。\n", encoding="utf-8")
    bureau.commit_file("reviewer", DOC, "改")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "通过")
    assert "签名提交过" in exc.value.message


def test_reviewer_may_not_also_sign(bureau: Bureau) -> None:
    steps.decide(bureau.as_("signer").repo, DOC, "review", True, "审稿")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "签发")
    assert "签发人不得同时是审稿人" in exc.value.message


def test_uncommitted_change_is_refused(bureau: Bureau) -> None:
    (bureau.root / DOC).write_text((bureau.root / DOC).read_text(encoding="utf-8") + "x\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "通过")
    assert "未提交" in exc.value.message


def test_three_distinct_proofreaders(bureau: Bureau) -> None:
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "ok")
    steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "ok")
    steps.decide(bureau.as_("office").repo, DOC, "check", True, "ok")
    steps.decide(bureau.as_("p1").repo, DOC, "proofread", True, "一校")
    with pytest.raises(RuleError):
        steps.decide(bureau.as_("p1").repo, DOC, "proofread", True, "二校")
    steps.decide(bureau.as_("p2").repo, DOC, "proofread", True, "二校")
    st = bureau.state(DOC)
    proof = next(s for s in st.steps if s.name == "proofread")
    assert [a.person for a in proof.approvals] == ["p1", "p2"] and not proof.done
    assert st.state == "in_review"


def test_sign_before_review_is_refused(bureau: Bureau) -> None:
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "签发")
    assert "审稿" in exc.value.message


def test_analysis_reads_history_once(bureau: Bureau) -> None:
    full_chain(bureau)
    a = analyse(bureau.root)
    assert a.documents[DOC].state == "ready"
    assert not [p for p in a.problems if p[1] != "workflow.bad.policy_unauthorised"]


def test_staged_changes_elsewhere_are_refused(bureau: Bureau) -> None:
    """A step commit would take whatever is staged along; gkctl refuses instead."""
    (bureau.root / "docs/2026/other.md").write_text("x\n", encoding="utf-8")
    run_git(bureau.root, "add", "docs/2026/other.md")
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "通过")
    assert "docs/2026/other.md" in exc.value.message


def _hand_made_review(b: Bureau, blob: str, *extra: str) -> None:
    msg = (f"审稿通过\n\nGkctl-Step: review\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
           f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve\n")
    run_git(b.root, "commit", "-q", "--allow-empty", *extra, "-F", "-", input=msg)


def _current_blob(b: Bureau) -> str:
    return run_git(b.root, "rev-parse", f"HEAD:{DOC}").strip()


@pytest.mark.parametrize("case", ["unsigned", "other_files", "wrong_blob"])
def test_malformed_step_commits_count_for_nothing(bureau: Bureau, case: str) -> None:
    bureau.as_("reviewer")
    blob = _current_blob(bureau)
    if case == "unsigned":
        _hand_made_review(bureau, blob, "--no-gpg-sign")
        expected = "workflow.bad.unsigned"
    elif case == "other_files":
        (bureau.root / "attachments/x.txt").write_text("x", encoding="utf-8")
        run_git(bureau.root, "add", "attachments/x.txt")
        _hand_made_review(bureau, blob, "-S")
        expected = "workflow.bad.other_files"
    else:
        _hand_made_review(bureau, "0" * 39 + "1", "-S")
        expected = "workflow.bad.blob"
    a = analyse(bureau.root)
    assert a.documents[DOC].state == "draft"
    assert expected in {key for _, key, _ in a.problems}


def test_attachment_swapped_after_sign_off_voids_approvals(bureau: Bureau) -> None:
    """Approvals cover the attachments: a file swapped after sign-off cannot be published."""
    (bureau.root / "attachments/2026").mkdir(parents=True)
    (bureau.root / "attachments/2026/附件.txt").write_text("审核过的附件\n", encoding="utf-8")
    write_doc(bureau.root, DOC, drafter="clerk", attachments=[{"file": "attachments/2026/附件.txt", "title": "附件"}])
    run_git(bureau.root, "add", "attachments/2026/附件.txt")
    bureau.commit_file("clerk", DOC, "加附件")
    full_chain(bureau)
    assert bureau.state(DOC).state == "ready"
    (bureau.root / "attachments/2026/附件.txt").write_text("换掉的附件\n", encoding="utf-8")
    bureau.commit_file("clerk", "attachments/2026/附件.txt", "换附件")
    st = bureau.state(DOC)
    assert st.state == "draft" and not any(s.approvals for s in st.steps)
    with pytest.raises(RuleError):
        steps.publish(bureau.as_("publisher").repo, [DOC])
    full_chain(bureau)  # reviewed again, now with the new attachment
    [res] = steps.publish(bureau.as_("publisher").repo, [DOC])
    assert res.index_number.endswith("-00001")


def _hand_made_step(b: Bureau, step: str, blob: str) -> None:
    msg = (f"{step}\n\nGkctl-Step: {step}\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
           f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve\n")
    run_git(b.root, "commit", "-q", "--allow-empty", "-S", "-F", "-", input=msg)


@pytest.mark.parametrize(
    ("who", "step", "before", "expected"),
    [
        ("signer", "sign", [], "workflow.bad.out_of_order"),  # 签发 before 审稿
        ("clerk", "review", [], "workflow.bad.self_approval"),  # the drafter approves (role added below)
        ("reviewer", "sign", [("reviewer", "review")], "workflow.bad.same_person"),  # reviewer also signs
    ],
)
def test_approvals_that_cannot_count_are_reported(bureau: Bureau, cli, who, step, before, expected) -> None:
    """Hand-made step commits the CLI would refuse: signed by the right role, yet they count for
    nothing, and verify says why instead of passing them silently."""
    from gkctl.core.policy import load_policy
    from gkctl.core.yamlio import dump_yaml

    people = load_policy(bureau.root).people
    entries = [{"id": p.id, "name": p.name, "section": p.section, "roles": list(p.roles), "keys": list(p.keys)}
               for p in people.people]  # fmt: skip
    for e in entries:  # the clerk and the reviewer may also review and sign, so only the rule stops them
        if e["id"] in ("clerk", "reviewer"):
            e["roles"] = sorted({*e["roles"], "reviewer", "signer"})
    (bureau.root / "policies/people.yaml").write_text(dump_yaml({"people": entries}), encoding="utf-8")
    bureau.commit_file("admin", "policies/people.yaml", "人员角色调整")
    blob = _current_blob(bureau)
    for pid, earlier in before:
        bureau.as_(pid)
        _hand_made_step(bureau, earlier, blob)
    bureau.as_(who)
    _hand_made_step(bureau, step, blob)
    bad = run_git(bureau.root, "rev-parse", "HEAD").strip()
    a = analyse(bureau.root)
    assert (bad, expected) in {(c, key) for c, key, _ in a.problems}
    res = cli("-C", str(bureau.root), "verify", "--format", "json")
    assert res.exit_code == 1 and "GK448" in res.stdout and bad[:12] in res.stdout
