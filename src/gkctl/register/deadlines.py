"""The reply deadline of an application, worked out step by step (条例 art. 30–35).

- The clock starts on the receipt date fixed by the channel (art. 31); the day itself is not
  counted unless the calendar setting says so, and a receipt on a rest day may be counted from
  the next working day (``rest_day_receipt: next_workday``).
- A 补正 notice is due within 7 working days of receipt; once notified, the clock waits for
  the supplement and restarts on the day it arrives (art. 30).
- The reply is due 20 working days after the start (art. 33), plus an approved extension of
  at most 20 working days.
- Working days spent consulting a third party or another agency (art. 32, 34), and waiting
  for a fee to be paid (国办函〔2020〕109号), are not counted: a pause from the day the letter goes
  out (exclusive) to the day the answer comes back (inclusive) — but never beyond the statutory
  cap (policy data, ``pause_caps``): a third party that never answers does not stop the clock
  for ever; after the cap the agency decides.
- A 延迟答复 (art. 35: requests clearly beyond a reasonable number or frequency) fixes a later
  date, which becomes the deadline.
- A deadline that needs a year the calendar does not know is not computed: the steps say
  which year is missing, and nothing else stops.

Each step is a message key plus parameters, so ``apply show`` renders it in either language
and ``--format json`` can carry it as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from gkctl.core.calendar import DayInfo, UnknownYear, WorkCalendar
from gkctl.register.model import Application, Event

REPLY_DAYS = 20  # art. 33
CORRECTION_NOTICE_DAYS = 7  # art. 30
MAX_EXTENSION = 20  # art. 33
DELAY_EVENT = "延迟答复"  # art. 35
_PAUSES = (("征求意见", "征求意见答复", "consultation"), ("收费通知", "缴费", "payment"))
_CHANNEL_KEYS = {"当面": "in_person", "邮寄": "post", "网络": "online", "传真": "fax", "其他": "other"}
THIRD_PARTY = "第三方"


@dataclass(frozen=True, slots=True)
class Step:
    key: str  # message key under ``deadline.*``
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Pause:
    kind: str  # consultation | payment
    begin: date  # letter sent / fee notice issued (clock still runs that day)
    end: date | None  # answer / payment received (last paused day); None = still waiting
    party: str | None = None
    cap: str = "third_party"  # which statutory cap applies: third_party | agency | payment
    limit: date | None = None  # the last day the pause may last under the cap
    article: str = ""

    @property
    def last(self) -> date | None:
        """The last paused day: the answer or the cap, whichever comes first."""
        if self.limit is None:
            return self.end
        return self.limit if self.end is None else min(self.end, self.limit)

    def capped(self, today: date | None) -> bool:
        """The cap ended the pause (no answer in time)."""
        if self.limit is None:
            return False
        if self.end is not None:
            return self.end > self.limit
        return today is None or today > self.limit


@dataclass(frozen=True)
class Deadline:
    received: date
    start: date  # the day the 20-working-day clock runs from (receipt or 补正收到)
    correction_due: date | None  # latest day for a 补正 notice (None: calendar year unknown)
    base_due: date | None  # 20 working days after start, no pauses, no extension
    due: date | None  # the deadline under every event recorded; None while the clock is stopped
    waiting: str | None  # supplement | consultation | payment: what the stopped clock waits for
    extension_days: int
    paused_workdays: int
    pauses: tuple[Pause, ...]
    steps: tuple[Step, ...]
    holidays: tuple[DayInfo, ...] = ()  # holidays skipped between start and due
    makeup_days: tuple[DayInfo, ...] = ()  # 调休 weekend days counted between start and due
    delayed_until: date | None = None  # art. 35: the later date the agency fixed
    missing_year: int | None = None  # the calendar year needed and not known: nothing computed

    def late_by(self, calendar: WorkCalendar, replied: date | None) -> int:
        """Working days the reply came after the deadline (0 if on time or unknown)."""
        if replied is None or self.due is None or replied <= self.due:
            return 0
        try:
            return calendar.workdays_between(self.due, replied)
        except UnknownYear:
            return (replied - self.due).days


def cap_of(kind: str, party: str | None) -> str:
    """The cap of a pause: a fee notice, a third party (art. 32) or another agency (art. 34).

    A consultation whose ``party`` does not say 第三方 is taken to be another agency's.
    """
    if kind == "payment":
        return "payment"
    return "third_party" if party is None or THIRD_PARTY in party else "agency"


def pauses_of(events: list[Event] | tuple[Event, ...]) -> list[Pause]:
    """Pair each letter with the next answer of its kind (first out, first answered)."""
    pauses: list[Pause] = []
    for open_type, close_type, kind in _PAUSES:
        waiting: list[Event] = []
        for e in sorted(events, key=lambda e: e.date):
            if e.type == open_type:
                waiting.append(e)
            elif e.type == close_type and waiting:
                first = waiting.pop(0)
                pauses.append(Pause(kind, first.date, e.date, first.party, cap_of(kind, first.party)))
        pauses.extend(Pause(kind, e.date, None, e.party, cap_of(kind, e.party)) for e in waiting)
    return sorted(pauses, key=lambda p: p.begin)


def compute_deadline(app: Application, cal: WorkCalendar, today: date | None = None) -> Deadline:
    """The deadline, or — when a needed year is missing from the calendar — what is known and why not more."""
    steps: list[Step] = []
    try:
        return _compute(app, cal, today, steps)
    except UnknownYear as exc:
        steps.append(Step("deadline.no_calendar", {"year": exc.year, "path": cal.path}))
        return Deadline(
            received=app.received, start=app.received, correction_due=None, base_due=None, due=None, waiting=None,
            extension_days=sum(e.days or 0 for e in app.events_of("延期")), paused_workdays=0, pauses=(),
            steps=tuple(steps), missing_year=exc.year,
        )  # fmt: skip


def _compute(app: Application, cal: WorkCalendar, today: date | None, steps: list[Step]) -> Deadline:
    received = app.received
    channel = _CHANNEL_KEYS.get(app.channel, "other")
    steps.append(Step(f"deadline.receipt.{channel}", {"date": received}))
    start = received
    if cal.rest_day_receipt == "next_workday" and not cal.is_workday(received):
        start = cal.add_workdays(received, 1, count_start=False)
        steps.append(Step("deadline.receipt_rest_day", {"date": received, "start": start}))
    correction_due = cal.add_workdays(start, CORRECTION_NOTICE_DAYS)
    waiting: str | None = None

    notices = app.events_of("补正告知")
    supplements = app.events_of("补正收到")
    if notices:
        notice = notices[0]
        late = notice.date > correction_due
        steps.append(
            Step(
                "deadline.correction_late" if late else "deadline.correction",
                {"date": notice.date, "due": correction_due, "late": cal.workdays_between(correction_due, notice.date)},
            )
        )
        if notice.until is not None:
            steps.append(Step("deadline.correction_until", {"date": notice.until}))
        if len(notices) > 1:
            steps.append(Step("deadline.correction_repeated", {"count": len(notices)}))
        if supplements:
            start = supplements[-1].date
            steps.append(Step("deadline.restart", {"date": start}))
        else:
            waiting = "supplement"
            steps.append(Step("deadline.waiting_supplement", {}))
            if notice.until is not None and today is not None and today > notice.until and app.replied is None:
                steps.append(Step("deadline.correction_expired", {"date": notice.until}))

    pauses = tuple(_with_cap(p, cal) for p in pauses_of(app.events) if p.begin >= start)
    extensions = app.events_of("延期")
    extension_days = sum(e.days or 0 for e in extensions)
    if waiting is None:
        still = [p for p in pauses if p.end is None and not p.capped(today) and app.replied is None]
        if still:
            waiting = still[0].kind

    base_due: date | None = None
    due: date | None = None
    paused_total = 0
    holidays: list[DayInfo] = []
    makeup: list[DayInfo] = []
    if waiting != "supplement":
        base_due = cal.add_workdays(start, REPLY_DAYS)
        key = "deadline.base_counted" if cal.count_start_day else "deadline.base"
        steps.append(Step(key, {"start": start, "days": REPLY_DAYS, "due": base_due}))
        paused_days = _paused_days(pauses)
        counted = 0
        total = REPLY_DAYS + extension_days
        day = start if cal.count_start_day else start + timedelta(days=1)
        seen: list[DayInfo] = []
        while counted < total:
            info = cal.day_info(day)
            seen.append(info)
            if info.workday:
                if day in paused_days:
                    paused_total += 1
                else:
                    counted += 1
            day += timedelta(days=1)
        due = seen[-1].day if seen else start
        holidays = [d for d in seen if d.kind == "holiday"]
        makeup = [d for d in seen if d.kind == "makeup" and d.day not in paused_days]
    for p in pauses:
        steps.append(_pause_step(p, cal, today))
    for e in extensions:
        steps.append(
            Step("deadline.extension", {"date": e.date, "days": e.days or 0, "approved_by": e.approved_by or "?"})
        )
    if extension_days > MAX_EXTENSION:
        steps.append(Step("deadline.extension_over", {"days": extension_days, "max": MAX_EXTENSION}))
    delays = [e for e in app.events_of(DELAY_EVENT) if e.until is not None]
    delayed_until = delays[-1].until if delays else None
    if delays and delayed_until is not None:
        steps.append(Step("deadline.delayed", {"date": delays[-1].date, "until": delayed_until,
                                               "note": delays[-1].note or ""}))  # fmt: skip
        if waiting != "supplement":
            due = delayed_until
    if holidays and delayed_until is None:
        steps.append(Step("deadline.holidays", {"spans": _spans(holidays), "count": len(holidays)}))
    if makeup and delayed_until is None:
        steps.append(Step("deadline.makeup", {"days": makeup}))
    if due is not None and delayed_until is not None:
        steps.append(Step("deadline.due_delayed", {"due": due}))
    elif due is not None and waiting is not None:
        steps.append(Step(f"deadline.due_pending.{waiting}", {"due": due}))
    elif due is not None:
        steps.append(Step("deadline.due", {"due": due, "paused": paused_total, "extension": extension_days}))
    elif waiting is not None:
        steps.append(Step(f"deadline.stopped.{waiting}", {}))
    if app.replied is not None:
        if due is None:
            steps.append(Step("deadline.replied", {"date": app.replied}))
        elif app.replied <= due:
            steps.append(Step("deadline.replied_on_time", {"date": app.replied}))
        else:
            steps.append(
                Step("deadline.replied_late", {"date": app.replied, "late": cal.workdays_between(due, app.replied)})
            )
    elif due is not None and today is not None:
        left = cal.workdays_between(today, due)
        steps.append(Step("deadline.left" if left >= 0 else "deadline.overdue", {"days": abs(left), "today": today}))
    return Deadline(
        received=received,
        start=start,
        correction_due=correction_due,
        base_due=base_due,
        due=due,
        waiting=waiting,
        extension_days=extension_days,
        paused_workdays=paused_total,
        pauses=pauses,
        steps=tuple(steps),
        holidays=tuple(holidays),
        makeup_days=tuple(makeup),
        delayed_until=delayed_until,
    )


def _with_cap(p: Pause, cal: WorkCalendar) -> Pause:
    cap = cal.cap(p.cap)
    return replace(p, limit=cal.add_workdays(p.begin, cap.days), article=cap.article)


def _pause_step(p: Pause, cal: WorkCalendar, today: date | None) -> Step:
    cap = cal.cap(p.cap)
    params: dict[str, Any] = {"begin": p.begin, "end": p.end, "party": p.party or "", "limit": p.limit,
                              "cap": cap.days, "article": cap.article}  # fmt: skip
    last = p.last
    if p.capped(today):
        params["days"] = cal.workdays_between(p.begin, last) if last else 0
        return Step(f"deadline.pause_capped.{p.kind}" if p.end is None else f"deadline.pause_late.{p.kind}", params)
    if p.end is None:
        return Step(f"deadline.pause_open.{p.kind}", params)
    params["days"] = cal.workdays_between(p.begin, p.end)
    return Step(f"deadline.pause.{p.kind}", params)


def _paused_days(pauses: tuple[Pause, ...]) -> set[date]:
    days: set[date] = set()
    for p in pauses:
        last = p.last
        if last is None:
            continue
        d = p.begin + timedelta(days=1)
        while d <= last:
            days.add(d)
            d += timedelta(days=1)
    return days


def _spans(days: list[DayInfo]) -> list[tuple[str, date, date]]:
    """Consecutive holiday days grouped: (name, first, last)."""
    spans: list[tuple[str, date, date]] = []
    for info in days:
        name = info.name or ""
        if spans and (info.day - spans[-1][2]).days == 1:
            first_name, first, _ = spans[-1]
            spans[-1] = (first_name or name, first, info.day)
        else:
            spans.append((name, info.day, info.day))
    return spans


def state_of(app: Application, deadline: Deadline, today: date) -> str:
    """replied | supplement | consultation | payment | open."""
    if app.replied is not None:
        return "replied"
    return deadline.waiting or "open"


def is_overdue(app: Application, deadline: Deadline, today: date) -> bool:
    if deadline.due is None:
        return False
    return (app.replied or today) > deadline.due
