"""The inspector's audit: findings mapped to the articles of the bureau's rules (seed) they breach.

Seed art. 22 lists the situations for which people are held accountable, art. 12 what must be
published in time (the 20-working-day rule, the yearly 公开指南 with the application form),
art. 13 the public repeal of 规范性文件 and art. 24 the annual report. Every finding names the
article, so an audit report reads as the accountability rules do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gkctl.core.calendar import UnknownYear, next_year_finding
from gkctl.core.document import Document
from gkctl.core.findings import Finding, Severity
from gkctl.core.i18n import t
from gkctl.core.policy import Policy, is_policy_path
from gkctl.register.deadlines import compute_deadline, is_overdue
from gkctl.register.model import Application
from gkctl.register.rules import check_fee
from gkctl.trail.history import CommitRecord
from gkctl.trail.signatures import BEIJING, check_signatures
from gkctl.trail.workflow import Analysis, DocState, PublicationRecord

PUBLISH_DAYS = 20  # 条例 art. 26, seed art. 12
GUIDE = "政府信息公开指南"
ANNUAL = "政府信息公开年报"
FORM_WORD = "申请表"
PUBLIC = "主动公开"
PUBLISH_PROBLEMS = ("workflow.bad.not_ready", "workflow.bad.attribute", "workflow.bad.unreadable")
RECORD_FOLDERS = ("docs/", "applications/", "appeals/", "reports/")  # what someone must answer for
SIGNATURE_PROBLEMS = ("workflow.bad.unsigned", "workflow.bad.unknown_key", "workflow.bad.inactive")

# finding code -> (message key, the articles it breaches)
RULES: dict[str, tuple[str, str]] = {
    "GK801": ("audit.late_publication", "制度第十二条、第二十二条第（二）项；条例第二十六条"),
    "GK802": ("audit.no_guide", "制度第十二条第（一）项、第二十二条第（二）项"),
    "GK803": ("audit.guide_without_form", "制度第十二条第（一）项、第二十二条第（二）项"),
    "GK804": ("audit.invalid_publication", "制度第十条、第二十二条第（六）项、第（八）项"),
    "GK805": ("audit.bad_signature", "制度第二十二条第（八）项"),
    "GK806": ("audit.changed_after_signoff", "制度第二十二条第（七）项、第（八）项"),
    "GK807": ("audit.no_secrecy_review", "制度第七条、第九条、第二十二条第（九）项"),
    "GK808": ("audit.application_overdue", "制度第十五条第（三）项、第二十二条第（一）项；条例第三十三条"),
    "GK809": ("audit.annual_missing", "制度第二十四条、第二十二条第（一）项；条例第四十九条"),
    "GK810": ("audit.annual_late", "制度第二十四条、第二十二条第（一）项；条例第四十九条"),
    "GK811": ("audit.repeal_without_notice", "制度第十三条、第二十二条第（五）项"),
    "GK812": ("audit.step_void", "制度第二十二条第（八）项"),
    "GK813": ("audit.secrecy_waived", "制度第七条、第九条"),
    "GK814": ("audit.guide_without_year", "制度第十二条第（一）项"),
    "GK815": ("audit.no_calendar", "制度第十五条第（三）项；条例第三十三条"),
    "GK816": ("audit.fee_over", "制度第二十二条第（四）项；国办函〔2020〕109号"),
    "GK817": ("audit.report_moved", "制度第二十四条；条例第五十条"),
    "GK818": ("audit.catalogue_stale", "制度第二十二条第（二）项"),
    "GK819": ("audit.backdated_claim", "制度第二十二条第（七）项、第（八）项"),
}


@dataclass(frozen=True)
class AuditInput:
    root: Path
    policy: Policy
    analysis: Analysis
    applications: list[Application]
    today: date
    years: tuple[int, ...]
    all_years: bool  # no --year: history-wide checks look at every commit
    report_changes: tuple[Finding, ...] = ()  # published annual reports against today's count (services)
    site: SiteCatalogue | None = None  # the built site's catalogue, when ``--site`` names one


@dataclass(frozen=True)
class SiteCatalogue:
    """What a built site's ``manifest.json`` says it lists (the 政府信息公开目录)."""

    path: str
    rev: str
    generated: str
    index_numbers: frozenset[str]


def article(code: str) -> str:
    """The articles a finding breaches ('' for a finding that is a notice, not a breach)."""
    return RULES[code][1] if code in RULES else ""


def _f(code: str, severity: Severity, path: str | None, line: int | None, **params: object) -> Finding:
    key, art = RULES[code]
    return Finding(code, severity, path, line, t(key, **params) + t("audit.article", article=art))


def _day(rec: CommitRecord) -> date:
    return datetime.fromtimestamp(rec.committer_time, BEIJING).date()


def _published_doc(inp: AuditInput, pub: PublicationRecord) -> Document | None:
    return inp.analysis.trust.document(pub.blob, pub.path)


def late_publications(inp: AuditInput) -> list[Finding]:
    """主动公开 documents published later than 20 working days after they were formed."""
    cal = inp.policy.calendar
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        doc = state.doc
        pub = state.publication
        if pub is not None:
            doc = _published_doc(inp, pub) or doc
        if doc is None or doc.attribute != PUBLIC or doc.formed is None or doc.category == ANNUAL:
            continue
        published = pub.published_at if pub else None
        if doc.formed.year not in inp.years and (published is None or published.year not in inp.years):
            continue
        try:
            due = cal.add_workdays(doc.formed, PUBLISH_DAYS)
        except UnknownYear as exc:
            out.append(_f("GK815", "warning", state.path, doc.line_of("formed"), id=doc.id, year=exc.year,
                          file=cal.path))  # fmt: skip
            continue
        line = doc.line_of("formed")
        if published is not None and published > due:
            out.append(_f("GK801", "error", state.path, line, id=doc.id, formed=doc.formed, due=due,
                          when=t("audit.published_on", date=published),
                          late=cal.workdays_between(due, published)))
        elif published is None and state.state not in ("withdrawn", "repealed") and inp.today > due:
            out.append(_f("GK801", "error", state.path, line, id=doc.id, formed=doc.formed, due=due,
                          when=t("audit.not_published"), late=cal.workdays_between(due, inp.today)))
    return out


def _public_docs(inp: AuditInput, category: str) -> list[tuple[DocState, PublicationRecord, Document]]:
    out = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or pub.state == "withdrawn":
            continue
        doc = _published_doc(inp, pub)
        if doc is not None and doc.category == category:
            out.append((state, pub, doc))
    return out


def guides(inp: AuditInput) -> list[Finding]:
    """A 公开指南 published for every year, naming the year, with the application form attached."""
    out: list[Finding] = []
    published = _public_docs(inp, GUIDE)
    for year in inp.years:
        mine = [(s, p, d) for s, p, d in published if f"{year}年" in d.title or p.published_at.year == year]
        if not mine:
            out.append(_f("GK802", "error", None, None, year=year))
            continue
        for state, _pub, doc in mine:
            if str(year) not in doc.title:
                out.append(_f("GK814", "warning", state.path, doc.line_of("title"), id=doc.id, year=year))
            if not any(FORM_WORD in a.title or FORM_WORD in Path(a.file).name for a in doc.attachments):
                out.append(_f("GK803", "error", state.path, doc.line_of("attachments"), id=doc.id, year=year))
    return out


def invalid_steps(inp: AuditInput) -> list[Finding]:
    """Publish commits that count for nothing (no complete valid chain), and other void steps."""
    out: list[Finding] = []
    by_id = inp.analysis.trust.hist.by_id
    for commit, key, detail in inp.analysis.problems:
        rec = by_id.get(commit)
        if rec is None or key in SIGNATURE_PROBLEMS or not rec.step:
            continue  # signature problems are reported once, by signatures()
        if not inp.all_years and _day(rec).year not in inp.years:
            continue
        path = rec.trailer("Gkctl-Path")
        reason = t(key, detail=detail)
        if rec.step == "publish" and key in PUBLISH_PROBLEMS:
            out.append(_f("GK804", "error", path, None, commit=commit[:10], reason=reason))
        else:
            out.append(_f("GK812", "warning", path, None, commit=commit[:10], step=rec.step, reason=reason))
    return out


def _touches_content(rec: CommitRecord) -> bool:

    return bool(rec.step) or any(c.path.startswith(RECORD_FOLDERS) or is_policy_path(c.path) for c in rec.changes)


def signatures(inp: AuditInput) -> list[Finding]:
    """Commits with a bad signature, or decisions and content changes nobody accountable signed."""
    trust = inp.analysis.trust
    order = [r for r in trust.order if inp.all_years or _day(r).year in inp.years]
    checks = check_signatures(inp.root, order)
    out: list[Finding] = []
    for rec in order:
        check = checks[rec.id]
        subject = rec.message.split("\n", 1)[0][:60]
        if check.status == "bad":
            out.append(_f("GK805", "error", None, None, commit=rec.id[:10], subject=subject,
                          reason=t("audit.sig_bad")))
            continue
        if not _touches_content(rec) or rec.is_merge:
            continue
        actor = trust.actor(rec)
        if actor.problem in SIGNATURE_PROBLEMS:
            out.append(_f("GK805", "error", None, None, commit=rec.id[:10], subject=subject,
                          reason=t(actor.problem, detail=actor.detail)))
    return out


def changed_after_signoff(inp: AuditInput) -> list[Finding]:
    """Published documents whose file now differs from the signed and published content."""
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or pub.state != "published" or pub.blob == state.blob:
            continue
        if state.steps and all(s.done for s in state.steps):
            continue  # the new content has a complete chain: waiting to be published again
        changers = sorted({who or "?" for commit, who, _ in state.changes
                           if inp.analysis.trust.pos.get(commit, -1) > inp.analysis.trust.pos.get(pub.commit, -1)})
        out.append(_f("GK806", "warning", state.path, None, id=state.doc_id, people="、".join(changers) or "?"))
    return out


def secrecy_reviews(inp: AuditInput) -> list[Finding]:
    """Every publication needs a valid office check (保密审查) of the very content published."""
    pos = inp.analysis.trust.pos
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or (not inp.all_years and pub.published_at.year not in inp.years):
            continue
        checks = [e for e in state.events if e.step == "check" and e.problem is None and e.verdict == "approve"
                  and e.blob == pub.blob and pos.get(e.commit, 1 << 62) < pos.get(pub.commit, -1)]
        if not checks:
            out.append(_f("GK807", "error", state.path, None, id=state.doc_id))
            continue
        for e in checks:
            for code in e.trailers.get("gkctl-waive", ()):
                out.append(_f("GK813", "warning", state.path, None, id=state.doc_id, waived=code,
                              person=e.name or e.person or "?", reason=e.message or "—"))
    return out


def applications_overdue(inp: AuditInput) -> list[Finding]:

    cal = inp.policy.calendar
    out: list[Finding] = []
    for app in inp.applications:
        in_scope = app.received.year in inp.years or (app.replied and app.replied.year in inp.years) \
            or (app.replied is None and max(inp.years) >= app.received.year)
        if not in_scope:
            continue
        deadline = compute_deadline(app, cal, inp.today)
        if deadline.missing_year is not None:
            out.append(_f("GK815", "warning", app.path, app.line("received"), id=app.id, year=deadline.missing_year,
                          file=cal.path))  # fmt: skip
            continue
        if not is_overdue(app, deadline, inp.today) or deadline.due is None:
            continue
        if app.replied is not None:
            late = t("audit.replied_late", date=app.replied, days=cal.workdays_between(deadline.due, app.replied))
        else:
            late = t("audit.still_open", days=cal.workdays_between(deadline.due, inp.today))
        line = app.line("replied") or app.line("received")
        out.append(_f("GK808", "error", app.path, line, id=app.id, due=deadline.due, late=late))
    return out


def annual_reports(inp: AuditInput) -> list[Finding]:
    """The report on year Y is published by 31 January of Y+1 (条例 art. 49, seed art. 24)."""
    out: list[Finding] = []
    reports = _public_docs(inp, ANNUAL)
    for year in inp.years:
        due = date(year + 1, 1, 31)
        if inp.today <= due:
            continue
        mine = [(s, p) for s, p, d in reports if f"{year}年" in d.title]
        if not mine:
            out.append(_f("GK809", "error", None, None, year=year, due=due))
        elif min(p.published_at for _, p in mine) > due:
            state, pub = min(mine, key=lambda sp: sp[1].published_at)
            out.append(_f("GK810", "error", state.path, None, year=year, due=due, date=pub.published_at))
    return out


def repeals(inp: AuditInput) -> list[Finding]:
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or pub.state != "repealed" or (pub.notice or "").strip():
            continue
        if not inp.all_years and (pub.notice_date is None or pub.notice_date.year not in inp.years):
            continue
        out.append(_f("GK811", "error", state.path, None, id=state.doc_id, date=pub.notice_date or "?"))
    return out


def backdated_claims(inp: AuditInput) -> list[Finding]:
    """Publications whose signer claimed a date more than a day before the central repository saw them."""
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or pub.published_claimed is None or (pub.published_at - pub.published_claimed).days <= 1:
            continue
        if inp.all_years or pub.published_at.year in inp.years or pub.published_claimed.year in inp.years:
            out.append(_f("GK819", "warning", state.path, None, id=state.doc_id, claimed=pub.published_claimed,
                          witnessed=pub.published_at))  # fmt: skip
    return out



def fees(inp: AuditInput) -> list[Finding]:
    """Fees above 国办函〔2020〕109号 for the application, counted in the year they were paid."""
    out: list[Finding] = []
    for app in inp.applications:
        if app.fee <= 0 or paid_year(app) not in inp.years:
            continue
        for f in check_fee(app, inp.applications):
            out.append(Finding("GK816", "error", f.path, f.line, f.message + t("audit.article", article=article("GK816"))))
    return out


def paid_year(app: Application) -> int | None:
    """The year a fee was paid: the last 缴费 event, else the reply."""
    paid = app.events_of("缴费")
    if paid:
        return paid[-1].date.year
    return app.replied.year if app.replied else None


def catalogue(inp: AuditInput) -> list[Finding]:
    """Seed art. 22(二): the 目录 is updated after each publication — every public item is in the built site."""
    if inp.site is None:
        return []
    out: list[Finding] = []
    for state in inp.analysis.documents.values():
        pub = state.publication
        if pub is None or pub.state != "published" or pub.index_number in inp.site.index_numbers:
            continue
        out.append(_f("GK818", "error", state.path, None, id=state.doc_id, date=pub.published_at,
                      index=pub.index_number, site=inp.site.path, generated=inp.site.generated,
                      rev=inp.site.rev[:10]))  # fmt: skip
    return out


def calendar_edge(inp: AuditInput) -> list[Finding]:
    found = next_year_finding(inp.policy.calendar, inp.today)
    return [found] if found is not None else []


def report_changes(inp: AuditInput) -> list[Finding]:
    """Late changes to a published annual report's year (worked out by the services, which can count it)."""
    return list(inp.report_changes)


def report_moved(path: str | None, detail: str) -> Finding:
    return _f("GK817", "warning", path, None, detail=detail)


CHECKS = (late_publications, guides, invalid_steps, signatures, changed_after_signoff, secrecy_reviews,
          applications_overdue, fees, annual_reports, repeals, report_changes, catalogue, calendar_edge,
          backdated_claims)


def run_audit(inp: AuditInput) -> list[Finding]:
    found: list[Finding] = []
    for check in CHECKS:
        found.extend(check(inp))
    return found


def default_years(today: date) -> tuple[int, ...]:
    """Without --year the audit looks at last year (now closed) and this year so far."""
    return (today.year - 1, today.year)


def as_json(found: Iterable[Finding]) -> list[dict[str, object]]:
    return [{**f.as_dict(), "article": article(f.code)} for f in found]
