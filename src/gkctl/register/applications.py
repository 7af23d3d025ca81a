"""The 依申请公开 register: one YAML file per application under ``applications/<year>/``.

An application records facts (when it was received and how, what happened, how it was
answered); everything derived — the deadline, the state, the annual-report row — is
computed from those facts, so the file never needs editing to "update" a status.

The result is stored as the national annual-report table's own category and sub-item
(``RESULT_ROWS``), so the report counts without any mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gkctl.core.document import decode
from gkctl.core.errors import InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.yamlio import Loaded, as_date, load_yaml

if TYPE_CHECKING:
    from gkctl.core.calendar import WorkCalendar
    from gkctl.register.deadlines import Deadline

FOLDER = "applications"
CHANNELS = ("当面", "邮寄", "网络", "传真", "其他")
APPLICANT_TYPES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
EVENT_TYPES = ("补正告知", "补正收到", "征求意见", "征求意见答复", "延期", "收费通知", "缴费")
ID_PATTERN = re.compile(r"^(\d{4})-(\d{3,})$")
T = TypeVar("T")
KNOWN_KEYS = (
    "id",
    "received",
    "channel",
    "applicant",
    "request",
    "events",
    "result",
    "result_reason",
    "replied",
    "fee",
)
EVENT_KEYS = ("type", "date", "days", "approved_by", "party", "until", "amount", "note")

# The national table (国办公开办函〔2021〕30号), section 三, rows 3–23: category and sub-item,
# as stored in ``result`` / ``result_reason`` (labels without their numbering).
_TABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("予以公开", "（一）予以公开", ()),
    ("部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    (
        "不予公开",
        "（三）不予公开",
        (
            "属于国家秘密",
            "其他法律行政法规禁止公开",
            "危及“三安全一稳定”",
            "保护第三方合法权益",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "属于行政执法案卷",
            "属于行政查询事项",
        ),
    ),
    ("无法提供", "（四）无法提供", ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")),
    (
        "不予处理",
        "（五）不予处理",
        (
            "信访举报投诉类申请",
            "重复申请",
            "要求提供公开出版物",
            "无正当理由大量反复申请",
            "要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "其他处理",
        "（六）其他处理",
        (
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "其他",
        ),
    ),
)

RESULT_CATEGORIES: tuple[str, ...] = tuple(cat for cat, _, _ in _TABLE)
RESULT_SUBITEMS: dict[str, tuple[str, ...]] = {cat: subs for cat, _, subs in _TABLE}
# Category -> its label in the table, e.g. 不予公开 -> （三）不予公开.
RESULT_CATEGORY_LABELS: dict[str, str] = {cat: label for cat, label, _ in _TABLE}
# Rows 3–23 of the table, in order: (category, sub-item or None).
RESULT_ROWS: list[tuple[str, str | None]] = [
    row for cat, _, subs in _TABLE for row in ([(cat, s) for s in subs] if subs else [(cat, None)])
]


def subitem_label(category: str, subitem: str) -> str:
    """The numbered label the table prints, e.g. ``1.属于国家秘密``."""
    return f"{RESULT_SUBITEMS[category].index(subitem) + 1}.{subitem}"


_SHORT = {"逾期不补正": 0, "逾期未缴费": 1, "逾期不缴费": 1}


def resolve_subitem(category: str, text: str | None) -> str | None:
    """The table's sub-item meant by ``text``: exact, numbered (``1.属于国家秘密``, ``1``),
    quotes typed differently, or a short alias of the long 其他处理 items. None if unknown."""
    subs = RESULT_SUBITEMS.get(category, ())
    if text is None or not subs:
        return None
    raw = str(text).strip()
    m = re.match(r"^(\d+)\s*[.．、]?\s*(.*)$", raw)
    if m:
        number, rest = int(m.group(1)), m.group(2)
        if not rest and 1 <= number <= len(subs):
            return subs[number - 1]
        raw = rest
    plain = _plain(raw)
    for sub in subs:
        if _plain(sub) == plain:
            return sub
    if category == "其他处理" and plain in _SHORT:
        return subs[_SHORT[plain]]
    return None


def _plain(text: str) -> str:
    return re.sub(r"[\"'“”‘’「」『』\s]", "", text)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    date: date
    line: int | None = None
    days: int | None = None  # 延期: working days added
    approved_by: str | None = None  # 延期: person id of the 政府信息公开工作机构负责人
    party: str | None = None  # 征求意见: who is consulted (第三方 / another agency)
    until: date | None = None  # 补正告知: the 补正期限 given; 收费通知: the payment deadline
    amount: float | None = None  # 收费通知 / 缴费: yuan
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    path: str  # repo-relative
    received: date
    channel: str
    applicant_type: str
    applicant: str  # name (fictional in examples; personal data stays out of the public site)
    request: str
    events: tuple[Event, ...] = ()
    result: str | None = None
    result_reason: str | None = None
    replied: date | None = None
    fee: float = 0
    lines: tuple[tuple[str, int], ...] = ()  # top-level key -> line, for findings

    def line(self, key: str) -> int | None:
        return dict(self.lines).get(key)

    @property
    def year(self) -> int:
        return self.received.year

    @property
    def is_open(self) -> bool:
        return self.replied is None

    def events_of(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]

    def deadline(self, calendar: WorkCalendar, today: date | None = None) -> Deadline:
        from gkctl.register.deadlines import compute_deadline

        return compute_deadline(self, calendar, today)

    def due(self, calendar: WorkCalendar) -> date | None:
        """The reply deadline under the events recorded so far; None while the clock is stopped."""
        return self.deadline(calendar).due


# --------------------------------------------------------------------------- loading


def application_paths(root: Path) -> list[str]:
    folder = root / FOLDER
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in folder.glob("*/*.yaml") if p.is_file())


def read_yaml_file(root: Path, relpath: str) -> Loaded:
    return load_yaml(decode((root / relpath).read_bytes(), relpath), relpath)


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
    app_id = _text(data.get("id")) or Path(path).stem
    received = as_date(data.get("received"))
    if "received" not in data:
        err("GK501", key="received")
    elif received is None:
        err("GK502", "received", key="received", value=data.get("received"))
    channel = _text(data.get("channel"))
    if channel is None:
        err("GK501", key="channel")
    elif channel not in CHANNELS:
        err("GK503", "channel", value=channel, known="、".join(CHANNELS))
    applicant = data.get("applicant")
    a_type = a_name = None
    if not isinstance(applicant, dict):
        err("GK501", *(("applicant",) if "applicant" in data else ()), key="applicant.type")
    else:
        a_type, a_name = _text(applicant.get("type")), _text(applicant.get("name"))
        if a_type is None:
            err("GK501", "applicant", key="applicant.type")
        elif a_type not in APPLICANT_TYPES:
            err("GK504", "applicant", "type", value=a_type, known="、".join(APPLICANT_TYPES))
    request = _text(data.get("request"))
    if request is None:
        err("GK501", key="request")
    events = _events(data.get("events"), loaded, path, out)
    result = _text(data.get("result"))
    reason = _text(data.get("result_reason"))
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
        etype, day = _text(item.get("type")), as_date(item.get("date"))
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
                approved_by=_text(item.get("approved_by")),
                party=_text(item.get("party")),
                until=as_date(item.get("until")),
                amount=amount,
                note=_text(item.get("note")),
            )
        )
    return events


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_records(
    root: Path, paths: Iterable[str], parse: Callable[[Loaded, str], tuple[T | None, list[Finding]]],
    order: Callable[[T], Any],
) -> tuple[list[T], list[Finding]]:
    """Every record of ``paths`` that parses (sorted by ``order``), plus the findings of those that do not."""
    items: list[T] = []
    findings: list[Finding] = []
    for relpath in paths:
        item, found = parse(read_yaml_file(root, relpath), relpath)
        findings.extend(found)
        if item is not None:
            items.append(item)
    items.sort(key=order)
    return items, findings


def refuse_errors(items: list[T], findings: list[Finding]) -> list[T]:
    """``items``, or ``InputError`` (file and line) for the first record that does not parse."""
    for f in findings:
        if f.is_error:
            raise InputError(f.message, f.path, f.line)
    return items


def read_applications(root: Path, paths: Iterable[str] | None = None) -> tuple[list[Application], list[Finding]]:
    """Every application that parses, plus the findings of those that do not."""
    chosen = application_paths(root) if paths is None else paths
    return read_records(root, chosen, parse_application, lambda a: (a.received, a.id))


def load_applications(root: Path) -> list[Application]:
    """All applications, refusing (``InputError``, file and line) any file that does not parse."""
    return refuse_errors(*read_applications(root))


def check_records(root: Path, policy: Any, today: date | None = None) -> list[Finding]:
    """Findings about ``applications/`` and ``appeals/`` (for ``gkctl validate``)."""
    from gkctl.register.rules import check_register

    people = [p.id for p in policy.people.people]
    return check_register(root, policy.calendar, today or date.today(), people)


def find_application(root: Path, app_id: str) -> Application:
    for app in load_applications(root):
        if app.id == app_id:
            return app
    from gkctl.core.i18n import t

    raise InputError(t("apply.not_found", id=app_id))


def next_id(root: Path, year: int) -> str:
    """The next id of ``year``: ``YYYY-NNN``, one more than the highest there is."""
    highest = 0
    for relpath in application_paths(root):
        m = ID_PATTERN.match(Path(relpath).stem)
        if m and int(m.group(1)) == year:
            highest = max(highest, int(m.group(2)))
    return f"{year}-{highest + 1:03d}"


def application_path(app_id: str, received: date) -> str:
    return f"{FOLDER}/{received.year}/{app_id}.yaml"
