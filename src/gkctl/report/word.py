"""Word files in the layout Chinese offices print and submit (GB/T 9704 公文 conventions).

A4, title in 方正小标宋简体 二号, body 仿宋_GB2312 三号 on a fixed 28-point line, headings 黑体,
page numbers "— 1 —" in the footer. Fonts a machine may lack name their fallback (宋体, 仿宋) in
the font table, which Word and LibreOffice use for substitution. Tables take the same grids of
merged cells as the HTML report, written as ``gridSpan``/``vMerge`` so the merges are real.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from gkctl.report import tables as T
from gkctl.report.model import AnnualReport
from gkctl.report.render import Grid, grid2, grid3, grid4, slots


@dataclass(frozen=True, slots=True)
class Font:
    name: str
    fallback: str


TITLE_FONT = Font("方正小标宋简体", "宋体")
BODY_FONT = Font("仿宋_GB2312", "仿宋")
HEADING_FONT = Font("黑体", "黑体")
TABLE_FONT = Font("仿宋_GB2312", "仿宋")
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_FOOTER = Pt(14)  # 四号
SIZE_TABLE = Pt(10.5)  # 五号
SIZE_SMALL = Pt(9)  # 小五
LINE = Pt(28)  # 公文: 22 lines of 28 characters on a page
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)


@dataclass(frozen=True, slots=True)
class Margins:
    top: float = 3.7
    bottom: float = 3.5
    left: float = 2.8
    right: float = 2.6

    @property
    def text_width(self) -> float:
        return 21 - self.left - self.right


def _set_font(run_or_style_font: object, element: object, font: Font, size: Length, bold: bool = False) -> None:
    f = run_or_style_font
    f.name = font.name  # type: ignore[attr-defined]
    f.size = size  # type: ignore[attr-defined]
    f.bold = bold  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font.name)


def _on(parent: object, tag: str) -> None:
    """Add a switched-on property element (``<w:tblHeader/>``, ``<w:cantSplit/>``)."""
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    parent.append(el)  # type: ignore[attr-defined]


class WordWriter:
    """One document being written; ``to_bytes`` gives the .docx file."""

    def __init__(self, margins: Margins | None = None) -> None:
        self.margins = margins or Margins()
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = Cm(self.margins.top), Cm(self.margins.bottom)
        section.left_margin, section.right_margin = Cm(self.margins.left), Cm(self.margins.right)
        section.footer_distance = Cm(2.2)
        normal = self.doc.styles["Normal"]
        _set_font(normal.font, normal.element, BODY_FONT, SIZE_BODY)
        self._page_numbers()
        self._fallbacks((TITLE_FONT, BODY_FONT, HEADING_FONT, TABLE_FONT))

    def _fallbacks(self, fonts: Sequence[Font]) -> None:
        """Name each font's fallback in word/fontTable.xml (``w:altName``)."""
        part = next(p for p in self.doc.part.package.iter_parts() if p.partname.endswith("/fontTable.xml"))
        root = parse_xml(part.blob)
        for font in fonts:
            if font.fallback == font.name or root.find(f"{qn('w:font')}[@{qn('w:name')}='{font.name}']") is not None:
                continue
            el = OxmlElement("w:font")
            el.set(qn("w:name"), font.name)
            alt = OxmlElement("w:altName")
            alt.set(qn("w:val"), font.fallback)
            el.append(alt)
            charset = OxmlElement("w:charset")
            charset.set(qn("w:val"), "86")  # GB2312
            el.append(charset)
            root.append(el)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _page_numbers(self) -> None:
        """"— N —" centred in the footer, as a PAGE field so every page shows its own number."""
        p = self.doc.sections[0].footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(p, "— ", TABLE_FONT, SIZE_FOOTER)
        for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
            run = p.add_run()
            _set_font(run.font, run._r, TABLE_FONT, SIZE_FOOTER)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._r.append(instr)
            elif kind == "text":
                run.text = text or ""
            else:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                run._r.append(fld)
        self._run(p, " —", TABLE_FONT, SIZE_FOOTER)

    @staticmethod
    def _run(p: Paragraph, text: str, font: Font, size: Length, bold: bool = False) -> None:
        run = p.add_run(text)
        _set_font(run.font, run._r, font, size, bold)

    def _para(self, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False, exact: bool = True,
              size: Length = SIZE_BODY) -> Paragraph:
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        if exact:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = LINE if size >= SIZE_BODY else Pt(round(size.pt * 1.6))
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.widow_control = True
        if indent:
            fmt.first_line_indent = Pt(32)  # two characters of 三号
        if align is not None:
            p.alignment = align
        return p

    def title(self, text: str) -> None:
        p = self._para(WD_ALIGN_PARAGRAPH.CENTER, exact=False)
        p.paragraph_format.space_after = Pt(16)
        p.paragraph_format.keep_with_next = True
        self._run(p, text, TITLE_FONT, SIZE_TITLE)

    def heading(self, text: str) -> None:
        """A 黑体 heading kept on the page of what follows it."""
        p = self._para(indent=True)
        p.paragraph_format.keep_with_next = True
        self._run(p, text, HEADING_FONT, SIZE_BODY)

    def paragraph(self, text: str, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True,
                  size: Length = SIZE_BODY, keep_with_next: bool = False) -> Paragraph:
        p = self._para(align, indent=indent, size=size)
        p.paragraph_format.keep_with_next = keep_with_next
        self._run(p, text, BODY_FONT, size)
        return p

    def table(self, grid: Grid, widths: Sequence[float], header_rows: int = 0, size: Length = SIZE_TABLE,
              heights: Sequence[float | None] = (), align_left: Sequence[int] = (), keep_together: bool = False,
              min_height: float | None = None) -> Table:
        """``grid`` as a bordered table; ``header_rows`` repeat at the top of every page it runs onto.

        Merged cells become ``gridSpan`` (across) and ``vMerge`` (down) in the file. A row is never
        split over two pages; header rows (or, with ``keep_together``, all rows) keep with the next.
        """
        ncols = len(widths)
        table = self.doc.add_table(rows=len(grid), cols=ncols)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for i, w in enumerate(widths):
            table.columns[i].width = Cm(w)
        taken = slots(grid)
        # Each row is written as its own <w:tc> elements (python-docx's merge() is quadratic in
        # the table size): one per cell starting or continuing in the row, spans set directly.
        for r, row in enumerate(table.rows):
            tr = row._tr
            for tc in tr.findall(qn("w:tc")):
                tr.remove(tc)
            c = 0
            while c < ncols:
                spec, r0, c0 = taken[(r, c)]
                tc = tr.add_tc()
                tc.width = Cm(sum(widths[c0 : c0 + spec.colspan]))
                cell = _Cell(tc, table)
                if spec.colspan > 1:
                    tc.grid_span = spec.colspan
                if spec.rowspan > 1:
                    tc.vMerge = "restart" if r == r0 else "continue"
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                fmt = p.paragraph_format
                fmt.space_before = fmt.space_after = Pt(0)
                fmt.first_line_indent = Pt(0)
                fmt.line_spacing = 1.0
                fmt.keep_with_next = r < header_rows or (keep_together and r < len(grid) - 1)
                if r == r0:
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT if c in align_left else WD_ALIGN_PARAGRAPH.CENTER
                    for i, part in enumerate(spec.text.split("\n")):
                        if i:
                            p = cell.add_paragraph()
                            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                        self._run(p, part, TABLE_FONT, size)
                c += spec.colspan
        for r, row in enumerate(table.rows):
            trpr = row._tr.get_or_add_trPr()
            _on(trpr, "w:cantSplit")
            if r < header_rows:
                _on(trpr, "w:tblHeader")
            height = heights[r] if r < len(heights) else min_height
            if height:
                row.height = Cm(height)
        return table

    def spacer(self) -> None:
        self._para()

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


_MARKS = re.compile(r"\*\*|__|`|^#+\s*|^\s*[-*+]\s+", re.MULTILINE)


def text_blocks(markdown_text: str) -> list[str]:
    """Narrative Markdown as plain paragraphs: one per blank-line block or list item, marks removed."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", markdown_text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if any(re.match(r"\s*([-*+]|\d+\.)\s", line) for line in lines):
            out += [_MARKS.sub("", line).strip() for line in lines]
        elif lines:
            out.append(_MARKS.sub("", "".join(line.strip() for line in lines)))
    return [b for b in out if b]


# Column widths in cm; they add up to the 15.6 cm text width of a 公文 page.
WIDTHS2 = (4.8, 3.6, 3.6, 3.6)
WIDTHS3 = (1.0, 2.1, 4.5, *(1.14,) * 7)
WIDTHS4 = (1.04,) * 15
ROW = 0.6  # cm, the least height of a table row


def annual_docx(report: AnnualReport) -> bytes:
    """The annual report as a .docx: the same text and figures as the HTML report."""
    w = WordWriter()
    w.title(report.title)
    w.paragraph(report.opening)
    for heading in T.HEADINGS:
        w.heading(heading)
        if heading in T.NARRATIVE_SECTIONS:
            for block in text_blocks(report.sections.get(heading) or ""):
                w.paragraph(block)
        elif heading == T.HEADINGS[1]:
            w.table(grid2(report.table2), WIDTHS2, 0, keep_together=True, min_height=ROW)
        elif heading == T.HEADINGS[2]:
            w.table(grid3(report.table3), WIDTHS3, 3, align_left=(2,), min_height=ROW)
        else:
            w.table(grid4(report.table4), WIDTHS4, 3, size=SIZE_SMALL, min_height=ROW)
    w.spacer()
    w.spacer()
    for line in (report.organisation, report.signed_text):
        p = w.paragraph(line, WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(32)
    return w.to_bytes()
