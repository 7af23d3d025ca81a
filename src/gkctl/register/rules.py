"""Validation rules for the 依申请公开 register (codes GK501–GK529).

Structural problems (missing keys, unknown values) are found while parsing
(``applications.parse_application``); these rules judge parsed applications against the
条例's clock and the national table. A late 补正 notice or a late reply is a fact the
register must keep, so it is a warning; a record that cannot be true is an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from gkctl.core.calendar import WorkCalendar
from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.policy import Policy
from gkctl.register.appeals import check_appeals, read_appeals
from gkctl.register.applications import read_applications
from gkctl.register.deadlines import DELAY_EVENT, MAX_EXTENSION, REPLY_DAYS, compute_deadline
from gkctl.register.fees import FeeLimit, fee_limit
from gkctl.register.model import ID_PATTERN, RESULT_SUBITEMS, Application, resolve_subitem
from gkctl.register.records import duplicate_ids

_OPENERS = {"补正收到": "补正告知", "征求意见答复": "征求意见", "缴费": "收费通知"}


def check_application(
    app: Application, cal: WorkCalendar, today: date, people: Iterable[str] | None = None
) -> list[Finding]:
    out: list[Finding] = []
    path = app.path

    def add(code: str, severity: str, line: int | None, **params: object) -> None:
        out.append(finding(code, severity, path, line, **params))  # type: ignore[arg-type]

    # identity: file name, folder year, id year
    stem, folder = Path(path).stem, Path(path).parent.name
    m = ID_PATTERN.match(app.id)
    if app.id != stem or not m or folder != str(app.received.year) or int(m.group(1)) != app.received.year:
        add("GK514", "error", app.line("id") or app.line("received"), id=app.id, year=app.received.year)

    # dates: not in the future, events after receipt and in order, reply after everything
    for key, day in (("received", app.received), ("replied", app.replied)):
        if day is not None and day > today:
            add("GK509", "error", app.line(key), what=key, date=day.isoformat(), detail=_future())
    previous = app.received
    for e in app.events:
        if e.date > today:
            add("GK509", "error", e.line, what=e.type, date=e.date.isoformat(), detail=_future())
        elif e.date < previous:
            add("GK509", "error", e.line, what=e.type, date=e.date.isoformat(), detail=_before(previous))
        previous = max(previous, e.date)
    if app.replied is not None and app.replied < previous:
        add(
            "GK509",
            "error",
            app.line("replied"),
            what="replied",
            date=app.replied.isoformat(),
            detail=_before(previous),
        )

    # result: present exactly when replied; sub-item from its own category
    if (app.result is None) != (app.replied is None):
        add("GK508", "error", app.line("result") or app.line("replied"), id=app.id)
    if app.result is not None:
        subs = RESULT_SUBITEMS.get(app.result, ())
        if subs and app.result_reason is None:
            add("GK522", "error", app.line("result"), result=app.result, known="、".join(subs))
        elif not subs and app.result_reason is not None:
            add("GK521", "error", app.line("result_reason"), result=app.result)
        elif subs and app.result_reason not in subs:
            guess = resolve_subitem(app.result, app.result_reason)
            add(
                "GK507",
                "error",
                app.line("result_reason"),
                reason=app.result_reason,
                result=app.result,
                known=guess if guess else "、".join(subs),
            )

    # events: each answer needs its letter; extensions bounded and approved
    counts: Counter[str] = Counter()
    for e in app.events:
        opener = _OPENERS.get(e.type)
        if opener is not None and counts[opener] <= counts[e.type]:
            add("GK517", "error", e.line, event=e.type, opener=opener)
        counts[e.type] += 1
    if counts["补正告知"] > 1:
        add("GK519", "warning", app.events_of("补正告知")[1].line)
    people_ids = set(people) if people is not None else None
    total_ext = 0
    for e in app.events_of("延期"):
        if e.days is None:
            add("GK510", "error", e.line, days="?", max=MAX_EXTENSION)
            continue
        total_ext += e.days
        if e.approved_by is None:
            add("GK516", "error", e.line, person="")
        elif people_ids is not None and e.approved_by not in people_ids:
            add("GK516", "error", e.line, person=e.approved_by)
    for e in app.events_of(DELAY_EVENT):
        if e.until is None or e.note is None or e.until <= e.date:
            add("GK525", "error", e.line)
    if total_ext > MAX_EXTENSION:
        add("GK510", "error", app.events_of("延期")[-1].line, days=total_ext, max=MAX_EXTENSION)

    # the clock: a year missing from the calendar is a warning, so that recording still succeeds
    dl = compute_deadline(app, cal, today)
    if dl.missing_year is not None:
        out.append(finding("GK524", "warning", path, app.line("received"),
                           detail=t("deadline.no_calendar", year=dl.missing_year, path=cal.path)))  # fmt: skip
        return out
    notices = app.events_of("补正告知")
    if notices and dl.correction_due is not None and notices[0].date > dl.correction_due:
        late = cal.workdays_between(dl.correction_due, notices[0].date)
        add("GK511", "warning", notices[0].line, date=notices[0].date.isoformat(), due=dl.correction_due, late=late)
    if dl.base_due is not None:
        for e in app.events_of("延期"):
            if e.date > dl.base_due:
                add("GK520", "warning", e.line, date=e.date.isoformat(), due=dl.base_due, days=REPLY_DAYS)
    if app.replied is not None and dl.due is not None and app.replied > dl.due:
        late = cal.workdays_between(dl.due, app.replied)
        add("GK512", "warning", app.line("replied"), date=app.replied.isoformat(), due=dl.due.isoformat(), late=late)

    # consistency of the money and the "other" results
    if app.fee > 0 and not app.events_of("缴费"):
        add("GK518", "warning", app.line("fee"), fee=_yuan(app.fee))
    needs = {
        RESULT_SUBITEMS["其他处理"][0]: "补正告知",
        RESULT_SUBITEMS["其他处理"][1]: "收费通知",
        RESULT_SUBITEMS["无法提供"][2]: "补正告知",
    }
    needed = needs.get(app.result_reason or "")
    if needed and not app.events_of(needed):
        add("GK523", "warning", app.line("result_reason"), reason=app.result_reason, event=needed)
    return out


def check_applications(
    apps: list[Application], cal: WorkCalendar, today: date, people: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
) -> list[Finding]:  # fmt: skip
    out = duplicate_ids(apps, "GK513")
    people = list(people) if people is not None else None
    known_sections = set(sections) if sections is not None else None
    for app in apps:
        out.extend(check_application(app, cal, today, people))
        out.extend(check_fee(app, apps))
        if known_sections is not None and app.section is not None and app.section not in known_sections:
            out.append(finding("GK527", "error", app.path, app.line("section"), section=app.section,
                               known="、".join(sorted(known_sections))))  # fmt: skip
    return out


def check_fee(app: Application, register: list[Application]) -> list[Finding]:
    """A fee above what 国办函〔2020〕109号 allows for this application (seed art. 22(四))."""
    if app.fee <= 0:
        return []
    limit = fee_limit(app, register)
    if app.fee <= limit.allowed:
        return []
    return [finding("GK526", "error", app.path, app.line("fee"), fee=_yuan(app.fee), allowed=limit.allowed,
                    detail=fee_detail(limit))]  # fmt: skip


def fee_detail(limit: FeeLimit) -> str:
    items = t("fee.limit_items", nth=limit.nth, amount=limit.by_items)
    pages = t("fee.limit_pages", amount=limit.by_pages) if limit.by_pages is not None else t("fee.limit_no_pages")
    return f"{items}；{pages}"


def check_register(
    root: Path, cal: WorkCalendar, today: date, people: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
) -> list[Finding]:  # fmt: skip
    """Every finding about ``applications/`` and ``appeals/`` of the repository at ``root``."""
    apps, out = read_applications(root)
    out.extend(check_applications(apps, cal, today, people, sections))
    appeals, found = read_appeals(root)
    out.extend(found)
    out.extend(check_appeals(appeals, {a.id for a in apps}, today))
    return out


def _future() -> str:
    return t("apply.detail.future")


def _before(day: date) -> str:
    return t("apply.detail.before", date=day.isoformat())


def _yuan(amount: float) -> str:
    return f"{amount:g}"


def check_records(root: Path, policy: Policy, today: date | None = None) -> list[Finding]:
    """Findings about ``applications/`` and ``appeals/`` (for ``gkctl validate``)."""
    people = [p.id for p in policy.people.people]
    return check_register(root, policy.calendar, today or date.today(), people, policy.org.sections)
