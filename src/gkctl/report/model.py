"""The annual report as one value: what the services compute and the renderers print."""

from __future__ import annotations

from dataclasses import dataclass, field

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
