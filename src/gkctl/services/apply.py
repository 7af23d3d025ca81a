"""``gkctl apply …``: register applications, record what happens, answer them, list and explain.

Every change is checked the way ``validate`` would check the file afterwards (errors refuse
the change, warnings are returned for the command to show), then written and committed in
one signed commit by a person holding the ``registrar`` role. If the commit fails the file
is put back as it was, so nothing half-done stays in the working tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from gkctl.core.errors import GkctlError, InputError, RuleError
from gkctl.core.findings import Finding
from gkctl.core.i18n import t
from gkctl.core.policy import Person
from gkctl.core.yamlio import dump_yaml, load_yaml
from gkctl.register.applications import find_application, load_applications, next_id, parse_application
from gkctl.register.deadlines import DELAY_EVENT, Deadline, Step, compute_deadline, is_overdue, state_of
from gkctl.register.fees import Fee, fee_by_items, fee_by_pages
from gkctl.register.model import (
    APPLICANT_TYPES,
    CHANNELS,
    EVENT_TYPES,
    RESULT_CATEGORIES,
    RESULT_SUBITEMS,
    Application,
    application_path,
    resolve_subitem,
)
from gkctl.register.rules import check_application, check_fee
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import commit
from gkctl.trail.signatures import configured_person

ROLE = "registrar"
_ORDER = ("id", "received", "channel", "applicant", "section", "request", "events", "result", "result_reason",
          "replied", "fee", "pages")  # fmt: skip


# --------------------------------------------------------------------------- writing


def registrar(repo: Repository) -> Person:
    """The person behind the configured signing key, who must hold the registrar role."""

    person = configured_person(repo.root, repo.policy, repo.today)
    if ROLE not in person.roles:
        raise RuleError(t("apply.not_registrar", person=person.id, name=person.name, role=ROLE))
    return person


def render_record(data: dict[str, Any], order: tuple[str, ...] = _ORDER, header: str = "apply.file_header") -> str:
    """The file as the register writes it: block keys, one flow mapping per event."""
    lines = [f"# {t(header)}"]
    keys = [k for k in order if k in data] + [k for k in data if k not in order]
    for key in keys:
        value = data[key]
        if value is None:
            continue
        if isinstance(value, dict):
            lines.append(f"{key}: {_flow(value)}")
        elif isinstance(value, list):
            lines.append(f"{key}:" if value else f"{key}: []")
            lines += [f"  - {_flow(item)}" for item in value]
        else:
            lines.append(dump_yaml({key: value}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
    return text.strip().removesuffix("...").strip()


def write_and_commit(
    repo: Repository, relpath: str, text: str, message: str, parse: Callable[..., Any], check: Callable[[Any], Any]
) -> list[Finding]:
    """Check the new content as validate would, then write it and make the signed commit."""
    record, findings = parse(load_yaml(text, relpath), relpath)
    if record is not None:
        findings = findings + check(record)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise RuleError(errors[0].message, relpath, None)
    full = repo.root / relpath
    before = full.read_bytes() if full.exists() else None
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_text(text, encoding="utf-8")
    try:
        commit(repo.root, message, [relpath])
    except GkctlError:
        if before is None:
            full.unlink()
        else:
            full.write_bytes(before)
        raise
    return [f for f in findings if not f.is_error]


def _commit_message(subject: str, body: str, app_id: str, person: Person) -> str:
    """Subject, body and trailers; who acted is the signing key, not anything written here."""
    return f"{subject}\n\n{body}\n\nGkctl-Step: apply\nGkctl-Application: {app_id}\n"


def _raw(repo: Repository, app: Application) -> dict[str, Any]:
    data = load_yaml((repo.root / app.path).read_text(encoding="utf-8"), app.path).data
    return dict(data)


def _check_app(repo: Repository) -> Callable[[Application], list[Finding]]:
    people = [p.id for p in repo.policy.people.people]
    def check(app: Application) -> list[Finding]:
        others = [a for a in load_applications(repo.root) if a.id != app.id]
        return check_application(app, repo.policy.calendar, repo.today, people) + check_fee(app, [*others, app])

    return check


def _one_of(value: str, known: tuple[str, ...], key: str) -> str:
    if value not in known:
        raise InputError(t("apply.bad_choice", key=key, value=value, known="、".join(known)))
    return value


@dataclass(frozen=True)
class Change:
    id: str
    path: str
    warnings: list[Finding]


def new_application(
    repo: Repository, *, channel: str, applicant_type: str, applicant: str, request: str, received: date | None = None,
    section: str | None = None,
) -> Change:  # fmt: skip
    _one_of(channel, CHANNELS, "--channel")
    if section is not None:
        _one_of(section, repo.policy.org.sections, "--section")
    _one_of(applicant_type, APPLICANT_TYPES, "--applicant-type")
    if not applicant.strip() or not request.strip():
        raise InputError(t("apply.empty", key="--applicant / --request"))
    received = received or repo.today
    repo.policy.calendar.check_year(received.year)
    person = registrar(repo)
    app_id = next_id(repo.root, received.year)
    relpath = application_path(app_id, received)
    data: dict[str, Any] = {
        "id": app_id,
        "received": received,
        "channel": channel,
        "applicant": {"type": applicant_type, "name": applicant.strip()},
        "section": section,
        "request": request.strip(),
    }
    msg = _commit_message(t("apply.commit.new", id=app_id), t("apply.commit.new_body", channel=channel,
                          date=received.isoformat(), type=applicant_type), app_id, person)  # fmt: skip
    warnings = write_and_commit(repo, relpath, render_record(data), msg, parse_application, _check_app(repo))
    return Change(app_id, relpath, warnings)


def add_event(
    repo: Repository,
    app_id: str,
    event_type: str,
    *,
    day: date | None = None,
    days: int | None = None,
    approved_by: str | None = None,
    party: str | None = None,
    until: date | None = None,
    amount: float | None = None,
    note: str | None = None,
) -> Change:
    _one_of(event_type, EVENT_TYPES, "TYPE")
    app = find_application(repo.root, app_id)
    if app.replied is not None:
        raise RuleError(t("apply.already_replied", id=app.id, date=app.replied.isoformat()), app.path)
    if event_type == "延期":
        if days is None or approved_by is None:
            raise InputError(t("apply.extension_needs"))
        if repo.policy.people.get(approved_by) is None:
            raise InputError(t("GK516", person=approved_by))
    if event_type == DELAY_EVENT and (until is None or not (note or "").strip()):
        raise InputError(t("apply.delay_needs"))
    if event_type == "补正告知" and app.events_of("补正告知"):
        raise RuleError(t("GK519"), app.path)
    person = registrar(repo)
    event: dict[str, Any] = {"type": event_type, "date": day or repo.today}
    for key, value in (("days", days), ("approved_by", approved_by), ("party", party), ("until", until),
                       ("amount", amount), ("note", note)):  # fmt: skip
        if value is not None:
            event[key] = value
    data = _raw(repo, app)
    data["events"] = [*(data.get("events") or []), event]
    msg = _commit_message(t("apply.commit.event", id=app.id, event=event_type),
                          t("apply.commit.event_body", date=event["date"].isoformat()), app.id, person)  # fmt: skip
    warnings = write_and_commit(repo, app.path, render_record(data), msg, parse_application, _check_app(repo))
    return Change(app.id, app.path, warnings)


def resolve_result(result: str, reason: str | None) -> tuple[str, str | None]:
    """Category and exact sub-item from what a clerk typed (numbered or short forms accepted)."""
    category = result.strip()
    for name in RESULT_CATEGORIES:
        if category.endswith(name) or category.startswith(name):
            category = name
            break
    if category not in RESULT_CATEGORIES:
        raise InputError(t("GK506", value=result, known="、".join(RESULT_CATEGORIES)))
    subs = RESULT_SUBITEMS[category]
    if not subs:
        if reason:
            raise InputError(t("GK521", result=category))
        return category, None
    if not reason:
        raise InputError(t("GK522", result=category, known=_numbered(subs)))
    exact = resolve_subitem(category, reason)
    if exact is None:
        raise InputError(t("GK507", reason=reason, result=category, known=_numbered(subs)))
    return category, exact


def _numbered(subs: tuple[str, ...]) -> str:
    return "；".join(f"{i}.{s}" for i, s in enumerate(subs, 1))


def reply(
    repo: Repository, app_id: str, *, result: str, reason: str | None = None, day: date | None = None,
    fee: float | None = None, pages: int | None = None,
) -> Change:  # fmt: skip
    category, subitem = resolve_result(result, reason)
    if pages is not None and pages < 0:
        raise InputError(t("apply.bad_choice", key="--pages", value=pages, known="≥ 0"))
    app = find_application(repo.root, app_id)
    if app.replied is not None:
        raise RuleError(t("apply.already_replied", id=app.id, date=app.replied.isoformat()), app.path)
    if fee is not None and fee < 0:
        raise InputError(t("apply.bad_choice", key="--fee", value=fee, known="≥ 0"))
    person = registrar(repo)
    data = _raw(repo, app)
    data["result"] = category
    data["result_reason"] = subitem
    data["replied"] = day or repo.today
    if fee is not None:
        data["fee"] = int(fee) if float(fee).is_integer() else fee
    if pages is not None:
        data["pages"] = pages
    label = f"{category}（{subitem}）" if subitem else category
    msg = _commit_message(t("apply.commit.reply", id=app.id, result=label),
                          t("apply.commit.reply_body", date=data["replied"].isoformat()), app.id, person)  # fmt: skip
    warnings = write_and_commit(repo, app.path, render_record(data), msg, parse_application, _check_app(repo))
    return Change(app.id, app.path, warnings)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Row:
    """One application as ``apply list`` shows it."""

    app: Application
    deadline: Deadline | None
    state: str
    overdue: bool
    days_left: int | None
    error: str | None = None  # the deadline could not be computed (calendar year unknown)

    def as_dict(self) -> dict[str, Any]:
        a = self.app
        return {
            "id": a.id,
            "received": a.received,
            "channel": a.channel,
            "applicant_type": a.applicant_type,
            "applicant": a.applicant,
            "request": a.request,
            "due": self.deadline.due if self.deadline else None,
            "days_left": self.days_left,
            "state": self.state,
            "overdue": self.overdue,
            "replied": a.replied,
            "result": a.result,
            "result_reason": a.result_reason,
            "fee": a.fee,
            "pages": a.pages,
            "section": a.section,
            "delayed_until": self.deadline.delayed_until if self.deadline else None,
            "path": a.path,
            "error": self.error,
        }


def row_of(repo: Repository, app: Application) -> Row:
    cal = repo.policy.calendar
    dl = compute_deadline(app, cal, repo.today)
    state = state_of(app, dl, repo.today)
    if dl.missing_year is not None:
        return Row(app, dl, state, False, None, render_step(dl.steps[-1]))
    left = None
    if app.replied is None and dl.due is not None:
        try:
            left = cal.workdays_between(repo.today, dl.due)
        except InputError as exc:
            return Row(app, dl, state, repo.today > dl.due, None, str(exc))
    return Row(app, dl, state, is_overdue(app, dl, repo.today), left)


def list_applications(
    repo: Repository, *, open_only: bool = False, overdue_only: bool = False, year: int | None = None
) -> list[Row]:
    rows = []
    for app in load_applications(repo.root):
        if year is not None and app.received.year != year:
            continue
        if open_only and app.replied is not None:
            continue
        row = row_of(repo, app)
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    return rows


def show_application(repo: Repository, app_id: str) -> Row:
    return row_of(repo, find_application(repo.root, app_id))


def fmt_day(d: date) -> str:
    names = t("calendar.weekdays").split(",")
    if len(names) != 7:
        return d.isoformat()
    return t("calendar.day", date=d.isoformat(), weekday=names[d.weekday()])


def render_step(step: Step, names: dict[str, str] | None = None) -> str:
    """One line of the worked-out deadline, in the current language (``names``: person id -> name)."""
    params: dict[str, Any] = {}
    for key, value in step.params.items():
        if key == "approved_by" and names and value in names:
            params[key] = f"{names[value]}（{value}）"
        elif isinstance(value, date):
            params[key] = fmt_day(value)
        elif key == "spans":
            params[key] = "；".join(
                f"{name} {fmt_day(a)}" if a == b else f"{name} {fmt_day(a)}–{fmt_day(b)}" for name, a, b in value
            )
        elif key == "days" and isinstance(value, list):
            params[key] = "、".join(f"{fmt_day(d.day)}{'（' + d.name + '）' if d.name else ''}" for d in value)
        else:
            params[key] = value
    return t(step.key, **params)


def person_names(repo: Repository) -> dict[str, str]:
    return {p.id: p.name for p in repo.policy.people.people}


def step_dicts(dl: Deadline, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [{"key": s.key, "text": render_step(s, names)} for s in dl.steps]


def application_dict(row: Row, names: dict[str, str] | None = None) -> dict[str, Any]:
    out = row.as_dict()
    out["events"] = [
        {k: v for k, v in (("type", e.type), ("date", e.date), ("days", e.days), ("approved_by", e.approved_by),
                           ("party", e.party), ("until", e.until), ("amount", e.amount), ("note", e.note))
         if v is not None}
        for e in row.app.events
    ]  # fmt: skip
    out["steps"] = step_dicts(row.deadline, names) if row.deadline else []
    return out


def compute_fee(pages: int | None = None, items: int | None = None, already: int = 0) -> Fee:
    if (pages is None) == (items is None):
        raise InputError(t("fee.one_method"))
    if (pages or 0) < 0 or (items or 0) < 0 or already < 0:
        raise InputError(t("fee.negative"))
    return fee_by_pages(pages) if pages is not None else fee_by_items(items or 0, already)
