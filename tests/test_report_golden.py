"""Golden files: the example bureau's 2025 report, rendered as Markdown and HTML.

The repository holds the example bureau's documents, registers and narrative as files. Its
publication records are the ones the demo's review chain produces (listed in helpers/report.py), so that the
golden files do not depend on how long the demo takes to sign ~130 commits. Regenerate after an
intended change with ``GKCTL_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.report import example_bureau

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def example(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return example_bureau(repo, monkeypatch)


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
