"""The 政府信息公开申请表 a 公开指南 attaches (seed art. 12(一); 条例 art. 29), as a Word file.

The standard layout: 申请人信息 for a 公民 or for a 法人或者其他组织, 所需政府信息情况 and the
获取信息的方式, then signature and date; headed with the bureau's name and the contact details
of its 受理机构 from gkctl.yaml, so the public knows where to send it. One A4 page.
"""

from __future__ import annotations

from docx.shared import Pt

from gkctl.core.policy import Office
from gkctl.report.render import Cell, Grid
from gkctl.report.word import SIZE_SMALL, Margins, WordWriter

CITIZEN = ("姓名", "工作单位", "证件名称", "证件号码", "联系电话", "联系传真", "通信地址", "邮政编码", "电子邮箱")
ORGANISATION = ("名称", "统一社会信用代码", "法定代表人", "联系人", "联系人电话", "联系传真", "通信地址", "邮政编码", "电子邮箱")
DESCRIPTION = "所需信息的名称、文号或者便于查询的其他特征性描述"
PURPOSE = "所需信息的用途（选填）"  # 条例 (2019) no longer asks for the purpose
WAYS = ("纸质", "电子邮件", "光盘", "自行领取", "邮寄")
NOTES = (
    "填表说明：",
    "1.公民申请的，填写“公民”栏；法人或者其他组织申请的，填写“法人或者其他组织”栏。",
    "2.所需信息请尽量写明名称、文号或者其他便于查询的特征；一份申请表可以申请多项信息。",
    "3.本表可以当面提交，也可以邮寄或者通过互联网提交（《中华人民共和国政府信息公开条例》第二十九条）。",
)
SIZE_FORM = Pt(12)  # 小四
WIDTHS = (1.3, 1.9, 2.5, 3.5, 2.6, 3.8)
BLANK = Cell("")


def _applicant(kind: str, labels: tuple[str, ...], first: list[Cell]) -> Grid:
    """Five rows: four pairs of fields, then 电子邮箱 across the row."""
    rows: Grid = []
    pairs = [labels[i : i + 2] for i in range(0, 8, 2)]
    for i, (a, b) in enumerate(pairs):
        line = list(first) if i == 0 else []
        if i == 0:
            line.append(Cell(kind, rowspan=5, header=True))
        line += [Cell(a, header=True), BLANK, Cell(b, header=True), BLANK]
        rows.append(line)
    rows.append([Cell(labels[8], header=True), Cell("", colspan=3)])
    return rows


def form_grid() -> Grid:
    """The form's table: 6 columns, 14 rows, the merges of the standard layout."""
    grid = _applicant("公民", CITIZEN, [Cell("申请人信息", rowspan=11, header=True)])
    grid += _applicant("法人或者其他组织", ORGANISATION, [])
    grid.append([Cell("申请人签名或者盖章", colspan=2, header=True), BLANK, Cell("申请时间", header=True), BLANK])
    grid.append([Cell("所需政府信息情况", rowspan=3, header=True), Cell(DESCRIPTION, colspan=2, header=True),
                 Cell("", colspan=3)])
    grid.append([Cell(PURPOSE, colspan=2, header=True), Cell("", colspan=3)])
    grid.append([Cell("获取信息的方式", colspan=2, header=True), Cell("  ".join("□" + w for w in WAYS), colspan=3)])
    return grid


HEIGHTS = (*(1.0,) * 11, 4.2, 2.0, 1.0)


def contact_line(office: Office) -> str:
    parts = [f"{label}：{value}" for label, value in (
        ("受理机构", office.name), ("地址", office.address), ("邮编", office.postcode), ("电话", office.phone),
        ("传真", office.fax), ("电子邮箱", office.email), ("办公时间", office.hours)) if value]  # fmt: skip
    return "　".join(parts)


def application_form(organisation: str, office: Office) -> bytes:
    """The bureau's 申请表 as a .docx."""
    w = WordWriter(Margins(top=2.5, bottom=2.5))
    w.title(f"{organisation}政府信息公开申请表")
    line = contact_line(office)
    if line:
        w.paragraph(line, indent=False, size=SIZE_SMALL)
    w.table(form_grid(), WIDTHS, 0, size=SIZE_FORM, heights=HEIGHTS)
    for note in NOTES:
        w.paragraph(note, indent=False, size=SIZE_SMALL)
    return w.to_bytes()
