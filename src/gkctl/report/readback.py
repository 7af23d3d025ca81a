"""Reading figures back out of a published report, for the cross-year check.

Last year's report, published through gkctl as a 政府信息公开年报 document, holds table 三 as an
HTML table; its row 四、结转下年度继续办理 is what this year's 二、上年结转 must equal.
"""

from __future__ import annotations

from html.parser import HTMLParser

from gkctl.report import tables as T


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def carried_out(html_or_markdown: str) -> dict[str, int] | None:
    """Row 四 of table 三 in a rendered report, by column; None when it cannot be found."""
    parser = _Rows()
    parser.feed(html_or_markdown)
    label = T.TABLE3_ROWS[T.ROW_CARRIED_OUT].labels[0]
    for table in parser.tables:
        if not any(T.T3_NOTE in cell for row in table for cell in row):
            continue
        for row in table:
            if row and row[0] == label and len(row) == 1 + len(T.T3_COLUMNS):
                try:
                    return {col: int(value) for col, value in zip(T.T3_COLUMNS, row[1:], strict=True)}
                except ValueError:
                    return None
    return None


# A cell of the national tables: ("二", row label, column) | ("三", row index, column) | ("四", group, column).
CellKey = tuple[str, str | int, str]


def published_cells(html_or_markdown: str) -> dict[CellKey, str]:
    """Every figure of tables 二, 三 and 四 in a rendered report (what can be found; the rest left out)."""
    parser = _Rows()
    parser.feed(html_or_markdown)
    out: dict[CellKey, str] = {}
    labels2 = {label: block for block in T.TABLE2 for label in block.rows}
    n4 = len(T.T4_GROUP_COLUMNS)
    for table in parser.tables:
        cells = [c for row in table for c in row]
        if any(T.T3_NOTE in c for c in cells):
            data = [row for row in table if len(row) > len(T.T3_COLUMNS) and all(_number(c)
                    for c in row[-len(T.T3_COLUMNS):])]  # fmt: skip
            if len(data) == len(T.TABLE3_ROWS):
                for index, row in enumerate(data):
                    for column, value in zip(T.T3_COLUMNS, row[-len(T.T3_COLUMNS):], strict=True):
                        out[("三", index, column)] = value
        elif T.T2_HEAD in cells:
            for row in table:
                block = labels2.get(row[0]) if row else None
                if block is not None and len(row) == 1 + len(block.columns) and all(_number(c) for c in row[1:]):
                    for column, value in zip(block.columns, row[1:], strict=True):
                        out[("二", row[0], column)] = value
        elif T.T4_DIRECT in cells:
            for row in table:
                if len(row) == len(T.T4_GROUPS) * n4 and all(_number(c) for c in row):
                    for i, value in enumerate(row):
                        out[("四", T.T4_GROUPS[i // n4], T.T4_GROUP_COLUMNS[i % n4])] = value
    return out


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
