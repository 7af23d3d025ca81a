"""``gkctl calendar add YEAR``: the State Council's holiday notice for a year, entered by the admin.

The built-in calendar stops at its last published year, and the notice for the next year comes
out in November or December. Deadlines that run into that year cannot be computed until the
admin enters the notice's dates: the holidays (放假, including weekdays off for 调休) and the
调休 working days (weekend days worked). The dates are validated — make-up working days only
on weekends, nothing listed twice, every statutory festival present — and committed to
``policies/calendar.yaml`` as a policy change the admin signs. gkctl never guesses a year: a
rule-based holiday list has no 调休 and gives wrong legal deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from gkctl.core.calendar import DEFAULT_PATH, WorkCalendar, date_entries
from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.yamlio import load_yaml
from gkctl.services.people import effective_policy
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import commit, is_dirty
from gkctl.trail.signatures import configured_person

# The festivals every annual notice arranges (国务院办公厅关于 YYYY 年部分节假日安排的通知).
FESTIVALS = ("元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆")


@dataclass(frozen=True)
class CalendarChange:
    year: int
    commit: str
    holidays: int  # days off entered
    workdays: int  # 调休 working days entered


def parse_spec(spec: str, option: str) -> dict[str, Any]:
    """``2027-01-01..2027-01-03:元旦`` or ``2027-02-20:春节`` (the name after the last colon)."""
    days, _, name = spec.partition(":")
    first, _, last = days.partition("..")
    try:
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if last else a
    except ValueError:
        raise InputError(t("calendar.add.bad_spec", option=option, value=spec)) from None
    entry: dict[str, Any] = {"from": a, "to": b} if b != a else {"date": a}
    if name.strip():
        entry["name"] = name.strip()
    return entry


def read_notice_file(path: Path) -> tuple[list[Any], list[Any]]:
    """``holidays:`` and ``workdays:`` lists in the format of ``policies/calendar.yaml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(t("calendar.add.unreadable", path=str(path), reason=str(exc))) from None
    data = load_yaml(text, str(path)).data or {}
    if not isinstance(data, dict) or set(data) - {"year", "holidays", "workdays"}:
        raise InputError(t("calendar.add.bad_file"), str(path))
    return list(data.get("holidays") or []), list(data.get("workdays") or [])


def validate(year: int, holidays: list[Any], workdays: list[Any], cal: WorkCalendar, where: str) -> None:
    """Refuse (``InputError``) anything that cannot be the notice of ``year``."""
    if cal.knows_year(year):
        raise RuleError(t("calendar.add.known", year=year, path=cal.path))
    off = _expand(holidays, "holidays", where)
    work = _expand(workdays, "workdays", where)
    if not off:
        raise InputError(t("calendar.add.no_holidays", year=year), where)
    for _kind, days in (("holidays", off), ("workdays", work)):
        seen: set[date] = set()
        for d, _ in days:
            if d.year != year:
                raise InputError(t("calendar.add.other_year", day=d.isoformat(), year=year), where)
            if d in seen:
                raise InputError(t("calendar.add.overlap", day=d.isoformat()), where)
            seen.add(d)
    both = sorted({d for d, _ in off} & {d for d, _ in work})
    if both:
        raise InputError(t("calendar.both", day=both[0].isoformat()), where)
    for d, _ in work:
        if d.weekday() < 5:
            raise InputError(t("calendar.add.weekday_makeup", day=d.isoformat()), where)
    names = " ".join(n or "" for _, n in off)
    missing = [f for f in FESTIVALS if f not in names]
    if missing:
        raise InputError(t("calendar.add.incomplete", year=year, missing="、".join(missing)), where)


def _expand(entries: list[Any], key: str, where: str) -> list[tuple[date, str | None]]:
    """Every day of the entries, in order, duplicates kept (so overlaps can be named)."""
    out: list[tuple[date, str | None]] = []
    for item in entries:
        one = date_entries([item], key, where, None)
        out.extend(one.items())
    return out


def add_year(repo: Repository, year: int, holidays: list[Any], workdays: list[Any], where: str = "") -> CalendarChange:
    """Validate the notice's dates and commit them to ``policies/calendar.yaml``, signed by an admin."""
    if year < 2000 or year > 2100:
        raise InputError(t("calendar.add.bad_year", year=year))
    rel = DEFAULT_PATH
    if is_dirty(repo.root, [rel]):
        raise RuleError(t("calendar.add.dirty", path=rel), rel)
    policy = effective_policy(repo)
    person = configured_person(repo.root, policy)
    if "admin" not in person.roles:
        raise RuleError(t("calendar.add.not_admin", person=person.id, name=person.name))
    validate(year, holidays, workdays, policy.calendar, where or rel)
    path = repo.root / rel
    original = path.read_bytes() if path.exists() else None
    text = original.decode("utf-8") if original is not None else ""
    data = (load_yaml(text, rel).data if text else None) or {}
    data["years"] = sorted({*(data.get("years") or []), year})
    data["holidays"] = [*(data.get("holidays") or []), *holidays]
    data["workdays"] = [*(data.get("workdays") or []), *workdays]
    WorkCalendar.from_policy_dict(data, rel)  # the file as it will be must load
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_header(text) + _render(data), encoding="utf-8")
    subject = t("calendar.add.subject", year=year)
    try:
        sha = commit(repo.root, f"{subject}\n\n{t('calendar.add.body', year=year)}\n\nGkctl-Step: calendar\n", [rel])
    except Exception:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
        raise
    return CalendarChange(year, sha, len(_expand(holidays, "holidays", rel)), len(_expand(workdays, "workdays", rel)))


def _header(text: str) -> str:
    """The file's leading comment block, kept as the office wrote it."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("#") or not line.strip():
            lines.append(line)
        else:
            break
    return "".join(lines)


def _render(data: dict[str, Any]) -> str:
    """Block keys, one flow mapping per date entry, as the file's comments show."""
    out: list[str] = []
    for key, value in data.items():
        if isinstance(value, list) and key in ("holidays", "workdays"):
            out.append(f"{key}:" if value else f"{key}: []")
            out += [f"  - {_entry(item)}" for item in value]
        elif isinstance(value, list):
            out.append(f"{key}: [{', '.join(str(v) for v in value)}]")
        elif isinstance(value, bool):
            out.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, dict):
            out.append(f"{key}:")
            out += [f"  {k}: {_entry(v)}" for k, v in value.items()]
        else:
            out.append(f"{key}: {value}")
    return "\n".join(out) + "\n"


def _entry(item: Any) -> str:
    if isinstance(item, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in item.items()) + "}"
    return _scalar(item)


def _scalar(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text and not any(c in text for c in ":{}[],#&*!|>'\"%@`") else f'"{text}"'
