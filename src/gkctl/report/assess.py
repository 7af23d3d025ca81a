"""The yearly assessment of the sections (seed ch. 3, art. 14-16), from the signed history.

Per 科室: documents drafted, disclosure attributes corrected at review (准确, art. 8, 15(二)),
主动公开 documents published within 20 working days (及时, art. 12, 15(二)), rejections, and
applications handled on time (art. 15(三)); the office gets a draft 考核意见 per section to
complete and submit to the assessment group (art. 16).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from gkctl.core.policy import Policy
from gkctl.register.deadlines import compute_deadline, is_overdue
from gkctl.register.model import Application
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
    applications_overdue_open: int = 0
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

    def as_dict(self) -> dict[str, object]:
        return {"year": self.year, "organisation": self.organisation,
                "sections": [s.as_dict() for s in self.sections]}  # fmt: skip


def assess(analysis: Analysis, applications: Iterable[Application], policy: Policy, year: int, today: date) -> Assessment:
    cal = policy.calendar
    scores: dict[str, SectionScore] = {s: SectionScore(s) for s in policy.org.sections}

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
        due = cal.add_workdays(doc.formed, PUBLISH_DAYS)
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
    desk = score(APPLICATION_DESK)

    for app in applications:
        deadline = compute_deadline(app, cal, today)
        if app.replied is not None and app.replied.year == year:
            desk.applications += 1
            if not is_overdue(app, deadline, today):
                desk.applications_on_time += 1
        elif app.replied is None and app.received.year <= year and is_overdue(app, deadline, today):
            desk.applications_overdue_open += 1
    kept = [s for s in scores.values() if s.section in policy.org.sections or s.drafted or s.applications]
    return Assessment(year, policy.org.name, kept, today)


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
    if s.applications or s.applications_overdue_open:
        text += f"办理依申请公开{s.applications}件，按期办结{s.applications_on_time}件"
        text += f"，逾期未办结{s.applications_overdue_open}件。" if s.applications_overdue_open else "。"
    remarks = []
    if s.late or s.overdue or s.applications_overdue_open or s.applications_on_time < s.applications:
        remarks.append("信息公开的及时性有待提高")
    if s.corrected:
        remarks.append("公开属性源头认定的准确性有待加强")
    if not remarks and (s.drafted or s.applications):
        remarks.append("政务信息报送及时、准确")
    if remarks:
        text += "，".join(remarks) + "。"
    return text + "考核等次：________（由局办公室结合区政府信息公开考核结果提出，报考核领导小组审议确定）。"
