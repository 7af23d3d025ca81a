"""`gkctl audit` on a real signed history: each finding cites the seed article it breaches."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from gkctl.services import steps
from gkctl.services.report import audit_findings
from gkctl.services.repository import Repository
from helpers.docs import write_doc
from helpers.report import built_once, clone
from helpers.workflow import Bureau, full_chain, new_bureau, run_git

DOC = "docs/2026/2026-bgs-001.md"  # 规范性文件 formed 2026-06-29: published on time
LATE = "docs/2026/2026-bgs-002.md"  # formed 2026-03-02, published 2026-07-01: late
GUIDE = "docs/2026/2026-bgs-003.md"  # the 2026 公开指南, published without the application form
TODAY = date(2026, 11, 26)


def _publish(b: Bureau, ref: str, day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "today_beijing", lambda: day)
    steps.publish(b.as_("publisher").repo, [ref], fetch=False)


def _trailer_commit(b: Bureau, pid: str, subject: str, trailers: dict[str, str]) -> str:
    """A step commit made by hand (not through gkctl), as someone bypassing the tool would."""
    b.as_(pid)
    message = subject + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items()) + "\n"
    run_git(b.root, "commit", "-q", "-S", "--allow-empty", "-F", "-", input=message)
    return run_git(b.root, "rev-parse", "HEAD").strip()


def _build(root: Path, keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = new_bureau(root, keys)
    write_doc(root, DOC, drafter="clerk")
    b.commit_file("clerk", DOC)
    full_chain(b, DOC)
    _publish(b, DOC, date(2026, 7, 1), monkeypatch)
    write_doc(root, LATE, id="2026-bgs-002", title="区审计局召开2026年审计工作会议", category="工作信息", kind="非公文",
              doc_number=None, formed=date(2026, 3, 2), drafter="clerk")
    b.commit_file("clerk", LATE)
    full_chain(b, LATE)
    _publish(b, LATE, date(2026, 7, 1), monkeypatch)
    write_doc(root, GUIDE, id="2026-bgs-003", title="重庆市綦江区审计局政府信息公开指南（2026年）",
              category="政府信息公开指南", kind="非公文", doc_number=None, formed=date(2026, 1, 5), drafter="clerk")
    b.commit_file("clerk", GUIDE)
    full_chain(b, GUIDE)
    _publish(b, GUIDE, date(2026, 1, 9), monkeypatch)
    (root.parent / "keys.json").write_text(json.dumps({k: [str(v.private), v.line] for k, v in b.keys.items()}))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(_build, tmp_path_factory, "audit")


@pytest.fixture
def bureau(built: Path, tmp_path: Path) -> Bureau:
    """A private copy of the module's bureau: three documents through the chain, one late, one a guide."""
    from helpers.sig import SshKey, use_ssh_key

    b = Bureau.__new__(Bureau)
    b.root = clone(built, tmp_path / "bureau")
    keys = json.loads((built.parent / "keys.json").read_text())
    b.keys = {k: SshKey(Path(p), Path(p + ".pub"), line) for k, (p, line) in keys.items()}
    b._use = use_ssh_key
    return b


def _audit(root: Path, year: int | None = 2026):
    return audit_findings(Repository(root, today=TODAY), year)[1]


def _codes(found) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in found:
        out.setdefault(f.code, []).append(f)
    return out


def test_findings_of_a_year_name_the_document_and_the_article(bureau: Bureau) -> None:
    found = _codes(_audit(bureau.root))
    [late] = found["GK801"]
    assert late.path == LATE and late.severity == "error"
    assert "2026-03-30" in late.message and "2026-07-01" in late.message  # due date, published date
    assert "第十二条" in late.message and "第二十二条第（二）项" in late.message
    [guide] = found["GK803"]
    assert guide.path == GUIDE and "申请表" in guide.message
    assert "GK802" not in found  # the 2026 guide exists
    assert not {"GK804", "GK805", "GK806", "GK807", "GK811"} & set(found)


def test_changes_after_sign_off_and_unsigned_content(bureau: Bureau) -> None:
    path = bureau.root / DOC
    path.write_text(path.read_text(encoding="utf-8") + "\n发布后又改了一句。\n", encoding="utf-8")
    bureau.commit_file("clerk", DOC, "改一句")
    (bureau.root / LATE).write_text((bureau.root / LATE).read_text(encoding="utf-8") + "\n无签名修改。\n",
                                    encoding="utf-8")
    run_git(bureau.root, "commit", "-q", "--no-gpg-sign", "-am", "无签名修改")
    register = bureau.root / "applications" / "2026" / "2026-001.yaml"
    register.parent.mkdir(parents=True)
    register.write_text("id: 2026-001\nreceived: 2026-11-20\nchannel: 网络\napplicant: {type: 自然人, name: 王五}\n"
                        "request: 申请公开\n", encoding="utf-8")
    run_git(bureau.root, "add", "applications")
    run_git(bureau.root, "commit", "-q", "--no-gpg-sign", "-m", "无签名登记")
    found = _codes(_audit(bureau.root))
    changed = {f.path for f in found["GK806"]}
    assert changed == {DOC, LATE}
    assert any("张三" in f.message or "clerk" in f.message for f in found["GK806"] if f.path == DOC)
    unsigned, register_change = found["GK805"]
    assert "无签名修改" in unsigned.message and "第二十二条第（八）项" in unsigned.message
    assert "无签名登记" in register_change.message


def test_hand_made_publication_without_chain_and_repeal_without_notice(bureau: Bureau) -> None:
    draft = "docs/2026/2026-bgs-004.md"
    write_doc(bureau.root, draft, id="2026-bgs-004", drafter="clerk")
    bureau.commit_file("clerk", draft)
    blob = run_git(bureau.root, "rev-parse", f"HEAD:{draft}").strip()
    _trailer_commit(bureau, "publisher", "发布：未审先发", {
        "Gkctl-Step": "publish", "Gkctl-Document": "2026-bgs-004", "Gkctl-Path": draft, "Gkctl-Blob": blob,
        "Gkctl-Index": "11500000MB1B37366Q/2026-00099", "Gkctl-Published": "2026-08-01",
    })  # fmt: skip
    doc_blob = run_git(bureau.root, "rev-parse", f"HEAD:{DOC}").strip()
    _trailer_commit(bureau, "publisher", "废止：制度", {
        "Gkctl-Step": "repeal", "Gkctl-Document": "2026-bgs-001", "Gkctl-Path": DOC, "Gkctl-Blob": doc_blob,
        "Gkctl-Date": "2026-08-10",
    })  # fmt: skip
    found = _codes(_audit(bureau.root))
    [invalid] = found["GK804"]
    assert invalid.path == draft and "第二十二条第（六）项" in invalid.message
    [repeal] = found["GK811"]
    assert repeal.path == DOC and "2026-08-10" in repeal.message and "第十三条" in repeal.message


def test_overdue_application_and_missing_annual_report(bureau: Bureau) -> None:
    app = bureau.root / "applications" / "2026" / "2026-001.yaml"
    app.parent.mkdir(parents=True)
    app.write_text("id: 2026-001\nreceived: 2026-09-01\nchannel: 网络\napplicant: {type: 自然人, name: 王五}\n"
                   "request: 申请公开某审计报告\n", encoding="utf-8")
    found = _codes(_audit(bureau.root))
    [overdue] = found["GK808"]
    assert overdue.path == "applications/2026/2026-001.yaml" and "至今未答复" in overdue.message
    assert "第十五条第（三）项" in overdue.message
    last_year = _codes(_audit(bureau.root, 2025))
    assert next(f.message for f in last_year["GK809"]).startswith("2025 年政府信息公开工作年度报告没有发布")
    assert "GK802" in last_year  # no 2025 guide either


def test_guide_title_must_name_the_year(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    untitled = "docs/2026/2026-bgs-005.md"
    write_doc(bureau.root, untitled, id="2026-bgs-005", title="重庆市綦江区审计局政府信息公开指南",
              category="政府信息公开指南", kind="非公文", doc_number=None, formed=date(2026, 2, 2), drafter="clerk",
              attachments=[{"file": "attachments/2026/申请表.pdf", "title": "政府信息公开申请表"}])
    (bureau.root / "attachments" / "2026").mkdir(parents=True)
    (bureau.root / "attachments" / "2026" / "申请表.pdf").write_bytes(b"%PDF-1.4\n")
    run_git(bureau.root, "add", "attachments")
    bureau.commit_file("clerk", untitled)
    full_chain(bureau, untitled)
    _publish(bureau, untitled, date(2026, 2, 10), monkeypatch)
    found = _codes(_audit(bureau.root))
    [warning] = found["GK814"]
    assert warning.path == untitled and warning.severity == "warning" and "注明年份" in warning.message
    assert [f.path for f in found["GK803"]] == [GUIDE]  # this one has the form


def test_cli_exit_code_and_json(bureau: Bureau, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    res = cli("audit", "--year", "2026", "--format", "json", cwd=bureau.root)
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert data["years"] == [2026] and data["errors"] >= 2
    late = next(f for f in data["findings"] if f["code"] == "GK801")
    assert set(late) == {"code", "severity", "path", "line", "message", "article"}
    assert late["article"].startswith("制度第十二条")
    text = cli("audit", "--year", "2026", cwd=bureau.root)
    assert text.exit_code == 1 and "GK801" in text.stdout and "个错误" in text.stdout


def test_publication_without_secrecy_review(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin drops the office check from the chain; what is published after that lacks 保密审查."""
    wf = bureau.root / "policies" / "workflow.yaml"
    wf.write_text(wf.read_text(encoding="utf-8").replace("default: [review, sign, check, proofread]",
                                                         "default: [review, sign, proofread]"), encoding="utf-8")
    bureau.commit_file("admin", "policies/workflow.yaml", "精简流程")
    rel = "docs/2026/2026-bgs-006.md"
    write_doc(bureau.root, rel, id="2026-bgs-006", category="工作信息", kind="非公文", doc_number=None,
              formed=date(2026, 8, 3), drafter="clerk")
    bureau.commit_file("clerk", rel)
    steps.decide(bureau.as_("reviewer").repo, rel, "review", True, "公开属性准确")
    steps.decide(bureau.as_("signer").repo, rel, "sign", True, "同意")
    for p in ("p1", "p2", "p3"):
        steps.decide(bureau.as_(p).repo, rel, "proofread", True, "校对无误")
    _publish(bureau, rel, date(2026, 8, 10), monkeypatch)
    found = _codes(_audit(bureau.root))
    [unchecked] = found["GK807"]
    assert unchecked.path == rel and unchecked.severity == "error" and "第二十二条第（九）项" in unchecked.message


def test_tampered_commit_has_a_bad_signature(bureau: Bureau) -> None:
    """A signed commit whose message was altered afterwards keeps its signature, which no longer verifies."""
    raw = run_git(bureau.root, "cat-file", "commit", "HEAD")
    assert "gpgsig" in raw
    forged = raw.replace("发布：", "发布（改）：", 1)
    assert forged != raw
    sha = run_git(bureau.root, "hash-object", "-t", "commit", "-w", "--stdin", input=forged).strip()
    run_git(bureau.root, "update-ref", "refs/heads/main", sha)
    found = _codes(_audit(bureau.root))
    [bad] = [f for f in found["GK805"] if f.message.startswith(f"提交 {sha[:10]}")]
    assert "签名无效" in bad.message and bad.severity == "error"


def test_every_audit_code_has_an_article_and_both_languages() -> None:
    from gkctl.core.i18n import catalogue
    from gkctl.report.audit import RULES

    cat = catalogue()
    for code, (key, art) in RULES.items():
        assert code.startswith("GK8") and art.startswith(("制度第", "条例第"))
        assert set(cat[key]) >= {"zh", "en"}, key
    report_keys = [k for k in cat if k.startswith(("report.", "audit."))]
    assert all(cat[k].get("zh") and cat[k].get("en") for k in report_keys)
