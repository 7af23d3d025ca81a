"""`gkctl assess`: per-section figures from real signed steps, and the draft 考核意见."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from gkctl.services import steps
from gkctl.services.report import assessment, render_assessment
from gkctl.services.repository import Repository
from helpers.docs import write_doc
from helpers.report import built_once, clone
from helpers.workflow import full_chain, new_bureau

ON_TIME = "docs/2026/2026-bgs-001.md"  # 办公室, formed 2026-06-29, published 2026-07-01
LATE = "docs/2026/2026-bgs-002.md"  # 办公室, formed 2026-03-02, published 2026-07-01 (limit 2026-03-30)
CORRECTED = "docs/2026/2026-czk-001.md"  # 财政审计科, 主动公开 corrected to 依申请公开 at review
REJECTED = "docs/2026/2026-czk-002.md"  # 财政审计科, rejected once; formed 2026-09-01, never published
TODAY = date(2026, 11, 26)


def _build(root: Path, keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = root
    b = new_bureau(root, keys)
    monkeypatch.setattr(steps, "today_beijing", lambda: date(2026, 7, 1))
    write_doc(repo, ON_TIME, drafter="clerk")
    write_doc(repo, LATE, id="2026-bgs-002", category="工作信息", kind="非公文", formed=date(2026, 3, 2),
              drafter="clerk")
    write_doc(repo, CORRECTED, id="2026-czk-001", category="本机关政策文件", section="财政审计科",
              formed=date(2026, 6, 20), drafter="clerk")
    write_doc(repo, REJECTED, id="2026-czk-002", category="工作信息", kind="非公文", section="财政审计科",
              formed=date(2026, 9, 1), drafter="clerk")
    for rel in (ON_TIME, LATE, CORRECTED, REJECTED):
        b.commit_file("clerk", rel)
    for rel in (ON_TIME, LATE):
        full_chain(b, rel)
        steps.publish(b.as_("publisher").repo, [rel], fetch=False)
    steps.correct_attribute(b.as_("reviewer").repo, CORRECTED, "依申请公开", "过程性信息，应依申请公开")
    steps.decide(b.as_("reviewer").repo, REJECTED, "review", False, "请补充数据来源")
    for name, body in {
        "2026-001": "received: 2026-03-02\nresult: 予以公开\nreplied: 2026-03-10\n",  # on time
        "2026-002": "received: 2026-04-01\nresult: 予以公开\nreplied: 2026-06-30\n",  # late
        "2026-003": "received: 2026-10-09\n",  # open past its deadline
    }.items():
        path = repo / "applications" / "2026" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"id: {name}\nchannel: 网络\napplicant: {{type: 自然人, name: 王五}}\nrequest: 申请公开\n{body}",
                        encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(_build, tmp_path_factory, "assess")


@pytest.fixture
def bureau(built: Path, tmp_path: Path) -> Path:
    """A private copy of the module's bureau (read-only tests could share it; a copy keeps them independent)."""
    return clone(built, tmp_path / "bureau")


def test_per_section_figures(bureau: Path) -> None:
    result = assessment(Repository(bureau, today=TODAY), 2026)
    by = {s.section: s for s in result.sections}
    office, finance = by["办公室"], by["财政审计科"]
    assert (office.drafted, office.proactive, office.on_time, office.late, office.overdue) == (2, 2, 1, 1, 0)
    assert office.timely_rate == "50%" and office.late_items == ["2026-bgs-002"]
    assert (office.applications, office.applications_on_time, office.applications_overdue_open) == (2, 1, 1)
    # the corrected one is no longer 主动公开; the rejected one (formed 2026-09-01) is past its limit, unpublished
    assert (finance.drafted, finance.proactive, finance.overdue, finance.corrected, finance.rejections) == (2, 1, 1, 1, 1)
    assert finance.corrected_items == ["2026-czk-001"]
    assert "经济责任审计科" in by and by["经济责任审计科"].drafted == 0  # every section of the bureau is listed


def test_draft_opinion_and_formats(bureau: Path, cli) -> None:
    text = render_assessment(assessment(Repository(bureau, today=TODAY), 2026), "md")
    assert "| 办公室 | 2 | 2 | 1 | 1 | 0 | 50% | 0 | 0 | 2 | 1 |" in text
    assert "2026年，财政审计科拟稿政务信息2件，其中主动公开1件，按时公开0件（及时率0%），逾期尚未公开1件，" \
           "审核中更正公开属性1件，退回修改1件。" in text
    assert "公开属性源头认定的准确性有待加强" in text and "考核等次：________" in text
    res = cli("assess", "--year", "2026", "--format", "json", cwd=bureau)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    office = next(s for s in data["sections"] if s["section"] == "办公室")
    assert office["timely_rate"] == "50%" and office["opinion"].startswith("2026年，办公室拟稿政务信息2件")
    bad = cli("assess", "--year", "2031", cwd=bureau)
    assert bad.exit_code == 2 and "2031" in bad.stderr
