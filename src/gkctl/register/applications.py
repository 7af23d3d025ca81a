"""The 依申请公开 register's files: one YAML file per application under ``applications/<year>/``.

An application records facts (when it was received and how, what happened, how it was
answered); everything derived — the deadline, the state, the annual-report row — is
computed from those facts (``deadlines``, ``rules``), so the file never needs editing to
"update" a status.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.yamlio import Loaded, as_date
from gkctl.register.model import (
    APPLICANT_TYPES,
    CHANNELS,
    EVENT_KEYS,
    EVENT_TYPES,
    FOLDER,
    ID_PATTERN,
    KNOWN_KEYS,
    RESULT_CATEGORIES,
    Application,
    Event,
)
from gkctl.register.records import read_records, record_paths, refuse_errors, text_of


def application_paths(root: Path) -> list[str]:
    return record_paths(root, FOLDER)




def parse_application(loaded: Loaded, path: str) -> tuple[Application | None, list[Finding]]:
    """Build an ``Application`` from one file; structural problems become findings.

    Returns ``None`` when a required fact is missing or malformed (the findings say which).
    """
    out: list[Finding] = []
    data = loaded.data
    if not isinstance(data, dict):
        return None, [finding("GK501", "error", path, loaded.line(), key="id")]

    def err(code: str, *keypath: str | int, **params: object) -> None:
        out.append(finding(code, "error", path, loaded.line(*keypath), **params))

    for key in data:
        if key not in KNOWN_KEYS:
            out.append(finding("GK515", "warning", path, loaded.line(key), key=key, known="、".join(KNOWN_KEYS)))
    app_id = text_of(data.get("id")) or Path(path).stem
    received = as_date(data.get("received"))
    if "received" not in data:
        err("GK501", key="received")
    elif received is None:
        err("GK502", "received", key="received", value=data.get("received"))
    channel = text_of(data.get("channel"))
    if channel is None:
        err("GK501", key="channel")
    elif channel not in CHANNELS:
        err("GK503", "channel", value=channel, known="、".join(CHANNELS))
    applicant = data.get("applicant")
    a_type = a_name = None
    if not isinstance(applicant, dict):
        err("GK501", *(("applicant",) if "applicant" in data else ()), key="applicant.type")
    else:
        a_type, a_name = text_of(applicant.get("type")), text_of(applicant.get("name"))
        if a_type is None:
            err("GK501", "applicant", key="applicant.type")
        elif a_type not in APPLICANT_TYPES:
            err("GK504", "applicant", "type", value=a_type, known="、".join(APPLICANT_TYPES))
    request = text_of(data.get("request"))
    if request is None:
        err("GK501", key="request")
    events = _events(data.get("events"), loaded, path, out)
    result = text_of(data.get("result"))
    reason = text_of(data.get("result_reason"))
    if result is not None and result not in RESULT_CATEGORIES:
        err("GK506", "result", value=result, known="、".join(RESULT_CATEGORIES))
    replied = as_date(data.get("replied"))
    if data.get("replied") is not None and replied is None:
        err("GK502", "replied", key="replied", value=data.get("replied"))
    fee_raw = data.get("fee", 0)
    fee = 0.0
    if fee_raw is not None:
        if isinstance(fee_raw, bool) or not isinstance(fee_raw, int | float) or fee_raw < 0:
            err("GK502", "fee", key="fee", value=fee_raw)
        else:
            fee = float(fee_raw)
    pages = data.get("pages")
    if pages is not None and (isinstance(pages, bool) or not isinstance(pages, int) or pages < 0):
        err("GK502", "pages", key="pages", value=pages)
        pages = None
    section = text_of(data.get("section"))
    if any(f.is_error for f in out) or received is None or channel is None or a_type is None or request is None:
        return None, out
    lines = tuple((k, loaded.line(k) or 1) for k in data)
    app = Application(
        id=app_id,
        path=path,
        received=received,
        channel=channel,
        applicant_type=a_type,
        applicant=a_name or "",
        request=request,
        events=tuple(events),
        result=result,
        result_reason=reason,
        replied=replied,
        fee=fee,
        pages=pages,
        section=section,
        lines=lines,
    )
    return app, out


def _events(raw: Any, loaded: Loaded, path: str, out: list[Finding]) -> list[Event]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        out.append(finding("GK502", "error", path, loaded.line("events"), key="events", value=type(raw).__name__))
        return []
    events: list[Event] = []
    for i, item in enumerate(raw):
        line = loaded.line("events", i)
        if not isinstance(item, dict):
            out.append(finding("GK502", "error", path, line, key=f"events[{i + 1}]", value=item))
            continue
        for key in item:
            if key not in EVENT_KEYS:
                out.append(finding("GK515", "warning", path, line, key=key, known="、".join(EVENT_KEYS)))
        etype, day = text_of(item.get("type")), as_date(item.get("date"))
        if etype not in EVENT_TYPES:
            out.append(finding("GK505", "error", path, line, value=etype, known="、".join(EVENT_TYPES)))
            continue
        if day is None:
            out.append(finding("GK502", "error", path, line, key=f"{etype}.date", value=item.get("date")))
            continue
        days = item.get("days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days <= 0):
            out.append(finding("GK502", "error", path, line, key=f"{etype}.days", value=days))
            days = None
        amount = item.get("amount")
        amount = float(amount) if isinstance(amount, int | float) and not isinstance(amount, bool) else None
        events.append(
            Event(
                type=etype,
                date=day,
                line=line,
                days=days,
                approved_by=text_of(item.get("approved_by")),
                party=text_of(item.get("party")),
                until=as_date(item.get("until")),
                amount=amount,
                note=text_of(item.get("note")),
            )
        )
    return events








def read_applications(root: Path, paths: Iterable[str] | None = None) -> tuple[list[Application], list[Finding]]:
    """Every application that parses, plus the findings of those that do not."""
    chosen = application_paths(root) if paths is None else paths
    return read_records(root, chosen, parse_application, lambda a: (a.received, a.id))


def load_applications(root: Path) -> list[Application]:
    """All applications, refusing (``InputError``, file and line) any file that does not parse."""
    return refuse_errors(*read_applications(root))




def find_application(root: Path, app_id: str) -> Application:
    for app in load_applications(root):
        if app.id == app_id:
            return app
    raise InputError(t("apply.not_found", id=app_id))


def next_id(root: Path, year: int) -> str:
    """The next id of ``year``: ``YYYY-NNN``, one more than the highest there is."""
    highest = 0
    for relpath in application_paths(root):
        m = ID_PATTERN.match(Path(relpath).stem)
        if m and int(m.group(1)) == year:
            highest = max(highest, int(m.group(2)))
    return f"{year}-{highest + 1:03d}"
