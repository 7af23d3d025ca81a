"""The reply deadline of an application, worked out step by step (条例 art. 30–34).

- The clock starts on the receipt date fixed by the channel (art. 31); the day itself is not
  counted unless the calendar setting says so.
- A 补正 notice is due within 7 working days of receipt; once notified, the clock waits for
  the supplement and restarts on the day it arrives (art. 30).
- The reply is due 20 working days after the start (art. 33), plus an approved extension of
  at most 20 working days.
- Working days spent consulting a third party or another agency (art. 32, 34), and waiting
  for a fee to be paid, are not counted: a pause from the day the letter goes out (exclusive)
  to the day the answer comes back (inclusive).

Each step is a message key plus parameters, so ``apply show`` renders it in either language
and ``--format json`` can carry it as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from gkctl.core.calendar import DayInfo, WorkCalendar
from gkctl.register.model import Application, Event

REPLY_DAYS = 20  # art. 33
CORRECTION_NOTICE_DAYS = 7  # art. 30
MAX_EXTENSION = 20  # art. 33
_PAUSES = (("征求意见", "征求意见答复", "consultation"), ("收费通知", "缴费", "payment"))
_CHANNEL_KEYS = {"当面": "in_person", "邮寄": "post", "网络": "online", "传真": "fax", "其他": "other"}


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


@dataclass(frozen=True)
class Deadline:
    received: date
    start: date  # the day the 20-working-day clock runs from (receipt or 补正收到)
    correction_due: date  # latest day for a 补正 notice
    base_due: date | None  # 20 working days after start, no pauses, no extension
    due: date | None  # the deadline under every event recorded; None while the clock is stopped
    waiting: str | None  # supplement | consultation | payment: what the stopped clock waits for
    extension_days: int
    paused_workdays: int
    pauses: tuple[Pause, ...]
    steps: tuple[Step, ...]
    holidays: tuple[DayInfo, ...] = ()  # holidays skipped between start and due
    makeup_days: tuple[DayInfo, ...] = ()  # 调休 weekend days counted between start and due

    def late_by(self, calendar: WorkCalendar, replied: date | None) -> int:
        """Working days the reply came after the deadline (0 if on time or unknown)."""
        if replied is None or self.due is None or replied <= self.due:
            return 0
        return calendar.workdays_between(self.due, replied)


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
                pauses.append(Pause(kind, first.date, e.date, first.party))
        pauses.extend(Pause(kind, e.date, None, e.party) for e in waiting)
    return sorted(pauses, key=lambda p: p.begin)


def compute_deadline(app: Application, cal: WorkCalendar, today: date | None = None) -> Deadline:
    steps: list[Step] = []
    received = app.received
    channel = _CHANNEL_KEYS.get(app.channel, "other")
    steps.append(Step(f"deadline.receipt.{channel}", {"date": received}))
    correction_due = cal.add_workdays(received, CORRECTION_NOTICE_DAYS)
    start = received
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

    pauses = tuple(p for p in pauses_of(app.events) if p.begin >= start)
    extensions = app.events_of("延期")
    extension_days = sum(e.days or 0 for e in extensions)
    if waiting is None and any(p.end is None for p in pauses):
        waiting = next(p.kind for p in pauses if p.end is None)

    base_due: date | None = None
    due: date | None = None
    paused_total = 0
    holidays: list[DayInfo] = []
    makeup: list[DayInfo] = []
    if waiting != "supplement":
        base_due = cal.add_workdays(start, REPLY_DAYS)
        key = "deadline.base_counted" if cal.count_start_day else "deadline.base"
        steps.append(Step(key, {"start": start, "days": REPLY_DAYS, "due": base_due}))
    if waiting is None:
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
        key = f"deadline.pause.{p.kind}" if p.end else f"deadline.pause_open.{p.kind}"
        n = cal.workdays_between(p.begin, p.end) if p.end else None
        steps.append(Step(key, {"begin": p.begin, "end": p.end, "days": n, "party": p.party or ""}))
    for e in extensions:
        steps.append(
            Step("deadline.extension", {"date": e.date, "days": e.days or 0, "approved_by": e.approved_by or "?"})
        )
    if extension_days > MAX_EXTENSION:
        steps.append(Step("deadline.extension_over", {"days": extension_days, "max": MAX_EXTENSION}))
    if holidays:
        steps.append(Step("deadline.holidays", {"spans": _spans(holidays), "count": len(holidays)}))
    if makeup:
        steps.append(Step("deadline.makeup", {"days": makeup}))
    if due is not None:
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
    )


def _paused_days(pauses: tuple[Pause, ...]) -> set[date]:
    days: set[date] = set()
    for p in pauses:
        if p.end is None:
            continue
        d = p.begin + timedelta(days=1)
        while d <= p.end:
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
