"""The rendered tables have the official labels, order and merged cells; JSON has the promised shape."""

from __future__ import annotations

import json
import re
from datetime import date as d
from decimal import Decimal

import markdown
import nh3

from gkctl.core.policy import Office
from gkctl.report import render
from gkctl.report import tables as T
from gkctl.report.assemble import ReportData, assemble
from gkctl.report.compute import NormativeCounts
from gkctl.report.narrative import Narrative
from helpers.report import App, Case, html_tables

NARRATIVE = Narrative(
    "reports/2025/annual.yaml",
    sections={
        "一、总体情况": "本年度主动公开政府信息{主动公开信息数}条，收到申请{本年新收申请数}件。<script>x</script>",
        "五、存在的主要问题及改进情况": "问题……",
        "六、其他需要报告的事项": "无。",
    },
    table2={
        "规章": {T.T2_ISSUED: 0, T.T2_REPEALED: 0, T.T2_IN_FORCE: 0},
        "行政许可": {T.T2_DECISIONS: 0},
        "行政处罚": {T.T2_DECISIONS: 3},
        "行政强制": {T.T2_DECISIONS: 0},
        "行政事业性收费": {T.T2_FEES: Decimal("1.50")},
    },
)


CONTACT = {"office": Office("局办公室", "綦江区某路1号", "401420", "023-1234567"), "site_title": "区政府网站",
           "site_url": "https://example.gov.cn/"}


def _report():
    data = ReportData(
        year=2025,
        organisation="重庆市綦江区审计局",
        narrative=NARRATIVE,
        normative=NormativeCounts(2, 1, 7),
        published=31,
        applications=[
            App("a", d(2025, 1, 6), d(2025, 1, 20), "予以公开", None, "自然人", fee=200),
            App("b", d(2024, 12, 30), None, None, None, "商业企业"),
        ],
        appeals=[Case("f", "行政诉讼", "未经复议直接起诉", d(2025, 4, 1), "结果维持", d(2025, 9, 1))],
        **CONTACT,
    )
    report, found = assemble(data, today=d(2026, 1, 15))
    return report, found


def test_table3_layout_is_the_official_grid() -> None:
    report, _ = _report()
    _t2, t3, _t4 = html_tables(render.render_html(report))
    assert len(t3) == 28 and all(len(row) == 10 for row in t3)
    assert t3[0][:3] == [T.T3_NOTE] * 3 and t3[2][0] == T.T3_NOTE
    assert t3[0][3:] == ["申请人情况"] * 7
    assert t3[1][3:] == ["自然人", *["法人或其他组织"] * 5, "总计"]
    assert t3[2][3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    # every data row: its label path in the three label columns, as the format prints it
    for i, spec in enumerate(T.TABLE3_ROWS):
        labels = t3[3 + i][:3]
        if len(spec.labels) == 1:
            assert labels == [spec.labels[0]] * 3
        elif len(spec.labels) == 2:
            assert labels == [spec.labels[0], spec.labels[1], spec.labels[1]]
        else:
            assert labels == list(spec.labels)
    assert t3[3 + 6][:3] == ["三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"]
    assert t3[3 + 23][:3] == ["三、本年度办理结果", "（七）总计", "（七）总计"]
    assert t3[3][3:] == ["1", "0", "0", "0", "0", "0", "1"]  # 一 新收: a
    assert t3[27][3:] == ["0", "1", "0", "0", "0", "0", "1"]  # 四 结转: b


def test_table2_and_table4_layout() -> None:
    report, _ = _report()
    t2, _, t4 = html_tables(render.render_html(report))
    assert [row[0] for row in t2] == [
        "第二十条第（一）项", "信息内容", "规章", "行政规范性文件",
        "第二十条第（五）项", "信息内容", "行政许可",
        "第二十条第（六）项", "信息内容", "行政处罚", "行政强制",
        "第二十条第（八）项", "信息内容", "行政事业性收费",
    ]  # fmt: skip
    assert t2[0] == ["第二十条第（一）项"] * 4
    assert t2[1] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert t2[3] == ["行政规范性文件", "2", "1", "7"]
    assert t2[5] == ["信息内容", *["本年处理决定数量"] * 3]
    assert t2[13] == ["行政事业性收费", "1.5", "1.5", "1.5"]
    assert len(t4) == 4 and all(len(row) == 15 for row in t4)
    assert t4[0] == ["行政复议"] * 5 + ["行政诉讼"] * 10
    assert t4[1] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5
    assert t4[2][:5] == t4[1][:5] and t4[2][5:10] == t4[1][:5] == t4[2][10:]
    assert t4[3] == ["0"] * 5 + ["1", "0", "0", "0", "1"] + ["0"] * 5


def test_markdown_embeds_the_same_tables_and_survives_the_site_pipeline() -> None:
    report, _ = _report()
    text = render.render_markdown(report)
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == list(T.HEADINGS)
    html = nh3.clean(markdown.markdown(text))
    assert html_tables(html) == html_tables(render.render_html(report))


def test_narrative_figures_come_from_the_data_and_cannot_inject_script() -> None:
    report, _ = _report()
    assert report.sections["一、总体情况"].startswith("本年度主动公开政府信息31条，收到申请1件。")
    html = render.render_html(report)
    assert "<script>" not in html
    assert "本年度共收取信息处理费200元（涉及1件申请）。" in report.sections["六、其他需要报告的事项"]
    assert report.sections["六、其他需要报告的事项"].endswith("无。")


def test_json_shape() -> None:
    report, _ = _report()
    data = json.loads(json.dumps(render.to_json(report), ensure_ascii=False))
    assert data["year"] == 2025
    assert list(data["sections"]) == list(T.HEADINGS)
    assert len(data["table3"]) == 25
    assert data["table3"][6]["label"] == "三、本年度办理结果/（三）不予公开/3.危及“三安全一稳定”"
    assert list(data["table3"][0]["values"]) == list(T.T3_COLUMNS)
    assert data["table3"][0]["values"]["自然人"] == 1
    assert [r["label"] for r in data["table2"]] == ["规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"]
    assert data["table2"][1]["values"] == {"本年制发件数": 2, "本年废止件数": 1, "现行有效件数": 7}
    assert data["table2"][5]["values"] == {"本年收费金额（单位：万元）": 1.5}
    assert data["table4"]["行政复议"]["总计"] == 0
    assert data["table4"]["行政诉讼"]["未经复议直接起诉"] == {"结果维持": 1, "结果纠正": 0, "其他结果": 0, "尚未审结": 0, "总计": 1}


def test_late_report_warns_with_article_49() -> None:
    _, found = _report()
    assert found == []
    data = ReportData(2025, "局", NARRATIVE, NormativeCounts(), 0, [], [], **CONTACT)
    _, late = assemble(data, today=d(2026, 2, 1))
    assert [f.code for f in late] == ["GK711"] and "2026年1月31日" in late[0].message
    assert all(f.severity == "warning" for f in late)
    _, older = assemble(ReportData(2023, "局", NARRATIVE, NormativeCounts(), 0, [], [], **CONTACT), today=d(2026, 2, 1))
    assert older == []
    # judged by the publication, not by today: published 2026-01-28 is on time whatever today is
    on_time = ReportData(2025, "局", NARRATIVE, NormativeCounts(), 0, [], [], d(2026, 1, 28), "docs/2026/x.md", **CONTACT)
    assert assemble(on_time, today=d(2026, 12, 1))[1] == []
    late_pub = ReportData(2025, "局", NARRATIVE, NormativeCounts(), 0, [], [], d(2026, 2, 3), "docs/2026/x.md", **CONTACT)
    (f,) = assemble(late_pub, today=d(2026, 12, 1))[1]
    assert f.code == "GK711" and f.path == "docs/2026/x.md" and "2026-02-03" in f.message


def test_hand_entered_rows_of_table_two_that_are_missing_are_named() -> None:
    from dataclasses import replace

    partial = replace(NARRATIVE, table2={"行政许可": {T.T2_DECISIONS: 1}})
    _, found = assemble(ReportData(2023, "局", partial, NormativeCounts(), 0, [], [], **CONTACT), today=d(2026, 2, 1))
    assert {f.code for f in found} == {"GK714"} and all(f.path == "reports/2025/annual.yaml" for f in found)
    messages = " ".join(f.message for f in found)
    assert "table2.规章.本年制发件数" in messages and "table2.行政事业性收费" in messages
    assert "table2.行政许可" not in messages


def test_help_lists_every_placeholder() -> None:
    from gkctl.cli.report import annual

    report, _ = _report()
    assert annual.__doc__ is not None
    listed = set(re.findall(r"\{([^{}]+)\}", annual.__doc__))
    assert set(report.figures) == listed


def test_document_body_keeps_merged_cells_through_the_site_renderer() -> None:
    from gkctl.site.markdown import render_markdown as site_render

    report, _ = _report()
    body = render.render_markdown(report, with_title=False)
    assert not body.startswith("# ")
    assert html_tables(site_render(body)) == html_tables(render.render_html(report))


def test_carried_out_reads_back_from_a_rendered_report() -> None:
    from gkctl.report.readback import carried_out

    report, _ = _report()
    expected = dict(report.table3[24])
    assert carried_out(render.render_markdown(report)) == expected
    assert carried_out(render.render_html(report)) == expected
    assert carried_out("<p>没有表格</p>") is None
