"""Table 二's 行政规范性文件 row and the proactive count, from real signed publish and repeal steps."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from docs_helpers import write_doc
from gkctl.services import steps
from workflow_helpers import Bureau

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
