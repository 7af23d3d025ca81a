"""Golden files: the example bureau's 2025 report, rendered as Markdown and HTML.

The repository holds the example bureau's documents, registers and narrative as files. Its
publication records are the ones the demo's review chain produces (listed below), so that the
golden files do not depend on how long the demo takes to sign ~130 commits. Regenerate after an
intended change with ``GKCTL_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from gkctl.services import report as service
from gkctl.trail.workflow import PublicationRecord

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bureau"
GOLDEN = Path(__file__).resolve().parent / "golden"

# doc id -> (published, state, repeal notice, repeal date): the demo publishes each 主动公开 document
# once its chain completes, about a week after it is formed, and repeals the 2019 规范性文件.
PUBLISHED: dict[str, tuple[date, str, str | None, date | None]] = {
    "2019-fgk-003": (date(2019, 3, 22), "repealed", "已被《审计现场管理规定（2025年修订）》替代。", date(2025, 12, 10)),
    "2023-bgs-012": (date(2023, 7, 6), "published", None, None),
    "2024-bgs-017": (date(2024, 11, 13), "published", None, None),
    "2025-bgs-001": (date(2025, 1, 15), "published", None, None),
    "2025-bgs-021": (date(2025, 3, 25), "published", None, None),
    "2025-czk-009": (date(2025, 6, 18), "published", None, None),
    "2025-czk-015": (date(2025, 7, 9), "published", None, None),
    "2025-czk-004": (date(2025, 8, 28), "published", None, None),
    "2025-bgs-033": (date(2025, 10, 23), "published", None, None),
    "2026-bgs-001": (date(2026, 1, 14), "published", None, None),
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def example(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("docs", "attachments", "applications", "appeals", "reports"):
        shutil.copytree(EXAMPLE / folder, repo / folder, dirs_exist_ok=True)
    _git(repo, "add", "--", "docs", "attachments", "applications", "appeals", "reports")
    _git(repo, "commit", "-q", "-S", "-m", "示例机关的文件和登记")
    head = _git(repo, "rev-parse", "HEAD").strip()
    records = []
    for serial, (doc_id, (day, state, notice, notice_date)) in enumerate(sorted(PUBLISHED.items()), start=1):
        path = next(p.relative_to(repo).as_posix() for p in (repo / "docs").rglob(f"{doc_id}.md"))
        blob = _git(repo, "rev-parse", f"HEAD:{path}").strip()
        index = f"11500000MB1B37366Q/{day.year}-{serial:05d}"
        records.append(PublicationRecord(doc_id, path, blob, index, day, head, state, notice, notice_date))
    monkeypatch.setattr(service, "publication_records", lambda root, rev="HEAD": records)
    return repo


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_example_bureau_report_matches_golden(example: Path, cli, fmt: str) -> None:
    res = cli("report", "annual", "--year", "2025", "--format", fmt, cwd=example)
    assert res.exit_code == 0, res.output
    golden = GOLDEN / f"report-2025.{fmt}"
    if os.environ.get("GKCTL_UPDATE_GOLDEN") == "1":
        golden.write_text(res.stdout, encoding="utf-8")
    assert res.stdout == golden.read_text(encoding="utf-8"), f"{golden.name} differs; see the module docstring"


def test_example_figures_agree_with_the_tables(example: Path, cli) -> None:
    """Spot checks a reader of the golden file would make by hand."""
    import json

    data = json.loads(cli("report", "annual", "--year", "2025", "--format", "json", cwd=example).stdout)
    normative = data["table2"][1]["values"]
    assert normative == {"本年制发件数": 0, "本年废止件数": 1, "现行有效件数": 1}  # 2019-fgk-003 repealed 2025-12-10
    assert data["figures"]["主动公开信息数"] == 6  # the six 2025 publications above
    rows = {r["label"]: r["values"]["总计"] for r in data["table3"]}
    assert rows["一、本年新收政府信息公开申请数量"] == 24 and rows["二、上年结转政府信息公开申请数量"] == 2
    assert "全年新收政府信息公开申请24件，上年结转2件" in data["sections"]["一、总体情况"]
