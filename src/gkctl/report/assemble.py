"""Putting one year's report together from gathered data: tables, figures, narrative, checks.

Kept apart from the services so that a test can build a whole report from hand-made records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from gkctl.core.findings import Finding
from gkctl.core.i18n import t
from gkctl.core.policy import Office
from gkctl.report import checks
from gkctl.report import tables as T
from gkctl.report.compute import (
    AppealLike,
    ApplicationLike,
    NormativeCounts,
    Table3,
    build_table2,
    count_table3,
    count_table4,
)
from gkctl.report.model import AnnualReport
from gkctl.report.narrative import Narrative, fill

FEE_SENTENCE = "本年度共收取信息处理费{amount}元（涉及{count}件申请）。"
NO_FEE_SENTENCE = "本年度未收取信息处理费。"
PENDING_TEXT = "（待填写）"
FEE_PLACEHOLDER = "{收费金额}"

CODE_NARRATIVE_MISSING = "GK710"
CODE_LATE = "GK711"
CODE_YEAR_OPEN = "GK712"
CODE_NO_CONTACT = "GK716"


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report needs, already gathered from the repository."""

    year: int
    organisation: str
    narrative: Narrative
    normative: NormativeCounts
    published: int  # items published proactively in the year (all categories)
    applications: Sequence[ApplicationLike]
    appeals: Sequence[AppealLike]
    report_published: date | None = None  # when this year's report was published, if it was
    report_path: str | None = None
    office: Office = field(default_factory=Office)  # gkctl.yaml office: the contact the opening paragraph names
    site_title: str = ""
    site_url: str = ""


def yuan(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.01")).normalize(), "f") if amount else "0"


def paid_on(app: ApplicationLike) -> date | None:
    """The day a fee was paid: the last 缴费 event, else (no event recorded) the reply."""
    events = getattr(app, "events", ()) or ()
    paid = [e.date for e in events if getattr(e, "type", None) == "缴费"]
    return max(paid) if paid else app.replied


def fees(applications: Iterable[ApplicationLike], year: int) -> tuple[Decimal, int]:
    """信息处理费 collected in the year: counted in the year it was paid, not the year of the reply."""
    total, count = Decimal(0), 0
    for app in applications:
        fee = Decimal(str(getattr(app, "fee", 0) or 0))
        paid = paid_on(app)
        if paid is not None and paid.year == year and fee > 0:
            total += fee
            count += 1
    return total, count


def figures(data: ReportData, table3: Table3, table4: dict[str, dict[str, int]]) -> dict[str, int | str]:
    """The numbers a narrative may quote, by placeholder name."""
    fee_total, fee_count = fees(data.applications, data.year)
    out: dict[str, int | str] = {
        "年度": data.year,
        "主动公开信息数": data.published,
        "本年制发规范性文件数": data.normative.issued,
        "本年废止规范性文件数": data.normative.repealed,
        "现行有效规范性文件数": data.normative.in_force,
        "本年新收申请数": table3[T.ROW_NEW][T.T3_TOTAL],
        "上年结转申请数": table3[T.ROW_CARRIED_IN][T.T3_TOTAL],
        "本年办结申请数": table3[T.ROW_TOTAL][T.T3_TOTAL],
        "结转下年度申请数": table3[T.ROW_CARRIED_OUT][T.T3_TOTAL],
    }
    for result in T.RESULT_VALUES:
        out[result + "数"] = sum(table3[i][T.T3_TOTAL] for i in T.RESULT_ROW_RANGE if T.TABLE3_ROWS[i].result == result)
    out["行政复议数"] = table4[T.T4_REVIEW][T.T4_TOTAL]
    out["行政诉讼数"] = table4[T.T4_DIRECT][T.T4_TOTAL] + table4[T.T4_AFTER_REVIEW][T.T4_TOTAL]
    out["收费金额"] = yuan(fee_total)
    out["收费申请数"] = fee_count
    return out


_HARD_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:件|条|元|万元)")
CODE_HARD_FIGURE = "GK713"
CODE_MANUAL_MISSING = "GK714"
CODE_MOVED = "GK715"


def manual_missing(narrative: Narrative) -> list[Finding]:
    """Table 二's hand-entered rows (规章, 行政许可/处罚/强制, 收费) print 0 when not given: say so."""
    blocks = {row: block for block in T.TABLE2 for row in block.rows}
    out: list[Finding] = []
    for label in T.T2_MANUAL_ROWS:
        given = narrative.table2.get(label, {})
        for column in blocks[label].columns:
            if column not in given:
                key = f"table2.{label}" + (f".{column}" if len(blocks[label].columns) > 1 else "")
                out.append(Finding(CODE_MANUAL_MISSING, "warning", narrative.path, None,
                                   t("report.manual_missing", key=key, label=label, column=column)))
    return out


def hard_figures(narrative: Narrative) -> list[Finding]:
    """Counts typed into the narrative instead of placeholders can disagree with the tables."""
    out: list[Finding] = []
    for heading, raw in narrative.sections.items():
        start = narrative.section_lines.get(heading)
        for index, line in enumerate(raw.splitlines()):
            for match in _HARD_FIGURE.finditer(line):
                out.append(Finding(CODE_HARD_FIGURE, "warning", narrative.path, start + index + 1 if start else None,
                                   t("report.hard_figure", text=match.group(0), heading=heading)))
    return out


def deadline_findings(year: int, today: date, path: str, published: date | None = None,
                      published_path: str | None = None) -> list[Finding]:  # fmt: skip
    """条例 art. 49: a 部门 publishes last year's report by 31 January — judged by the publication, not today."""
    if year >= today.year:
        return [Finding(CODE_YEAR_OPEN, "warning", None, None, t("report.year_open", year=year))]
    due = date(year + 1, 1, 31)
    if published is not None:
        if published <= due:
            return []
        return [Finding(CODE_LATE, "warning", published_path, None,
                        t("report.published_late", year=year, date=published.isoformat(), due=due.isoformat()))]
    if year == today.year - 1 and today > date(today.year, 1, 31):
        return [Finding(CODE_LATE, "warning", None, None,
                        t("report.late", year=year, next=today.year))]
    return []


OPENING = ("本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
           "（国办公开办函〔2021〕30号）要求，由{org}编制。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
           "本报告电子版可在{site}查阅。如对本报告有疑问，请与{office}联系{contact}。")


def opening(data: ReportData) -> tuple[str, list[Finding]]:
    """The paragraph every published report opens with, from gkctl.yaml; a warning where contact is missing."""
    office = data.office
    title = (data.site_title or data.organisation).replace(" ", "")
    site = f"{title}网站（{data.site_url}）" if data.site_url else f"{title}网站"
    parts = [f"{label}：{value}" for label, value in (("地址", office.address), ("邮编", office.postcode),
                                                      ("电话", office.phone)) if value]  # fmt: skip
    text = OPENING.format(org=data.organisation, year=data.year, site=site, office=office.name or data.organisation,
                          contact=f"（{'，'.join(parts)}）" if parts else "")
    missing = [key for key in ("address", "postcode", "phone") if not getattr(office, key)]
    if not data.site_url:
        missing.insert(0, "site.url")
    if missing:
        return text, [Finding(CODE_NO_CONTACT, "warning", "gkctl.yaml", None,
                              t("report.no_contact", missing="、".join(missing)))]
    return text, []


def assemble(data: ReportData, today: date) -> tuple[AnnualReport, list[Finding]]:
    """The report and its findings (errors: failed identities; warnings: missing text, lateness)."""
    table3 = count_table3(data.applications, data.year).rows
    table4 = count_table4(data.appeals, data.year)
    table2 = build_table2(data.normative, data.narrative.table2)
    figs = figures(data, table3, table4)
    found: list[Finding] = []
    sections: dict[str, str] = {}
    for heading in T.NARRATIVE_SECTIONS:
        raw = data.narrative.sections.get(heading)
        if raw is None or not raw.strip():
            found.append(Finding(CODE_NARRATIVE_MISSING, "warning", data.narrative.path, None,
                                 t("report.narrative_missing", heading=heading)))
            raw = PENDING_TEXT
        text = fill(raw, figs, data.narrative.path, data.narrative.section_lines.get(heading))
        if heading == T.HEADINGS[5] and FEE_PLACEHOLDER not in raw:
            count = figs["收费申请数"]
            sentence = FEE_SENTENCE.format(amount=figs["收费金额"], count=count) if count else NO_FEE_SENTENCE
            text = sentence if text == PENDING_TEXT else sentence + "\n\n" + text
        sections[heading] = text
    found += hard_figures(data.narrative)
    found += manual_missing(data.narrative)
    found += checks.check_table3(table3)
    found += checks.check_table4(table4)
    if data.narrative.previous_out is not None:
        source = data.narrative.previous_source or data.narrative.path
        found += checks.check_cross_year(table3, data.narrative.previous_out, source)
    found += deadline_findings(data.year, today, data.narrative.path, data.report_published, data.report_path)
    text, contact = opening(data)
    found += contact
    title = data.narrative.title or f"{data.organisation}{data.year}年政府信息公开工作年度报告"
    report = AnnualReport(data.year, data.organisation, title, sections, table2, table3, table4, figs,
                          opening=text, signed_on=data.narrative.date or today)
    return report, found
