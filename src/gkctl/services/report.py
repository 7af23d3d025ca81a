"""``gkctl report annual``: gather one year's data from the repository and build the report.

The repository's state is read once: publications from the signed history (the workflow's
public records), the registers of applications and appeals, and the clerk's narrative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from gkctl.core.document import parse_document, read_document, render_document
from gkctl.core.errors import GkctlError, InputError
from gkctl.core.findings import Finding
from gkctl.core.i18n import t
from gkctl.core.policy import Policy
from gkctl.core.yamlio import load_yaml
from gkctl.register.appeals import load_appeals
from gkctl.register.applications import load_applications
from gkctl.register.model import Application
from gkctl.report import render
from gkctl.report.assemble import PENDING_TEXT, ReportData, assemble
from gkctl.report.assess import assess, opinion
from gkctl.report.audit import AuditInput, as_json, default_years, run_audit
from gkctl.report.compute import count_normative, count_table3
from gkctl.report.model import AnnualReport
from gkctl.report.narrative import Narrative, load_narrative, narrative_path
from gkctl.report.readback import carried_out
from gkctl.report.tables import short_row_name
from gkctl.services.new import next_id
from gkctl.services.repository import Repository
from gkctl.services.steps import today_beijing
from gkctl.trail.gitutil import has_commits, read_objects
from gkctl.trail.signatures import BEIJING, configured_person
from gkctl.trail.workflow import Analysis, PublicationRecord, analyse, publications

REPORT_CATEGORY = "政府信息公开年报"
REPORT_SECTION = "办公室"
REPORT_BASIS = "法定公开"  # 条例 art. 49-50: the law requires the report to be published


@dataclass(frozen=True)
class AnnualResult:
    report: AnnualReport
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def read_blobs(root: Path, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of many blobs in one ``git cat-file --batch`` process."""
    return read_objects(root, blob_ids)


def _is_normative(policy: Policy, category: str) -> bool:
    cat = policy.columns.category(category)
    return bool(cat.normative) if cat is not None else category == "规范性文件"


def publication_records(root: Path) -> list[PublicationRecord]:
    """The workflow's public records (empty before the first commit)."""
    if not has_commits(root):
        return []

    return list(publications(root, "HEAD"))


def gather(repo: Repository, year: int) -> ReportData:

    root, policy = repo.root, repo.policy
    if year < 2000 or year > repo.today.year:
        raise InputError(t("report.bad_year", year=year, max=repo.today.year))
    records = publication_records(root)
    blobs = read_blobs(root, (r.blob for r in records))
    normative = []
    for rec in records:
        raw = blobs.get(rec.blob)
        if raw is None:
            continue
        try:
            category = parse_document(raw, rec.path).category
        except GkctlError:
            continue  # an approved blob that no longer parses is validate's business, not the report's
        if _is_normative(policy, category):
            normative.append(rec)
    published = sum(1 for r in records if r.published_at.year == year and r.state != "withdrawn")
    narrative = load_narrative(root, year)
    if narrative.previous_out is None:
        narrative = _previous_from_published(narrative, records, blobs, policy.org.name, year)
    return ReportData(
        year=year,
        organisation=policy.org.name,
        narrative=narrative,
        normative=count_normative(normative, year),
        published=published,
        applications=load_applications(root),
        appeals=load_appeals(root),
    )


def _previous_from_published(narrative: Narrative, records: list[PublicationRecord], blobs: dict[str, bytes], org: str,
                             year: int) -> Narrative:
    """Last year's published report (a 政府信息公开年报 document) as the source of the cross-year check."""
    title = f"{org}{year - 1}年政府信息公开工作年度报告"
    for rec in records:
        raw = blobs.get(rec.blob)
        if raw is None or rec.state == "withdrawn":
            continue
        try:
            doc = parse_document(raw, rec.path)
        except GkctlError:
            continue
        if doc.category != REPORT_CATEGORY or doc.title != title:
            continue
        found = carried_out(doc.body)
        if found is not None:
            return replace(narrative, previous_out=found, previous_source=rec.path)
    return narrative


def annual_report(repo: Repository, year: int) -> AnnualResult:
    report, found = assemble(gather(repo, year), repo.today)
    return AnnualResult(report, found)


def placements(repo: Repository, year: int) -> list[tuple[str, str, str, list[str]]]:
    """Where each application is counted in table 三: (id, file, column, row names), for checking by hand."""

    apps = {a.id: a for a in load_applications(repo.root)}
    result = count_table3(list(apps.values()), year)
    return [(p.app_id, apps[p.app_id].path, p.column, [short_row_name(i) for i in p.rows]) for p in result.placements]


def render_report(report: AnnualReport, fmt: str) -> str:
    if fmt == "html":
        return render.render_html(report)
    if fmt == "json":
        import json

        return json.dumps(render.to_json(report), ensure_ascii=False, indent=2) + "\n"
    return render.render_markdown(report)


def _existing_report_doc(repo: Repository, folder: str, title: str) -> str | None:
    base = repo.root / folder
    if not base.is_dir():
        return None
    for path in sorted(base.glob("*.md")):
        rel = path.relative_to(repo.root).as_posix()
        try:
            doc = read_document(repo.root, rel)
        except GkctlError:
            continue
        if doc.category == REPORT_CATEGORY and doc.title == title:
            return rel
    return None


def write_as_document(repo: Repository, report: AnnualReport, drafter: str | None) -> str:
    """Write the report as ``docs/<Y+1>/<id>.md`` (category 政府信息公开年报) for the normal chain.

    Running it again rewrites the same file, which voids earlier approvals, as any edit does.
    """

    policy = repo.policy
    missing = [h for h, text in report.sections.items() if PENDING_TEXT in text]
    if missing:
        raise InputError(t("report.document_incomplete", sections="、".join(missing)), narrative_path(report.year))
    if policy.columns.category(REPORT_CATEGORY) is None:
        raise InputError(t("report.no_category", category=REPORT_CATEGORY), "policies/columns.yaml")
    person_id = drafter
    if person_id is None:

        try:
            person_id = configured_person(repo.root, policy, repo.today).id
        except GkctlError as exc:
            raise InputError(t("report.need_drafter", reason=exc.message)) from None
    elif policy.people.get(person_id) is None:
        raise InputError(t("report.unknown_drafter", id=person_id), "policies/people.yaml")
    published_year = report.year + 1

    formed = today_beijing()  # the drafting day: today, or the date of the commit being made (GIT_COMMITTER_DATE)
    folder = f"docs/{published_year}"
    rel = _existing_report_doc(repo, folder, report.title)
    if rel is None:
        doc_id = next_id(repo, published_year, REPORT_SECTION)
        rel = f"{folder}/{doc_id}.md"
    else:
        doc_id = read_document(repo.root, rel).id
    meta = {
        "id": doc_id,
        "title": report.title,
        "kind": "非公文",
        "category": REPORT_CATEGORY,
        "section": REPORT_SECTION,
        "drafter": person_id,
        "formed": formed,
        "attribute": "主动公开",
        "basis": [REPORT_BASIS],
        "secrecy": "非密",
        "sensitive": False,
    }
    target = repo.root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_document(meta, render.render_markdown(report, with_title=False)), encoding="utf-8")
    return rel


def audit_findings(repo: Repository, year: int | None) -> tuple[tuple[int, ...], list[Finding]]:
    """``gkctl audit``: the years looked at and the findings, each citing the seed article."""

    if year is not None and (year < 2000 or year > repo.today.year):
        raise InputError(t("report.bad_year", year=year, max=repo.today.year))
    years = (year,) if year is not None else default_years(repo.today)
    if not has_commits(repo.root):
        raise InputError(t("audit.no_history"))
    analysis = analyse(repo.root, "HEAD")
    inp = AuditInput(
        root=repo.root,
        policy=repo.policy,
        analysis=analysis,
        applications=witnessed_replies(analysis, load_applications(repo.root)),
        today=repo.today,
        years=years,
        all_years=year is None,
    )
    return years, run_audit(inp)


def witnessed_replies(analysis: Analysis, apps: list[Application]) -> list[Application]:
    """Applications whose reply the central repository received later than the claimed ``replied``
    date, with the witnessed date instead: an application's deadline goes by the date of record."""
    witnessed = analysis.trust.witnessed
    if not witnessed:
        return apps
    wanted = {a.path: a for a in apps if a.replied is not None}
    versions = [(rec, c) for rec in analysis.trust.order for c in rec.changes if c.path in wanted and c.new_blob]
    blobs = read_objects(analysis.trust.root, [c.new_blob or "" for _, c in versions])
    first: dict[str, int] = {}  # path -> date of record of the commit that first recorded a reply
    for rec, change in versions:
        if change.path in first:
            continue
        try:
            data = load_yaml(blobs.get(change.new_blob or "", b"").decode("utf-8"), change.path).data
        except (GkctlError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("replied"):
            first[change.path] = witnessed.get(rec.id, 0)
    out = []
    for app in apps:
        when = first.get(app.path)
        seen = datetime.fromtimestamp(when, BEIJING).date() if when else None
        out.append(replace(app, replied=seen) if seen and app.replied and seen > app.replied else app)
    return out


def audit_json(years: tuple[int, ...], found: list[Finding]) -> dict[str, object]:
    """``gkctl audit --format json``: the years, the counts and each finding with its article."""
    errors = sum(f.is_error for f in found)
    return {"years": list(years), "errors": errors, "warnings": len(found) - errors, "findings": as_json(found)}


def assessment(repo: Repository, year: int):
    """``gkctl assess``: the yearly assessment of the sections (seed art. 14-16)."""

    if year < 2000 or year > repo.today.year:
        raise InputError(t("report.bad_year", year=year, max=repo.today.year))
    if not has_commits(repo.root):
        raise InputError(t("audit.no_history"))
    return assess(analyse(repo.root, "HEAD"), load_applications(repo.root), repo.policy, year, repo.today)


def render_assessment(result, fmt: str) -> str:
    import json


    if fmt == "json":
        data = result.as_dict()
        for entry, s in zip(data["sections"], result.sections, strict=True):
            entry["opinion"] = opinion(s, result.year)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return render._env().get_template("assess.md.j2").render(a=result, opinion=opinion)
