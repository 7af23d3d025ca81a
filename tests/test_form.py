"""`gkctl form application`: the 政府信息公开申请表 as a Word file (and PDF), headed from gkctl.yaml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers.report import docx_matrix, docx_tables

OFFICE = {"name": "重庆市綦江区审计局办公室", "address": "重庆市綦江区古南街道示例路1号", "postcode": "401420",
          "phone": "023-48600000", "fax": "023-48600001", "email": "gk@qj-audit.example", "hours": "工作日9:00—18:00"}
CITIZEN = ["姓名", "工作单位", "证件名称", "证件号码", "联系电话", "联系传真", "通信地址", "邮政编码", "电子邮箱"]
ORGANISATION = ["名称", "统一社会信用代码", "法定代表人", "联系人", "联系人电话", "联系传真", "通信地址", "邮政编码", "电子邮箱"]


def _with_office(repo: Path, office: object = OFFICE) -> None:
    config = yaml.safe_load((repo / "gkctl.yaml").read_text(encoding="utf-8"))
    config["office"] = office
    (repo / "gkctl.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def test_form_has_every_field_of_the_standard_layout(repo: Path, cli, tmp_path: Path) -> None:
    from docx import Document

    _with_office(repo)
    out = tmp_path / "附件" / "政府信息公开申请表.docx"
    res = cli("form", "application", "--out", str(out), cwd=repo)
    assert res.exit_code == 0, res.output
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    org = yaml.safe_load((repo / "gkctl.yaml").read_text(encoding="utf-8"))["organisation"]["name"]
    assert texts[0] == f"{org}政府信息公开申请表"
    for value in OFFICE.values():  # the 受理机构's contact details head the form
        assert value in texts[1]
    (rows,) = docx_tables(out)
    m = docx_matrix(rows)
    assert len(m[0]) == 6 and len(m) == 14
    # 申请人信息 runs down the first 11 rows: 公民 (5 rows), 法人或者其他组织 (5 rows), signature and date
    assert [r[0] for r in m[:11]] == ["申请人信息"] * 11 and rows[0][0] == ("申请人信息", 1, "restart")
    assert [r[1] for r in m[:5]] == ["公民"] * 5 and [r[1] for r in m[5:10]] == ["法人或者其他组织"] * 5
    citizen = [x for r in m[:5] for x in (r[2], r[4])]
    assert [x for i, x in enumerate(citizen) if x and citizen.index(x) == i] == CITIZEN
    organisation = [x for r in m[5:10] for x in (r[2], r[4])]
    assert [x for i, x in enumerate(organisation) if x and organisation.index(x) == i] == ORGANISATION
    assert m[4][2] == "电子邮箱" and rows[4][-1] == ("", 3, None)  # one wide blank for the address
    assert m[10][1:5] == ["申请人签名或者盖章", "申请人签名或者盖章", "", "申请时间"]
    assert [r[0] for r in m[11:]] == ["所需政府信息情况"] * 3
    assert m[11][1] == "所需信息的名称、文号或者便于查询的其他特征性描述"
    assert m[12][1] == "所需信息的用途（选填）"
    assert m[13][1] == "获取信息的方式"
    for way in ("纸质", "电子邮件", "光盘", "自行领取", "邮寄"):
        assert "□" + way in m[13][3]
    assert round(doc.sections[0].page_width.mm) == 210


def test_form_without_office_warns_and_bad_office_is_refused(repo: Path, cli, tmp_path: Path) -> None:
    res = cli("form", "application", "--out", str(tmp_path / "f.docx"), cwd=repo)
    assert res.exit_code == 0 and "office" in res.stderr and (tmp_path / "f.docx").is_file()
    taken = tmp_path / "a-folder.docx"
    taken.mkdir()
    res = cli("form", "application", "--out", str(taken), cwd=repo)
    assert res.exit_code == 2 and "a-folder.docx" in res.stderr and "Traceback" not in res.output
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    _with_office(repo, {"name": "办公室", "telephone": "1"})
    res = cli("form", "application", "--out", str(tmp_path / "g.docx"), cwd=repo)
    assert res.exit_code == 2 and "gkctl.yaml:" in res.stderr and "telephone" in res.stderr
    assert "Traceback" not in res.output and not (tmp_path / "g.docx").exists()
    _with_office(repo, ["办公室"])
    res = cli("form", "application", "--out", str(tmp_path / "g.docx"), cwd=repo)
    assert res.exit_code == 2 and "office" in res.stderr


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext is not installed; the PDF form check is skipped")
def test_form_as_pdf_is_one_page(repo: Path, cli, tmp_path: Path) -> None:
    _with_office(repo)
    out = tmp_path / "申请表.pdf"
    res = cli("form", "application", "--out", str(out), cwd=repo)
    assert res.exit_code == 0, res.output
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")] == ["1"]
    text = "".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout.split())
    for label in ("政府信息公开申请表", "申请人签名或者盖章", "统一社会信用代码", "获取信息的方式", "401420"):
        assert label in text
