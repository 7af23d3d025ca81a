"""The annual report as Word and PDF, and Markdown with plain tables, for the example bureau.

The .docx is read back with python-docx: the same labels and merged cells as the national
format (checked against the HTML report's tables, themselves checked against the format), every
figure equal to the JSON report, the 公文 page setup. Where LibreOffice is installed the PDF is
made and read with pdftotext.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from gkctl.report import tables as T
from helpers.report import W, docx_matrix, docx_tables, example_bureau, html_tables

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
needs_office = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice or pdftotext is not installed (apt-get install libreoffice-writer-nogui poppler-utils); "
    "the PDF check is skipped",
)


@pytest.fixture
def example(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return example_bureau(repo, monkeypatch)


def _report(cli, root: Path, fmt: str, out: Path | None = None, *extra: str):
    args = ["report", "annual", "--year", "2025", "--format", fmt, *extra]
    if out is not None:
        args += ["--out", str(out)]
    res = cli(*args, cwd=root)
    assert res.exit_code == 0, res.output
    return res


def test_word_report_has_the_national_tables_and_the_json_figures(example: Path, cli, tmp_path: Path) -> None:
    out = tmp_path / "年报2025.docx"
    _report(cli, example, "docx", out)
    data = json.loads(_report(cli, example, "json").stdout)
    html = html_tables(_report(cli, example, "html").stdout)
    tables = docx_tables(out)
    assert len(tables) == 3
    # cell for cell, merged cells included, the Word tables are the HTML report's tables
    assert [docx_matrix(t) for t in tables] == html

    two, three, four = tables
    # table 三: the note spans 3 columns and 3 rows; 申请人情况 spans the 7 number columns
    assert three[0][0] == (T.T3_NOTE, 3, "restart") and three[0][1] == (T.T3_APPLICANTS, 7, None)
    assert three[1][0] == ("", 3, "continue") and three[2][0] == ("", 3, "continue")
    assert three[1][2] == (T.T3_ORGS, 5, None)
    # 三、本年度办理结果 runs down rows 3-24 of the data; （三）不予公开 over its 8 sub-rows
    column0 = [row[0] for row in three[3:]]
    assert column0[2] == (T.T3_RESULTS, 1, "restart") and all(c[2] == "continue" for c in column0[3:24])
    assert column0[24] == ("四、结转下年度继续办理", 3, None)
    refused = [i for i, row in enumerate(three) if any(c[0] == "（三）不予公开" for c in row)]
    assert len(refused) == 1 and [three[refused[0] + k][1][2] for k in range(1, 8)] == ["continue"] * 7
    # table 四: 行政复议 over 5 columns, 行政诉讼 over 10, three header rows
    assert four[0] == [(T.T4_REVIEW, 5, None), (T.T4_LITIGATION, 10, None)]
    assert four[1][5:] == [(T.T4_DIRECT, 5, None), (T.T4_AFTER_REVIEW, 5, None)]
    assert two[0] == [("第二十条第（一）项", 4, None)]

    # every figure equals the JSON report's
    m3 = docx_matrix(three)
    for index, row in enumerate(data["table3"]):
        assert [int(x) for x in m3[3 + index][3:]] == [row["values"][c] for c in T.T3_COLUMNS], row["label"]
    m4 = docx_matrix(four)
    lit = data["table4"]["行政诉讼"]
    expected4 = [*data["table4"]["行政复议"].values(), *lit["未经复议直接起诉"].values(), *lit["复议后起诉"].values()]
    assert [int(x) for x in m4[3]] == expected4
    m2 = docx_matrix(two)
    normative = next(line for line in m2 if line[0] == T.T2_NORMATIVE)
    assert [int(x) for x in normative[1:]] == list(data["table2"][1]["values"].values())


def test_word_report_is_laid_out_as_offices_print_it(example: Path, cli, tmp_path: Path) -> None:
    out = tmp_path / "年报2025.docx"
    _report(cli, example, "docx", out)
    doc = Document(str(out))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    paras = [p for p in doc.paragraphs if p.text.strip()]
    title, opening = paras[0], paras[1]
    assert title.text == "重庆市綦江区审计局2025年政府信息公开工作年度报告"
    fonts = title.runs[0]._r.find(f"{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    assert opening.text.startswith("本报告依据《中华人民共和国政府信息公开条例》")
    assert "统计期限自2025年1月1日起至2025年12月31日止" in opening.text
    assert "https://www.cqqj.gov.cn/bm/qsjj/" in opening.text and "邮编：401420" in opening.text
    body = opening.runs[0]
    assert body._r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312" and body.font.size == Pt(16)
    headings = [p for p in paras if p.text in T.HEADINGS]
    assert [p.text for p in headings] == list(T.HEADINGS)
    for h in headings:  # 黑体, and never left alone at the bottom of a page
        assert h.runs[0]._r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "黑体"
        assert h.paragraph_format.keep_with_next
    assert [p.text for p in paras[-2:]] == ["重庆市綦江区审计局", "2026年1月16日"]  # the 落款
    # the header rows of tables 三 and 四 repeat on each page; no row splits across pages
    for table in doc.tables[1:]:
        flags = [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in table._tbl.iter(f"{W}tr")]
        assert flags[:3] == [True] * 3 and not any(flags[3:])
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for t in doc.tables for tr in t._tbl.iter(f"{W}tr"))
    # page numbers: a PAGE field in the footer
    footer = section.footer.paragraphs[0]._p
    assert any("PAGE" in (el.text or "") for el in footer.iter(f"{W}instrText"))
    # fonts a machine may lack name their fallback
    font_table = next(p for p in doc.part.package.iter_parts() if p.partname.endswith("/fontTable.xml")).blob.decode()
    assert 'w:name="仿宋_GB2312"' in font_table and 'w:val="仿宋"' in font_table
    assert 'w:name="方正小标宋简体"' in font_table and 'w:val="宋体"' in font_table


@needs_office
def test_pdf_report_through_libreoffice(example: Path, cli, tmp_path: Path) -> None:
    out = tmp_path / "年报2025.pdf"
    _report(cli, example, "pdf", out)
    assert out.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 4 <= pages <= 10, info
    text = subprocess.run([PDFTOTEXT, "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    for label in (*T.HEADINGS, "本年新收政府信息公开申请数量", "1.属于国家秘密", "未经复议直接起诉",
                  "2026年1月16日", "统计期限自2025年1月1日起至2025年12月31日止"):
        assert label in flat, label
    assert "—2—" in flat  # the footer's page number


def test_markdown_with_plain_tables_has_no_html(example: Path, cli) -> None:
    md = _report(cli, example, "md", None, "--tables", "plain").stdout
    data = json.loads(_report(cli, example, "json").stdout)
    assert "<table" not in md and "<t" not in md
    secret = next(r for r in data["table3"] if r["label"].endswith("1.属于国家秘密"))["values"]
    row = "| 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密 | " + " | ".join(str(secret[c]) for c in T.T3_COLUMNS) + " |"
    assert row in md.splitlines()
    # merged header cells are spelled out in every column they cover
    assert "| " + " | ".join([T.T3_NOTE] * 3 + [T.T3_APPLICANTS] * 7) + " |" in md
    assert md.rstrip().endswith("重庆市綦江区审计局\n\n2026年1月16日")


def test_html_report_prints_on_a4_with_page_numbers(example: Path, cli) -> None:
    html = _report(cli, example, "html").stdout
    assert "@page { size: A4" in html and "counter(page)" in html
    assert "thead { display: table-header-group; }" in html and "break-after: avoid" in html
    assert '<p class="signature">重庆市綦江区审计局<br>2026年1月16日</p>' in html


def test_files_need_out_and_plain_tables_need_markdown(example: Path, cli) -> None:
    res = cli("report", "annual", "--year", "2025", "--format", "docx", cwd=example)
    assert res.exit_code == 2 and "--out" in res.stderr and "Traceback" not in res.output
    res = cli("report", "annual", "--year", "2025", "--format", "html", "--tables", "plain", cwd=example)
    assert res.exit_code == 2 and "--format md" in res.stderr
    res = cli("report", "annual", "--year", "2025", "--format", "doc", cwd=example)
    assert res.exit_code == 2


def test_pdf_without_any_converter_says_what_to_install(example: Path, cli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bin"  # a PATH with git and nothing else
    bare.mkdir()
    (bare / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(bare))
    out = tmp_path / "年报.pdf"
    res = cli("report", "annual", "--year", "2025", "--format", "pdf", "--out", str(out), cwd=example)
    assert res.exit_code == 2 and "LibreOffice" in res.stderr and "libreoffice-writer-nogui" in res.stderr
    assert not out.exists()


def test_missing_contact_is_a_warning_and_a_bad_date_an_input_error(repo: Path, cli) -> None:
    (repo / "reports" / "2025").mkdir(parents=True)
    (repo / "reports" / "2025" / "annual.yaml").write_text("date: 16 January\n", encoding="utf-8")
    res = cli("report", "annual", "--year", "2025", "--format", "json", cwd=repo)
    assert res.exit_code == 2 and "reports/2025/annual.yaml:1" in res.stderr and "2026-01-16" in res.stderr
    (repo / "reports" / "2025" / "annual.yaml").write_text("date: 2026-01-20\n", encoding="utf-8")
    res = cli("report", "annual", "--year", "2025", "--format", "json", cwd=repo)
    assert res.exit_code == 0, res.output
    assert "GK716" in res.stderr and "address" in res.stderr
    assert json.loads(res.stdout)["signature"]["date"] == "2026-01-20"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None or PDFTOTEXT is None,
                    reason="chromium or pdftotext is not installed; the chromium PDF route is not checked")
def test_pdf_through_chromium_where_libreoffice_is_missing(example: Path, cli, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bin"  # git and chromium, no LibreOffice
    bare.mkdir()
    for tool in ("git", "chromium"):
        (bare / tool).symlink_to(shutil.which(tool) or tool)
    monkeypatch.setenv("PATH", f"{bare}:/bin")  # the chromium launcher is a shell script
    out = tmp_path / "年报.pdf"
    _report(cli, example, "pdf", out)
    info = subprocess.run(["/usr/bin/pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    text = "".join(subprocess.run([PDFTOTEXT, str(out), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "—1—" in text and "—2—" in text and "四、结转下年度继续办理" in text and "2026年1月16日" in text


def test_site_stylesheet_prints_reports_on_a4() -> None:
    css = (Path(__file__).resolve().parent.parent / "templates" / "site" / "static" / "site.css").read_text(encoding="utf-8")
    assert "@page { size: A4" in css and "counter(page)" in css and ".body thead { display: table-header-group; }" in css
    assert "h1, h2, h3, h4 { break-after: avoid; }" in css  # the site shifts a document's headings down a level
