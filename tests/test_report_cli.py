"""`gkctl report annual` on a real repository: registers, narrative, checks, formats, --as-document."""

from __future__ import annotations

import json
from pathlib import Path

from gkctl.core.document import read_document
from helpers.report import html_tables

NARRATIVE = """\
sections:
  总体情况: |
    2025年，本局收到政府信息公开申请{本年新收申请数}件，上年结转{上年结转申请数}件。
  存在的主要问题及改进情况: |
    主动公开的及时性仍需提高。
  其他需要报告的事项: |
    无。
table2:
  规章: {本年制发件数: 0, 本年废止件数: 0, 现行有效件数: 0}
  行政许可: 0
  行政处罚: 2
  行政强制: 0
  行政事业性收费: 0
"""

APP = """\
id: {id}
received: {received}
channel: 网络
applicant: {{type: {type}, name: 某某}}
request: 申请公开某审计报告
{extra}"""


def _app(root: Path, app_id: str, received: str, type_: str, extra: str = "") -> None:
    path = root / "applications" / received[:4] / f"{app_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(APP.format(id=app_id, received=received, type=type_, extra=extra), encoding="utf-8")


def _bureau(repo: Path, narrative: str = NARRATIVE) -> Path:
    (repo / "reports" / "2025").mkdir(parents=True)
    (repo / "reports" / "2025" / "annual.yaml").write_text(narrative, encoding="utf-8")
    _app(repo, "2024-007", "2024-12-25", "自然人", "result: 予以公开\nreplied: 2025-01-08\n")
    _app(repo, "2025-001", "2025-03-03", "商业企业",
         "result: 不予公开\nresult_reason: 属于国家秘密\nreplied: 2025-03-20\nfee: 200\n")
    _app(repo, "2025-002", "2025-12-29", "法律服务机构")
    (repo / "appeals" / "2025").mkdir(parents=True)
    (repo / "appeals" / "2025" / "2025-F01.yaml").write_text(
        "id: 2025-F01\ntype: 行政复议\nfiled: 2025-05-10\napplication: 2025-001\nresult: 结果维持\ndecided: 2025-08-01\n",
        encoding="utf-8",
    )
    return repo


def test_json_report_counts_the_registers(repo: Path, cli) -> None:
    _bureau(repo)
    res = cli("report", "annual", "--year", "2025", "--format", "json", cwd=repo)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = {r["label"]: r["values"] for r in data["table3"]}
    assert rows["一、本年新收政府信息公开申请数量"]["总计"] == 2
    assert rows["二、上年结转政府信息公开申请数量"]["自然人"] == 1
    assert rows["三、本年度办理结果/（三）不予公开/1.属于国家秘密"]["商业企业"] == 1
    assert rows["四、结转下年度继续办理"]["法律服务机构"] == 1
    assert data["table4"]["行政复议"] == {"结果维持": 1, "结果纠正": 0, "其他结果": 0, "尚未审结": 0, "总计": 1}
    assert data["table2"][3] == {"block": "第二十条第（六）项", "label": "行政处罚", "values": {"本年处理决定数量": 2}}
    assert data["sections"]["一、总体情况"] == "2025年，本局收到政府信息公开申请2件，上年结转1件。"
    assert data["sections"]["六、其他需要报告的事项"] == "本年度共收取信息处理费200元（涉及1件申请）。\n\n无。"
    # run in 2026 after 31 January: the report for 2025 is late (条例 art. 49)
    assert "GK711" in res.stderr and "第四十九条" in res.stderr


def test_html_report_to_a_file(repo: Path, cli, tmp_path: Path) -> None:
    _bureau(repo)
    out = tmp_path / "out" / "report.html"
    res = cli("report", "annual", "--year", "2025", "--format", "html", "--out", str(out), cwd=repo)
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "<h1>重庆市綦江区审计局2025年政府信息公开工作年度报告</h1>" in html
    assert [len(t[0]) for t in html_tables(html)] == [4, 10, 15]
    assert res.stdout == ""


def test_last_years_published_carry_over_must_match(repo: Path, cli) -> None:
    _bureau(repo, NARRATIVE + "previous_year:\n  结转下年度继续办理: {自然人: 2, 总计: 2}\n")
    res = cli("report", "annual", "--year", "2025", cwd=repo)
    assert res.exit_code == 1
    assert res.stdout == ""
    assert "GK705" in res.stderr and "二、上年结转政府信息公开申请数量" in res.stderr and "“自然人”列" in res.stderr
    assert "reports/2025/annual.yaml" in res.stderr


def test_unknown_placeholder_names_file_and_line(repo: Path, cli) -> None:
    _bureau(repo, NARRATIVE.replace("{上年结转申请数}", "{上年结转数}"))
    res = cli("report", "annual", "--year", "2025", cwd=repo)
    assert res.exit_code == 2
    assert "reports/2025/annual.yaml:3:" in res.stderr and "上年结转数" in res.stderr
    assert "Traceback" not in res.output


def test_bad_application_result_is_an_input_error(repo: Path, cli) -> None:
    _bureau(repo)
    _app(repo, "2025-003", "2025-04-01", "自然人", "result: 不予公开\nresult_reason: 商业秘密\nreplied: 2025-04-10\n")
    res = cli("report", "annual", "--year", "2025", cwd=repo)
    assert res.exit_code == 2
    assert "2025-003" in res.stderr and "Traceback" not in res.output


def test_missing_narrative_warns_and_marks_the_gaps(repo: Path, cli) -> None:
    res = cli("report", "annual", "--year", "2024", cwd=repo)
    assert res.exit_code == 0, res.output
    assert res.stdout.count("（待填写）") == 2  # 一 and 五; 六 states the fee
    assert "本年度未收取信息处理费。" in res.stdout
    assert "GK710" in res.stderr


def test_as_document_writes_an_annual_report_document(repo: Path, cli) -> None:
    _bureau(repo)
    res = cli("report", "annual", "--year", "2025", "--as-document", "--drafter", "admin", cwd=repo)
    assert res.exit_code == 0, res.output
    rel = res.stdout.strip()
    assert rel.startswith("docs/2026/") and rel.endswith(".md")
    doc = read_document(repo, rel)
    assert doc.category == "政府信息公开年报"
    assert doc.attribute == "主动公开" and doc.meta["kind"] == "非公文" and doc.meta["drafter"] == "admin"
    assert doc.title == "重庆市綦江区审计局2025年政府信息公开工作年度报告"
    assert "## 三、收到和处理政府信息公开申请情况" in doc.body and "<table" in doc.body
    # running again updates the same document instead of creating a second one
    again = cli("report", "annual", "--year", "2025", "--as-document", "--drafter", "admin", cwd=repo)
    assert again.stdout.strip() == rel
    assert len(list((repo / "docs" / "2026").glob("*.md"))) == 1
    val = cli("validate", rel, cwd=repo)
    assert val.exit_code == 0, val.output


def test_as_document_refuses_an_incomplete_narrative(repo: Path, cli) -> None:
    res = cli("report", "annual", "--year", "2025", "--as-document", "--drafter", "admin", cwd=repo)
    assert res.exit_code == 2
    assert "reports/2025/annual.yaml" in res.stderr and "一、总体情况" in res.stderr
    assert not (repo / "docs" / "2026").exists()


def test_explain_lists_where_each_application_is_counted(repo: Path, cli) -> None:
    _bureau(repo)
    res = cli("report", "annual", "--year", "2025", "--explain", cwd=repo)
    assert res.exit_code == 0, res.output
    lines = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if line.count("│") >= 4}
    assert "二、三（一）、三（七）" in lines["2024-007"] and "自然人" in lines["2024-007"]
    assert "一、三（三）1、三（七）" in lines["2025-001"]
    assert "一、四" in lines["2025-002"]


def test_as_document_is_formed_on_the_commit_date(repo: Path, cli, monkeypatch) -> None:
    _bureau(repo)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-16T10:00:00+08:00")
    res = cli("report", "annual", "--year", "2025", "--as-document", "--drafter", "admin", cwd=repo)
    assert res.exit_code == 0, res.output
    assert str(read_document(repo, res.stdout.strip()).formed) == "2026-01-16"
