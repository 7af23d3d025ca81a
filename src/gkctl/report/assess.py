"""The yearly assessment of the sections (seed ch. 3, art. 14-16), from the signed history.

Per 科室: documents drafted, disclosure attributes corrected at review (准确, art. 8, 15(二)),
主动公开 documents published within 20 working days (及时, art. 12, 15(二)), rejections, and
the applications it handled (承办科室 ``section``, the office by default; art. 15(三)): replied
in the year, on time, still open on 31 December (paused ones included) and overdue then,
art. 33 extensions and art. 35 delayed replies apart, and what art. 15(一) the register can
show (补正 notices within 7 working days, fees within 国办函〔2020〕109号). The office gets a
draft 考核意见 per section to complete and submit to the assessment group (art. 16); the
opinion says which items need the office's own judgement.

Open applications are judged as of 31 December of the assessed year, not today, so the
assessment of a closed year does not change as time passes. An application whose deadline
needs a calendar year gkctl does not know is one finding, and the assessment carries on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from gkctl.core.calendar import UnknownYear
from gkctl.core.findings import Finding, finding
from gkctl.core.policy import Policy
from gkctl.register.deadlines import compute_deadline
from gkctl.register.model import Application
from gkctl.register.rules import check_fee
from gkctl.trail.workflow import APPROVAL_STEPS, Analysis

PUBLIC = "主动公开"
ANNUAL = "政府信息公开年报"
PUBLISH_DAYS = 20
APPLICATION_DESK = "办公室"  # seed art. 2 and 5: the office runs disclosure and the applications desk


@dataclass
class SectionScore:
    section: str
    drafted: int = 0
    proactive: int = 0  # 主动公开 documents formed in the year
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # not published and past the 20-working-day limit
    pending: int = 0  # not published, still within the limit
    corrected: int = 0  # attribute corrections at review
    rejections: int = 0
    applications: int = 0  # replied in the year
    applications_on_time: int = 0
    applications_overdue_open: int = 0  # open on 31 December and past the deadline then
    applications_received: int = 0  # received in the year
    applications_open: int = 0  # open on 31 December within the deadline (paused ones included)
    extensions: int = 0  # art. 33 extensions decided in the year
    delayed: int = 0  # art. 35 delayed replies decided in the year
    corrections_late: int = 0  # 补正 notices later than 7 working days (art. 15(一): 条例第三十条)
    fees_over: int = 0  # fees above 国办函〔2020〕109号 (art. 15(一), 22(四))
    application_items: list[str] = field(default_factory=list)  # late, overdue or uncomputable
    late_items: list[str] = field(default_factory=list)
    corrected_items: list[str] = field(default_factory=list)

    @property
    def timely_rate(self) -> str:
        done = self.on_time + self.late + self.overdue
        return f"{100 * self.on_time / done:.0f}%" if done else "—"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "timely_rate": self.timely_rate}


@dataclass(frozen=True)
class Assessment:
    year: int
    organisation: str
    sections: list[SectionScore]
    today: date
    findings: list[Finding] = field(default_factory=list)
    as_of: date | None = None  # the day open applications are judged on

    def as_dict(self) -> dict[str, object]:
        return {"year": self.year, "organisation": self.organisation, "as_of": self.as_of.isoformat() if self.as_of else None,
                "sections": [s.as_dict() for s in self.sections],
                "findings": [f.as_dict() for f in self.findings]}  # fmt: skip


def assess(analysis: Analysis, applications: Iterable[Application], policy: Policy, year: int, today: date) -> Assessment:
    cal = policy.calendar
    scores: dict[str, SectionScore] = {s: SectionScore(s) for s in policy.org.sections}
    found: list[Finding] = []

    def score(section: str) -> SectionScore:
        return scores.setdefault(section, SectionScore(section))

    for state in analysis.documents.values():
        doc = state.doc
        if doc is None:
            continue
        s = score(str(doc.get("section") or "—"))
        for ev in state.events:
            if ev.problem is not None or ev.day.year != year:
                continue
            if ev.step == "correct":
                s.corrected += 1
                s.corrected_items.append(doc.id)
            elif ev.step in APPROVAL_STEPS and ev.verdict == "reject":
                s.rejections += 1
        if doc.formed is None or doc.formed.year != year:
            continue
        s.drafted += 1
        if doc.attribute != PUBLIC or doc.category == ANNUAL:
            continue
        s.proactive += 1
        try:
            due = cal.add_workdays(doc.formed, PUBLISH_DAYS)
        except UnknownYear as exc:
            found.append(finding("GK720", "warning", state.path, None, what=doc.id, year=exc.year, path=cal.path))
            continue
        pub = state.publication
        if pub is not None and pub.published_at <= due:
            s.on_time += 1
        elif pub is not None:
            s.late += 1
            s.late_items.append(doc.id)
        elif today > due:
            s.overdue += 1
            s.late_items.append(doc.id)
        else:
            s.pending += 1
    apps = list(applications)
    end = date(year, 12, 31)
    as_of = min(today, end)
    for app in apps:
        if app.received > end or (app.replied is not None and app.replied.year < year):
            continue
        s = score(app.section or APPLICATION_DESK)
        deadline = compute_deadline(app, cal, as_of)
        if app.received.year == year:
            s.applications_received += 1
        s.extensions += sum(1 for e in app.events_of("延期") if e.date.year == year)
        s.delayed += sum(1 for e in app.events_of("延迟答复") if e.date.year == year)
        if deadline.correction_due is not None:
            s.corrections_late += sum(1 for e in app.events_of("补正告知")[:1]
                                      if e.date.year == year and e.date > deadline.correction_due)  # fmt: skip
        if app.fee > 0 and check_fee(app, apps):
            s.fees_over += 1
        if deadline.missing_year is not None:
            found.append(finding("GK720", "warning", app.path, app.line("received"), what=app.id,
                                 year=deadline.missing_year, path=cal.path))  # fmt: skip
            s.application_items.append(app.id)
            if app.replied is not None and app.replied <= end:
                s.applications += 1
            continue
        if app.replied is not None and app.replied <= end:
            s.applications += 1
            if deadline.due is None or app.replied <= deadline.due:
                s.applications_on_time += 1
            else:
                s.application_items.append(app.id)
        elif deadline.due is not None and as_of > deadline.due:
            s.applications_overdue_open += 1
            s.application_items.append(app.id)
        else:
            s.applications_open += 1
    kept = [s for s in scores.values() if s.section in policy.org.sections or s.drafted or s.applications
            or s.applications_received]  # fmt: skip
    return Assessment(year, policy.org.name, kept, today, found, as_of)


def opinion(s: SectionScore, year: int) -> str:
    """A draft 考核意见 (seed art. 16) the office completes; the grade is left blank on purpose."""
    parts = [f"{year}年，{s.section}拟稿政务信息{s.drafted}件"]
    if s.proactive:
        parts.append(f"其中主动公开{s.proactive}件，按时公开{s.on_time}件（及时率{s.timely_rate}）")
        if s.late:
            parts.append(f"逾期公开{s.late}件")
        if s.overdue:
            parts.append(f"逾期尚未公开{s.overdue}件")
    parts.append(f"审核中更正公开属性{s.corrected}件，退回修改{s.rejections}件")
    text = "，".join(parts) + "。"
    if s.applications or s.applications_overdue_open or s.applications_received or s.applications_open:
        text += f"承办依申请公开：本年收到{s.applications_received}件，办结{s.applications}件，按期办结{s.applications_on_time}件"
        if s.applications_overdue_open:
            text += f"，截至{year}年12月31日逾期未办结{s.applications_overdue_open}件"
        if s.applications_open:
            text += f"，截至{year}年12月31日在办{s.applications_open}件（含征求意见、待缴费暂停的）"
        if s.extensions or s.delayed:
            text += f"；经批准延期答复（条例第三十三条）{s.extensions}次，延迟答复（条例第三十五条）{s.delayed}次"
        text += "。"
        checks = []
        if s.corrections_late:
            checks.append(f"补正告知超过7个工作日{s.corrections_late}件（条例第三十条）")
        if s.fees_over:
            checks.append(f"信息处理费超过国办函〔2020〕109号标准{s.fees_over}件（制度第二十二条第（四）项）")
        text += ("制度执行方面，登记数据显示：" + "；".join(checks) + "。") if checks else \
            "制度执行方面，登记数据未见补正告知超期或超标准收费。"
    remarks = []
    if s.late or s.overdue or s.applications_overdue_open or s.applications_on_time < s.applications:
        remarks.append("信息公开的及时性有待提高")
    if s.corrected:
        remarks.append("公开属性源头认定的准确性有待加强")
    if not remarks and (s.drafted or s.applications):
        remarks.append("政务信息报送及时、准确")
    if remarks:
        text += "，".join(remarks) + "。"
    text += ("以下事项数据无法反映，须由局办公室结合日常掌握情况认定：制度第十五条第（一）项其余制度的贯彻落实情况、"
             "第（二）项报送信息是否真实、第（四）项其他考核内容。")
    return text + "考核等次：________（由局办公室结合区政府信息公开考核结果提出，报考核领导小组审议确定）。"
