"""Each refusal of the chain, corrections, withdraw/repeal, and what plain git says about it all."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest

from gkctl.core.errors import InputError, RuleError
from gkctl.core.policy import load_policy
from gkctl.services import people, steps
from gkctl.trail.workflow import analyse, publications
from helpers.cli import run_cli
from helpers.docs import write_doc
from helpers.sig import make_gpg_key, make_ssh_key, use_gpg_key, use_ssh_key
from helpers.workflow import DOC, Bureau, run_git


def chain(b: Bureau, ref: str = DOC, upto: str = "proofread") -> None:
    steps.decide(b.as_("reviewer").repo, ref, "review", True, "公开属性准确")
    steps.decide(b.as_("signer").repo, ref, "sign", True, "同意")
    steps.decide(b.as_("office").repo, ref, "check", True, "复核无误")
    if upto == "check":
        return
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, ref, "proofread", True, "校对无误")


def head(b: Bureau) -> str:
    return run_git(b.root, "rev-parse", "HEAD").strip()


def test_self_added_key_gets_nothing(bureau: Bureau, tmp_path: Path) -> None:
    """A clerk who adds their own key as reviewer and approves: the approval counts for nothing."""
    rogue = make_ssh_key(tmp_path / "rogue", "rogue")
    people_file = bureau.root / "policies/people.yaml"
    people_file.write_text(
        people_file.read_text(encoding="utf-8")
        + f"- id: rogue\n  name: 冒名\n  section: 办公室\n  roles: [reviewer]\n  keys: ['{rogue.line}']\n",
        encoding="utf-8",
    )
    assert load_policy(bureau.root).people.get("rogue") is not None  # the file says so …
    bureau.commit_file("clerk", "policies/people.yaml", "加人")
    use_ssh_key(bureau.root, rogue)
    with pytest.raises(RuleError):  # … but the command refuses: the key is unknown to the effective policy
        steps.decide(bureau.repo, DOC, "review", True, "通过")
    # even a hand-made step commit signed with that key counts for nothing
    blob = run_git(bureau.root, "rev-parse", f"HEAD:{DOC}").strip()
    msg = f"审稿通过\n\nGkctl-Step: review\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\nGkctl-Blob: {blob}\nGkctl-Verdict: approve\n"
    run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-F", "-", input=msg)
    a = analyse(bureau.root)
    st = a.documents[DOC]
    assert st.state == "draft"
    problems = {key for _, key, _ in a.problems}
    assert {"workflow.bad.policy_unauthorised", "workflow.bad.unknown_key"} <= problems


def test_revoked_key_is_refused_and_counts_for_nothing(bureau: Bureau) -> None:
    people.revoke_person(bureau.as_("admin").repo, "reviewer", datetime.date(2026, 1, 31))
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "通过")
    assert "reviewer" in exc.value.message
    run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-m",
            f"x\n\nGkctl-Step: review\nGkctl-Document: 2026-bgs-001\nGkctl-Path: {DOC}\n"
            f"Gkctl-Blob: {run_git(bureau.root, 'rev-parse', f'HEAD:{DOC}').strip()}\nGkctl-Verdict: approve")
    a = analyse(bureau.root)
    assert a.documents[DOC].state == "draft"
    assert ("workflow.bad.inactive" in {k for _, k, _ in a.problems})


def test_non_admin_cannot_change_people(bureau: Bureau, tmp_path: Path) -> None:
    key = make_ssh_key(tmp_path / "x", "x")
    before = head(bureau)
    with pytest.raises(RuleError) as exc:
        people.add_person(bureau.as_("clerk").repo, "x", "某某", "办公室", ["reviewer"], key.line)
    assert "不是管理员" in exc.value.message
    assert head(bureau) == before
    assert run_git(bureau.root, "status", "--porcelain") == ""


def test_unpublishable_attribute_is_refused(bureau: Bureau) -> None:
    rel = "docs/2026/2026-bgs-002.md"
    write_doc(bureau.root, rel, id="2026-bgs-002", drafter="clerk", attribute="依申请公开", basis=None, reason=None)
    bureau.commit_file("clerk", rel)
    chain(bureau, rel)
    assert bureau.state(rel).state == "ready"
    with pytest.raises(RuleError) as exc:
        steps.publish(bureau.as_("publisher").repo, [rel])
    assert "主动公开" in exc.value.message


def test_secrecy_hit_needs_a_waiver(bureau: Bureau) -> None:
    rel = "docs/2026/2026-bgs-003.md"
    write_doc(bureau.root, rel, body="联系电话：13812345678。\n", id="2026-bgs-003", drafter="clerk")
    bureau.commit_file("clerk", rel)
    steps.decide(bureau.as_("reviewer").repo, rel, "review", True, "ok")
    steps.decide(bureau.as_("signer").repo, rel, "sign", True, "ok")
    before = head(bureau)
    with pytest.raises(RuleError) as exc:
        steps.decide(bureau.as_("office").repo, rel, "check", True, "复核")
    assert "GK153" in exc.value.message and exc.value.path == rel and exc.value.line
    assert head(bureau) == before
    res = steps.decide(bureau.repo, rel, "check", True, "系单位办公电话，同意公开", waive=("GK153",))
    msg = run_git(bureau.root, "log", "-1", "--format=%B", res.commit)
    assert "Gkctl-Waive: GK153" in msg and "系单位办公电话" in msg and "保密审查：扫描发现 GK153" in msg
    assert any(s.name == "check" and s.done for s in bureau.state(rel).steps)
    for p in ("p1", "p2", "p3"):
        steps.decide(bureau.as_(p).repo, rel, "proofread", True, "校对无误")
    [pub] = steps.publish(bureau.as_("publisher").repo, [rel])  # the signed waiver lets it through
    assert pub.index_number
    # The auditor sees the waiver, with the code waived and the reason, for the year it was published in.
    res = run_cli("audit", "--year", str(steps.today_beijing().year), cwd=bureau.root)
    assert res.exit_code in (0, 1), res.output
    assert "GK813" in res.output and "GK153" in res.output and "系单位办公电话" in res.output


def _hand_made_check_of_a_secrecy_hit(bureau: Bureau, doc_id: str) -> str:
    """A document whose body holds an ID number, reviewed and signed, then "checked" by a commit
    the office wrote by hand without the waiver the hit needs; its path."""
    rel = f"docs/2026/{doc_id}.md"
    write_doc(bureau.root, rel, body="身份证号 11010519491231002X。\n", id=doc_id, drafter="clerk")
    bureau.commit_file("clerk", rel)
    steps.decide(bureau.as_("reviewer").repo, rel, "review", True, "ok")
    steps.decide(bureau.as_("signer").repo, rel, "sign", True, "ok")
    blob = run_git(bureau.root, "rev-parse", f"HEAD:{rel}").strip()
    bureau.as_("office")
    run_git(bureau.root, "commit", "-q", "-S", "--allow-empty", "-F", "-", input=(
        f"复核通过\n\nGkctl-Step: check\nGkctl-Document: {doc_id}\nGkctl-Path: {rel}\n"
        f"Gkctl-Blob: {blob}\nGkctl-Verdict: approve\n"))  # fmt: skip
    return rel


def test_hand_made_check_without_waiver_counts_for_nothing(bureau: Bureau) -> None:
    rel = _hand_made_check_of_a_secrecy_hit(bureau, "2026-bgs-006")
    check = next(s for s in bureau.state(rel).steps if s.name == "check")
    assert not check.done and not check.approvals


def _documents_cache_without_scan_results(root: Path) -> None:
    """Keep the parsed documents' cache as the next command finds it, less its remembered scans:
    the next analysis must scan again, from bodies the cache does not hold."""
    from gkctl.trail.cache import cache_path, load_pickled_dict, save_pickled_dict
    from gkctl.trail.trust import DOC_CACHE

    file = cache_path(root, DOC_CACHE)
    data = load_pickled_dict(file)
    assert data and all(getattr(v, "body", "") == "" for v in data.values())  # front matter only
    save_pickled_dict(file, [(k, v) for k, v in data.items() if not k.startswith("sec:")])


def test_secrecy_scan_reads_the_body_the_cache_does_not_keep(bureau: Bureau) -> None:
    rel = _hand_made_check_of_a_secrecy_hit(bureau, "2026-bgs-007")
    cold = bureau.state(rel)
    _documents_cache_without_scan_results(bureau.root)
    warm = bureau.state(rel)
    for st in (cold, warm):  # the unwaived hit in the body voids the check, cache or not
        assert not next(s for s in st.steps if s.name == "check").done


def test_correction_that_edits_the_body_counts_for_nothing(bureau: Bureau) -> None:
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "初审")
    res = steps.correct_attribute(bureau.repo, DOC, "依申请公开", "涉及第三方信息")
    msg = run_git(bureau.root, "log", "-1", "--format=%B", res.commit)
    # the same correction by hand, with a sentence slipped into the body
    run_git(bureau.root, "reset", "-q", "--hard", "HEAD~1")
    path = bureau.root / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("attribute: 主动公开", "attribute: 依申请公开")
                    + "另行补充的一句。\n", encoding="utf-8")  # fmt: skip
    run_git(bureau.root, "add", DOC)
    blob = run_git(bureau.root, "hash-object", DOC).strip()
    msg = "\n".join(f"Gkctl-Blob: {blob}" if ln.startswith("Gkctl-Blob:") else ln for ln in msg.splitlines())
    run_git(bureau.root, "commit", "-q", "-S", "-F", "-", input=msg + "\n")
    problems = [key for _, key, _ in analyse(bureau.root).problems]
    assert "workflow.bad.correct_scope" in problems
    _documents_cache_without_scan_results(bureau.root)
    assert [key for _, key, _ in analyse(bureau.root).problems] == problems  # bodies compared, not front matter


def test_attribute_correction_binds_to_corrected_content(bureau: Bureau) -> None:
    steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "初审")
    res = steps.correct_attribute(bureau.as_("reviewer").repo, DOC, "依申请公开", "涉及第三方信息")
    text = (bureau.root / DOC).read_text(encoding="utf-8")
    assert "attribute: 依申请公开" in text
    st = bureau.state(DOC)
    assert st.state == "draft"  # the correction changed the content: earlier approvals are void
    assert run_git(bureau.root, "status", "--porcelain") == ""
    msg = run_git(bureau.root, "log", "-1", "--format=%B", res.commit)
    assert "Gkctl-Step: correct" in msg and f"Gkctl-Blob: {st.blob}" in msg
    # the reviewer's own correction does not make them an author: they may approve it
    steps.decide(bureau.repo, DOC, "review", True, "更正后通过")
    st = bureau.state(DOC)
    assert st.state == "in_review" and st.steps[0].approvals[0].blob == st.blob


def test_withdraw_and_repeal(bureau: Bureau) -> None:
    chain(bureau)
    [pub] = steps.publish(bureau.as_("publisher").repo, [DOC])
    with pytest.raises(InputError):
        steps.end_publication(bureau.repo, DOC, "withdraw", "  ")
    steps.end_publication(bureau.repo, DOC, "withdraw", "内容有误，更正后重新发布")
    [rec] = publications(bureau.root)
    assert rec.state == "withdrawn" and rec.notice == "内容有误，更正后重新发布" and rec.index_number == pub.index_number
    with pytest.raises(RuleError):
        steps.end_publication(bureau.repo, DOC, "repeal", "已废止")  # not published any more

    rel = "docs/2026/2026-bgs-004.md"
    write_doc(bureau.root, rel, id="2026-bgs-004", drafter="clerk")  # 规范性文件
    bureau.commit_file("clerk", rel)
    chain(bureau, rel)
    steps.publish(bureau.as_("publisher").repo, [rel])
    steps.end_publication(bureau.repo, rel, "repeal", "已被新制度替代", datetime.date(2026, 12, 1))
    recs = {r.doc_id: r for r in publications(bureau.root)}
    assert recs["2026-bgs-004"].state == "repealed" and recs["2026-bgs-004"].notice_date == datetime.date(2026, 12, 1)
    assert recs["2026-bgs-004"].index_number.endswith("2026-00002")  # never reused


def test_repeal_only_for_normative(bureau: Bureau) -> None:
    rel = "docs/2026/2026-bgs-005.md"
    write_doc(bureau.root, rel, id="2026-bgs-005", drafter="clerk", category="工作信息", kind="非公文", doc_number=None)
    bureau.commit_file("clerk", rel)
    chain(bureau, rel)
    steps.publish(bureau.as_("publisher").repo, [rel])
    with pytest.raises(RuleError) as exc:
        steps.end_publication(bureau.repo, rel, "repeal", "废止")
    assert "规范性文件" in exc.value.message


def test_external_step_for_audit_results(bureau: Bureau) -> None:
    rel = "docs/2026/2026-sjzx-001.md"
    write_doc(bureau.root, rel, id="2026-sjzx-001", drafter="clerk", category="审计结果公告", kind="非公文",
              doc_number=None)
    bureau.commit_file("clerk", rel)
    chain(bureau, rel, upto="check")
    with pytest.raises(RuleError):  # proofreading waits for the district office
        steps.decide(bureau.as_("p1").repo, rel, "proofread", True, "校对")
    with pytest.raises(InputError):
        steps.decide(bureau.as_("office").repo, rel, "external", True, "区政府办公室审核通过")
    res = steps.decide(bureau.as_("office").repo, rel, "external", True, "区政府办公室审核通过",
                       reference="綦府办审〔2026〕8号")
    assert "Gkctl-Reference: 綦府办审〔2026〕8号" in run_git(bureau.root, "log", "-1", "--format=%B", res.commit)
    for p in ("p1", "p2", "p3"):
        steps.decide(bureau.as_(p).repo, rel, "proofread", True, "校对无误")
    assert bureau.state(rel).state == "ready"
    with pytest.raises(RuleError):  # a 规范性文件 has no external step
        steps.decide(bureau.as_("office").repo, DOC, "external", True, "x", reference="y")


def test_failed_signing_leaves_no_commit_and_clean_index(bureau: Bureau, tmp_path: Path) -> None:
    before = head(bureau)
    bureau.as_("reviewer")
    run_git(bureau.root, "config", "gpg.ssh.program", str(tmp_path / "no-such-ssh-keygen"))
    with pytest.raises(RuleError):
        steps.decide(bureau.repo, DOC, "review", True, "通过")
    with pytest.raises(RuleError):
        steps.correct_attribute(bureau.repo, DOC, "依申请公开", "更正")
    assert head(bureau) == before
    assert run_git(bureau.root, "status", "--porcelain") == ""


def test_git_verify_commit_accepts_every_gkctl_commit(bureau: Bureau, tmp_path: Path) -> None:
    chain(bureau)
    steps.publish(bureau.as_("publisher").repo, [DOC])
    text, count = people.export_allowed_signers(bureau.repo)
    assert count == 9
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(text, encoding="utf-8")
    run_git(bureau.root, "config", "gpg.ssh.allowedSignersFile", str(allowed))
    commits = run_git(bureau.root, "rev-list", "HEAD").split()
    assert len(commits) == 10  # init, people, draft, 6 steps, publish
    for sha in commits:
        proc = subprocess.run(["git", "-C", str(bureau.root), "verify-commit", sha], capture_output=True, text=True)
        assert proc.returncode == 0, (sha, proc.stderr)


def test_openpgp_signer_goes_through_the_chain(bureau: Bureau) -> None:
    key = make_gpg_key("校对四", "p4@example.org")
    try:
        people.add_person(bureau.as_("admin").repo, "p4", "校对四", "办公室", ["proofreader"], key.fingerprint)
        steps.decide(bureau.as_("reviewer").repo, DOC, "review", True, "ok")
        steps.decide(bureau.as_("signer").repo, DOC, "sign", True, "ok")
        steps.decide(bureau.as_("office").repo, DOC, "check", True, "ok")
        steps.decide(bureau.as_("p1").repo, DOC, "proofread", True, "ok")
        steps.decide(bureau.as_("p2").repo, DOC, "proofread", True, "ok")
        use_gpg_key(bureau.root, key)
        steps.decide(bureau.repo, DOC, "proofread", True, "三校无误")
        st = bureau.state(DOC)
        proof = next(s for s in st.steps if s.name == "proofread")
        assert [a.person for a in proof.approvals] == ["p1", "p2", "p4"]
        assert st.state == "ready"
    finally:
        key.close()


def test_admin_merging_a_branch_does_not_launder_a_self_added_key(bureau: Bureau, tmp_path: Path) -> None:
    rogue = make_ssh_key(tmp_path / "rogue", "rogue")
    run_git(bureau.root, "checkout", "-q", "-b", "side")
    people_file = bureau.root / "policies/people.yaml"
    people_file.write_text(
        people_file.read_text(encoding="utf-8")
        + f"- id: rogue\n  name: 冒名\n  section: 办公室\n  roles: [reviewer]\n  keys: ['{rogue.line}']\n",
        encoding="utf-8",
    )
    bureau.commit_file("clerk", "policies/people.yaml", "加人")
    run_git(bureau.root, "checkout", "-q", "main")
    (bureau.root / "docs/2026/note.md").write_text("---\nid: note\n---\n", encoding="utf-8")
    bureau.commit_file("clerk", "docs/2026/note.md", "另一份")  # main moved on: a real merge follows
    bureau.as_("admin")
    run_git(bureau.root, "merge", "-q", "-S", "--no-edit", "side")
    use_ssh_key(bureau.root, rogue)
    with pytest.raises(RuleError):
        steps.decide(bureau.repo, DOC, "review", True, "通过")
    a = analyse(bureau.root)
    assert a.trust.head_policy.people.get("rogue") is None


def test_correction_to_withheld_needs_and_records_a_reason_code(bureau: Bureau) -> None:
    before = head(bureau)
    with pytest.raises(RuleError) as exc:  # 不予公开 without a reason code breaks a rule: refused, nothing written
        steps.correct_attribute(bureau.as_("reviewer").repo, DOC, "不予公开", "属于内部事务")
    assert exc.value.path == DOC and head(bureau) == before
    assert run_git(bureau.root, "status", "--porcelain") == ""
    steps.correct_attribute(bureau.repo, DOC, "不予公开", "属于内部事务", exemption="内部事务信息")
    st = bureau.state(DOC)
    assert st.doc.attribute == "不予公开" and st.doc.get("reason") == "内部事务信息"
    assert all(e.problem is None for e in st.events if e.step == "correct")


def test_one_publish_call_numbers_each_document_once(bureau: Bureau) -> None:
    """A batch gets consecutive numbers from one analysis; a document named twice is published once."""
    other = "docs/2026/2026-bgs-002.md"
    write_doc(bureau.root, other, id="2026-bgs-002", drafter="clerk")
    bureau.commit_file("clerk", other)
    chain(bureau)
    chain(bureau, other)
    results = steps.publish(bureau.as_("publisher").repo, [DOC, other, DOC])
    assert [r.index_number for r in results] == [
        "11500000MB1B37366Q/2026-00001", "11500000MB1B37366Q/2026-00002"]
    states = analyse(bureau.root).documents
    assert states[DOC].state == states[other].state == "published"
    assert {p.index_number for p in publications(bureau.root)} == {r.index_number for r in results}
