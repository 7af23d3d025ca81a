"""Table 二's 行政规范性文件 row and the proactive count, from real signed publish and repeal steps."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from gkctl.services import steps
from helpers.docs import write_doc
from helpers.workflow import Bureau

# path -> (published, repealed or None); all 规范性文件 except the 工作信息 one
DOCS = {
    "docs/2024/2024-bgs-001.md": (date(2024, 5, 6), None),  # in force all of 2025
    "docs/2025/2025-bgs-001.md": (date(2025, 3, 10), date(2025, 12, 1)),  # issued and repealed in 2025
    "docs/2025/2025-bgs-002.md": (date(2025, 6, 3), None),  # issued in 2025, in force
    "docs/2025/2025-bgs-003.md": (date(2025, 2, 5), date(2026, 3, 2)),  # repealed only in 2026: in force at 2025's end
    "docs/2025/2025-bgs-004.md": (date(2025, 9, 1), None),  # 工作信息: counts as published, not as 规范性文件
}


@pytest.fixture
def bureau(repo: Path, admin_key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bureau:
    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    for rel, (published, repealed) in DOCS.items():
        doc_id = Path(rel).stem
        extra = {"category": "工作信息", "kind": "非公文"} if doc_id.endswith("004") else {}
        write_doc(repo, rel, id=doc_id, drafter="clerk", formed=published, **extra)
        b.commit_file("clerk", rel)
        steps.decide(b.as_("reviewer").repo, rel, "review", True, "公开属性准确")
        steps.decide(b.as_("signer").repo, rel, "sign", True, "同意")
        steps.decide(b.as_("office").repo, rel, "check", True, "复核无误，不涉密")
        for p in ("p1", "p2", "p3"):
            steps.decide(b.as_(p).repo, rel, "proofread", True, "校对无误")
        monkeypatch.setattr(steps, "today_beijing", lambda day=published: day)
        steps.publish(b.as_("publisher").repo, [rel], fetch=False)
        if repealed:
            steps.end_publication(b.as_("publisher").repo, rel, "repeal", "已被新规定替代。", repealed)
    return b


def test_table2_normative_row_from_the_history(bureau: Bureau, cli) -> None:
    res = cli("report", "annual", "--year", "2025", "--format", "json", cwd=bureau.root)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["table2"][1] == {
        "block": "第二十条第（一）项",
        "label": "行政规范性文件",
        "values": {"本年制发件数": 3, "本年废止件数": 1, "现行有效件数": 3},
    }
    assert data["figures"]["主动公开信息数"] == 4  # 2025-bgs-001..004
    last = json.loads(cli("report", "annual", "--year", "2024", "--format", "json", cwd=bureau.root).stdout)
    assert last["table2"][1]["values"] == {"本年制发件数": 1, "本年废止件数": 0, "现行有效件数": 1}


def _app(root: Path, app_id: str, received: str, replied: str) -> None:
    path = root / "applications" / received[:4] / f"{app_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"id: {app_id}\nreceived: {received}\nchannel: 网络\napplicant: {{type: 自然人, name: 王五}}\n"
                    f"request: 申请公开\nresult: 予以公开\nreplied: {replied}\n", encoding="utf-8")


def test_this_years_carry_in_is_checked_against_last_years_published_report(
    repo: Path, admin_key, tmp_path: Path, cli
) -> None:
    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    _app(repo, "2024-001", "2024-12-20", "2025-01-06")  # open at the end of 2024: carried into 2025
    narrative = repo / "reports" / "2024" / "annual.yaml"
    narrative.parent.mkdir(parents=True)
    narrative.write_text("sections:\n  总体情况: 概述。\n  存在的主要问题及改进情况: 无。\n", encoding="utf-8")
    res = cli("report", "annual", "--year", "2024", "--as-document", "--drafter", "clerk", cwd=repo)
    assert res.exit_code == 0, res.output
    rel = res.stdout.strip()
    b.commit_file("clerk", rel, "2024年年报")
    for step, who in (("review", "reviewer"), ("sign", "signer"), ("check", "office")):
        steps.decide(b.as_(who).repo, rel, step, True, "同意")
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, rel, "proofread", True, "校对无误")
    steps.publish(b.as_("publisher").repo, [rel], fetch=False)
    assert cli("report", "annual", "--year", "2025", cwd=repo).exit_code == 0
    # an application back-dated into 2024 after the 2024 report was published
    _app(repo, "2024-002", "2024-11-28", "2025-02-10")
    res = cli("report", "annual", "--year", "2025", cwd=repo)
    assert res.exit_code == 1
    assert "GK705" in res.stderr and rel in res.stderr
    assert "本年“上年结转”为 2，而上年年报“结转下年度继续办理”为 1" in res.stderr
