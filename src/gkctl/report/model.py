"""The annual report as one value: what the services compute and the renderers print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gkctl.report.compute import Table2Row, Table3, Table4


@dataclass(frozen=True, slots=True)
class AnnualReport:
    year: int
    organisation: str
    title: str
    sections: dict[str, str]  # narrative heading (一、五、六) -> Markdown text, figures filled in
    table2: list[Table2Row]
    table3: Table3
    table4: Table4
    figures: dict[str, int | str] = field(default_factory=dict)  # the numbers the narrative may quote
    opening: str = ""  # 本报告依据……编制 … 如对本报告有疑问，请与……联系
    signed_on: date | None = None  # the 落款 date, under the organisation's name

    @property
    def signed_text(self) -> str:
        """The 落款 date as printed: 2026年1月16日."""
        d = self.signed_on
        return f"{d.year}年{d.month}月{d.day}日" if d else ""
