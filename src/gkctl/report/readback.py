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
