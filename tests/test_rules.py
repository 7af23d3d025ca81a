"""Each validation rule: one case that trips it, and the valid document that does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gkctl.core.secrecy import id_card_valid, luhn_valid
from helpers.cli import run_cli
from helpers.docs import DROP, write_doc

REL = "docs/2026/2026-bgs-001.md"
# A real-format 身份证号 with a valid checksum (GB 11643) and a Luhn-valid card number.
ID_OK = "11010519491231002X"
CARD_OK = "6222021234567890128"


def codes(repo: Path, *args: str) -> tuple[int, list[dict]]:
    r = run_cli("validate", *args, "--format", "json", cwd=repo)
    assert "Traceback" not in r.output
    return r.exit_code, json.loads(r.stdout)["findings"]


def test_valid_document_has_no_findings(repo: Path) -> None:
    write_doc(repo)
    code, findings = codes(repo, REL)
    assert findings == [] and code == 0


CASES = [
    ("GK101", {"attribute": DROP}, None),
    ("GK102", {"attribute": "公开"}, None),
    ("GK103", {"basis": DROP}, None),
    ("GK104", {"basis": ["领导要求"]}, None),
    ("GK105", {"attribute": "不予公开", "basis": DROP}, None),
    ("GK106", {"attribute": "不予公开", "reason": "不想公开"}, None),
    ("GK107", {"secrecy": "秘密", "secrecy_period": "10年"}, None),
    ("GK108", {"attribute": "不予公开", "reason": "国家秘密", "secrecy": "机密"}, None),
    ("GK109", {"secrecy": "内部"}, None),
    ("GK110", {"sensitive": True}, None),
    ("GK111", {"doc_number": DROP}, None),
    ("GK112", {"doc_number": "綦审发2026年12号"}, None),
    ("GK113", {"doc_number": "綦审发[2026]12号"}, None),
    ("GK113", {"doc_number": "綦审发（2026）12号"}, None),
    ("GK114", {"kind": "通知"}, None),
    ("GK115", {"title": ""}, None),
    ("GK116", {"formed": DROP}, None),
    ("GK117", {"formed": "2099-01-01"}, None),
    ("GK118", {"category": "杂项"}, None),
    ("GK119", {"drafter": "nobody"}, None),
    ("GK120", {"section": "宣传科"}, None),
    ("GK122", {"attachments": [{"file": "attachments/2026/缺失.pdf", "title": "附件"}]}, None),
    ("GK123", {"attachments": [{"file": "../../etc/passwd", "title": "附件"}]}, None),
    ("GK123", {"attachments": [{"file": "/etc/passwd", "title": "附件"}]}, None),
    ("GK125", {"id": "../evil"}, None),
    ("GK150", {}, "本文件密级：机密★10年\n"),
    ("GK151", {}, f"联系人身份证号：{ID_OK}。\n"),
    ("GK152", {}, f"收款账号 {CARD_OK}\n"),
    ("GK153", {}, "联系电话 13812345678\n"),
]


@pytest.mark.parametrize(("code", "overrides", "body"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_trips(repo: Path, code: str, overrides: dict, body: str | None) -> None:
    write_doc(repo, body=body, **overrides)
    exit_code, findings = codes(repo, REL)
    found = [f for f in findings if f["code"] == code]
    assert found, findings
    assert exit_code == 1
    f = found[0]
    assert f["severity"] == "error" and f["path"] == REL and isinstance(f["line"], int) and f["message"]


def test_finding_line_is_the_offending_key(repo: Path) -> None:
    path = write_doc(repo, doc_number="綦审发[2026]12号")
    _, findings = codes(repo, REL)
    line = next(f["line"] for f in findings if f["code"] == "GK113")
    assert path.read_text().split("\n")[line - 1].startswith("doc_number:")


def test_secrecy_hit_line_is_in_the_body(repo: Path) -> None:
    path = write_doc(repo, body="# 标题\n\n第一段。\n联系电话 13812345678\n")
    _, findings = codes(repo, REL)
    line = next(f["line"] for f in findings if f["code"] == "GK153")
    assert "13812345678" in path.read_text().split("\n")[line - 1]
    assert "13812345678" not in json.dumps(findings, ensure_ascii=False)  # masked in messages


def test_secrecy_is_a_warning_when_not_public(repo: Path) -> None:
    write_doc(repo, body="联系电话 13812345678\n", attribute="依申请公开", basis=DROP)
    exit_code, findings = codes(repo, REL)
    assert [f["severity"] for f in findings if f["code"] == "GK153"] == ["warning"]
    assert exit_code == 0


def test_numbers_that_are_not_personal_data_pass(repo: Path) -> None:
    body = "预算 123456789012 元；文号 綦审发〔2026〕12号；身份证号 110105194912310021（校验位错）。\n"
    write_doc(repo, body=body)
    _, findings = codes(repo, REL)
    assert [f["code"] for f in findings] == []


def test_unknown_key_warns_and_strict_makes_it_an_error(repo: Path) -> None:
    write_doc(repo, titel="拼错")
    exit_code, findings = codes(repo, REL)
    assert [(f["code"], f["severity"]) for f in findings] == [("GK124", "warning")] and exit_code == 0
    exit_code, findings = codes(repo, REL, "--strict")
    assert [(f["code"], f["severity"]) for f in findings] == [("GK124", "error")] and exit_code == 1


def test_duplicate_ids_across_files(repo: Path) -> None:
    write_doc(repo)
    write_doc(repo, "docs/2026/copy.md")
    _, findings = codes(repo)
    assert any(f["code"] == "GK121" and f["path"] == "docs/2026/copy.md" for f in findings)


def test_guide_for_the_year_with_application_form(repo: Path) -> None:
    _, findings = codes(repo)
    assert any(f["code"] == "GK130" for f in findings)
    (repo / "attachments/2026").mkdir(parents=True)
    (repo / "attachments/2026/申请表.docx").write_bytes(b"form")
    from datetime import date

    write_doc(repo, "docs/2026/guide.md", id="guide-2026", category="政府信息公开指南", kind="非公文",
              doc_number=DROP, formed=date.today().replace(month=1, day=5).isoformat(),
              attachments=[{"file": "attachments/2026/申请表.docx", "title": "政府信息公开申请表"}])  # fmt: skip
    _, findings = codes(repo)
    assert not any(f["code"] == "GK130" for f in findings), findings


def test_checksum_helpers() -> None:
    assert id_card_valid(ID_OK) and not id_card_valid("110105194912310021")
    assert luhn_valid("".join(CARD_OK)) and not luhn_valid("6222021234567890127")
