"""``gkctl report annual``: gather one year's data from the repository and build the report.

The repository's state is read once: publications from the signed history (the workflow's
public records), the registers of applications and appeals, and the clerk's narrative.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
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
from gkctl.report import pdf, render, word
from gkctl.report.assemble import PENDING_TEXT, ReportData, assemble
from gkctl.report.assess import assess, opinion
from gkctl.report.audit import AuditInput, SiteCatalogue, as_json, default_years, report_moved, run_audit
from gkctl.report.compare import Movers, compare
from gkctl.report.compute import count_normative, count_table3
from gkctl.report.model import AnnualReport
from gkctl.report.narrative import Narrative, load_narrative, narrative_path
from gkctl.report.readback import carried_out
from gkctl.report.tables import short_row_name
from gkctl.services.new import next_id
from gkctl.services.repository import Repository
from gkctl.services.steps import today_beijing
from gkctl.trail.gitutil import changed_since, export_tree, has_commits, read_objects, rev_parse
from gkctl.trail.incremental import analyse_head
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


_BLOB_BATCH = 500  # published documents read and parsed at a time


def read_blobs(root: Path, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of many blobs in one ``git cat-file --batch`` process."""
    return read_objects(root, blob_ids)


def _is_normative(policy: Policy, category: str) -> bool:
    cat = policy.columns.category(category)
    return bool(cat.normative) if cat is not None else category == "规范性文件"


def publication_records(root: Path, rev: str = "HEAD") -> list[PublicationRecord]:
    """The workflow's public records (empty before the first commit), from the folded analysis
    when the snapshot explains ``rev`` (the site reads the same briefs; bodies come from the blobs)."""
    if not has_commits(root):
        return []
    return publications(root, rev, analyse_head(root, rev))


@dataclass(frozen=True)
class Normative:
    """A 规范性文件's public record with the date it was made (``formed``), for table 二."""

    doc_id: str
    published_at: date
    state: str
    notice_date: date | None
    formed: date | None
    commit: str


@dataclass(frozen=True)
class PublishedReport:
    """This year's annual report as published through the chain."""

    path: str
    published_at: date
    commit: str
    body: str


@dataclass(frozen=True)
class Gathered:
    data: ReportData
    normative: list[Normative]
    published: PublishedReport | None


REGISTER_FOLDERS = ("applications", "appeals", "reports")
PUBLISHED = "published"  # --as-of published: the revision that published the year's report


def gather(repo: Repository, year: int, as_of: str | None = None) -> ReportData:
    return gather_all(repo, year, as_of).data


def gather_all(repo: Repository, year: int, as_of: str | None = None) -> Gathered:
    """One year's data; with ``as_of`` the history and the registers as they stood at that revision."""
    root, policy = repo.root, repo.policy
    if year < 2000 or year > repo.today.year:
        raise InputError(t("report.bad_year", year=year, max=repo.today.year))
    rev = "HEAD" if as_of is None else rev_parse(root, as_of)
    records = publication_records(root, rev)
    normative: list[Normative] = []
    report_doc: PublishedReport | None = None
    previous_title = f"{policy.org.name}{year - 1}年政府信息公开工作年度报告"
    previous: list[tuple[str, str]] = []  # (path, body) of last year's published reports, in order
    for start in range(0, len(records), _BLOB_BATCH):  # a batch at a time: 4,000 blobs held at once were a cold report's peak
        chunk = records[start : start + _BLOB_BATCH]
        blobs = read_blobs(root, (r.blob for r in chunk))
        for rec in chunk:
            raw = blobs.get(rec.blob)
            if raw is None:
                continue
            try:
                doc = parse_document(raw, rec.path)
            except GkctlError:
                continue  # an approved blob that no longer parses is validate's business, not the report's
            if _is_normative(policy, doc.category):
                normative.append(Normative(rec.doc_id, rec.published_at, rec.state, rec.notice_date, doc.formed,
                                           rec.commit))  # fmt: skip
            if doc.category != REPORT_CATEGORY or rec.state == "withdrawn":
                continue
            if f"{year}年" in doc.title and (report_doc is None or rec.published_at < report_doc.published_at):
                report_doc = PublishedReport(rec.path, rec.published_at, rec.commit, doc.body)
            if doc.title == previous_title:
                previous.append((rec.path, doc.body))
        del blobs
    published = sum(1 for r in records if r.published_at.year == year and r.state != "withdrawn")
    with _registers(root, as_of and rev) as where:
        narrative = load_narrative(where, year)
        applications = load_applications(where)
        appeals = load_appeals(where)
    if narrative.previous_out is None:
        narrative = _previous_from_published(narrative, previous)
    data = ReportData(
        year=year,
        organisation=policy.org.name,
        narrative=narrative,
        normative=count_normative(normative, year),
        published=published,
        applications=applications,
        appeals=appeals,
        report_published=report_doc.published_at if report_doc else None,
        report_path=report_doc.path if report_doc else None,
        office=policy.org.office,
        site_title=policy.org.site_title,
        site_url=policy.org.site_url,
    )
    return Gathered(data, normative, report_doc)


@contextmanager
def _registers(root: Path, rev: str | None) -> Iterator[Path]:
    """The working tree, or the register folders as they were at ``rev`` in a temporary directory."""
    if not rev:
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="gkctl-as-of-") as tmp:
        export_tree(root, rev, REGISTER_FOLDERS, Path(tmp))
        yield Path(tmp)


def _previous_from_published(narrative: Narrative, previous: list[tuple[str, str]]) -> Narrative:
    """Last year's published report (a 政府信息公开年报 document: ``previous`` are their paths and
    bodies) as the source of the cross-year check."""
    for path, body in previous:
        found = carried_out(body)
        if found is not None:
            return replace(narrative, previous_out=found, previous_source=path)
    return narrative


def annual_report(repo: Repository, year: int, as_of: str | None = None) -> AnnualResult:
    """The report; when this year's report was published, every cell that differs from it is named.

    ``as_of="published"`` computes the year as the history stood when its report was published.
    """
    if as_of == PUBLISHED:
        current = gather_all(repo, year)
        if current.published is None:
            raise InputError(t("report.no_published", year=year))
        as_of = current.published.commit
    gathered = gather_all(repo, year, as_of)
    report, found = assemble(gathered.data, repo.today)
    found += [
        Finding("GK715", "warning", gathered.published.path if gathered.published else None, None, msg)
        for msg in moved_messages(repo, gathered, report)
    ]
    return AnnualResult(report, found)


def moved_messages(repo: Repository, gathered: Gathered, report: AnnualReport) -> list[str]:
    """One sentence per cell of the published report that today's count no longer gives."""
    pub = gathered.published
    if pub is None:
        return []
    diffs = compare(pub.body, report, count_table3(gathered.data.applications, report.year).placements,
                    _movers(repo, pub, gathered))  # fmt: skip
    unknown = t("report.moved_unknown")
    return [t("report.moved", year=report.year, path=pub.path, date=pub.published_at.isoformat(), cell=d.cell,
              published=d.published, now=d.now, records="、".join(d.records) or unknown) for d in diffs]  # fmt: skip


def _movers(repo: Repository, pub: PublishedReport, gathered: Gathered) -> Movers:
    """Records changed after the report's publication commit: register files and 规范性文件 steps."""
    paths, messages = changed_since(repo.root, pub.commit, ("applications", "appeals"))
    apps = frozenset(Path(p).stem for p in paths if p.startswith("applications/"))
    cases = frozenset(Path(p).stem for p in paths if p.startswith("appeals/"))
    ids = {n.doc_id for n in gathered.normative}
    moved: list[str] = []
    for message in messages:
        step = re.search(r"^Gkctl-Step:\s*(publish|repeal|withdraw)\s*$", message, re.M)
        doc = re.search(r"^Gkctl-Document:\s*(\S+)\s*$", message, re.M)
        if step and doc and doc.group(1) in ids and doc.group(1) not in moved:
            moved.append(doc.group(1))
    return Movers(tuple(moved), apps, cases)


def placements(repo: Repository, year: int) -> list[tuple[str, str, str, list[str]]]:
    """Where each application is counted in table 三: (id, file, column, row names), for checking by hand."""

    apps = {a.id: a for a in load_applications(repo.root)}
    result = count_table3(list(apps.values()), year)
    return [(p.app_id, apps[p.app_id].path, p.column, [short_row_name(i) for i in p.rows]) for p in result.placements]


def render_report(report: AnnualReport, fmt: str, plain_tables: bool = False) -> str | bytes:
    """The report as text (md, html, json) or as a file's bytes (docx, pdf)."""
    if fmt == "docx":
        return word.annual_docx(report)
    if fmt == "pdf":
        return pdf.to_pdf(word.annual_docx(report), render.render_html(report))
    if fmt == "html":
        return render.render_html(report)
    if fmt == "json":
        import json

        return json.dumps(render.to_json(report), ensure_ascii=False, indent=2) + "\n"
    return render.render_markdown(report, plain_tables=plain_tables)


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


def site_catalogue(site: Path) -> SiteCatalogue:
    """The index numbers a built site lists, from its ``manifest.json``."""
    path = site / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["items"]
        numbers = frozenset(str(i["index_number"]) for i in items if i.get("title"))  # withdrawn ones have none
        return SiteCatalogue(str(site), str(data.get("rev", "")), str(data.get("generated", "")), numbers)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(t("audit.bad_site", path=str(path), reason=type(exc).__name__), str(path)) from None


def audit_findings(
    repo: Repository, year: int | None, site: Path | None = None
) -> tuple[tuple[int, ...], list[Finding]]:
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
        report_changes=tuple(_late_changes(repo, years)),
        site=site_catalogue(site) if site is not None else None,
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


def _late_changes(repo: Repository, years: tuple[int, ...]) -> list[Finding]:
    """GK817 for every cell of a published annual report that today's records no longer give."""
    out: list[Finding] = []
    for y in years:
        if y >= repo.today.year:
            continue
        try:
            gathered = gather_all(repo, y)
            if gathered.published is None:
                continue
            report, _ = assemble(gathered.data, repo.today)
            out += [report_moved(gathered.published.path, m) for m in moved_messages(repo, gathered, report)]
        except GkctlError:
            continue  # a register that does not parse is reported by validate and by the audit itself
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
    # the folded analysis: the assessment reads front matter, events and publications, never bodies
    return assess(analyse_head(repo.root), load_applications(repo.root), repo.policy, year, repo.today)


def render_assessment(result, fmt: str) -> str:
    import json


    if fmt == "json":
        data = result.as_dict()
        for entry, s in zip(data["sections"], result.sections, strict=True):
            entry["opinion"] = opinion(s, result.year)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return render._env().get_template("assess.md.j2").render(a=result, opinion=opinion)
