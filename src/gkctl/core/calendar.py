"""China's statutory working-day calendar, with the bureau's overrides, for legal deadlines.

The built-in data is the ``chinesecalendar`` package (holidays *and* 调休 make-up working
days, 2004 to its last published year). A new year's 国务院办公厅 holiday notice usually
comes out in November–December, before the package is updated; ``policies/calendar.yaml``
lets the office enter it by hand (``gkctl calendar add``). For a year that neither knows, every
question raises ``UnknownYear`` (an ``InputError``) naming the override file: a deadline must
never rest on a guess. The same file holds the statutory caps of the clock's pauses and how a
receipt on a rest day is counted, because both are part of counting a deadline.

Counting follows the practice for 条例 periods: the start day (receipt) is not counted
unless ``count_start_day: true`` is set, so "20 working days after D" is the 20th working
day strictly after D, whatever day D is. We loop over ``is_workday`` ourselves rather than
use ``chinese_calendar.find_workday``, which first moves a weekend start to the next workday
and so lands one day late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as _PKG_HOLIDAYS
from chinese_calendar.constants import workdays as _PKG_WORKDAYS

from gkctl.core.errors import InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.yamlio import as_date

DEFAULT_PATH = "policies/calendar.yaml"
PKG_FIRST_YEAR = min(_PKG_HOLIDAYS).year
PKG_LAST_YEAR = max(_PKG_HOLIDAYS).year
_KNOWN_KEYS = {"count_start_day", "years", "holidays", "workdays", "pause_caps", "rest_day_receipt"}
RECEIPT_CHOICES = ("as_is", "next_workday")
# Statutory caps of the pauses of the reply clock (kind -> working days, the article that sets it).
# ``policies/calendar.yaml`` may restate them under ``pause_caps`` (keys 第三方、其他机关、缴费).
DEFAULT_CAPS: dict[str, tuple[int, str]] = {
    "third_party": (15, "条例第三十二条"),
    "agency": (15, "条例第三十四条"),
    "payment": (20, "国办函〔2020〕109号第七条"),
}
CAP_NAMES = {"第三方": "third_party", "其他机关": "agency", "缴费": "payment"}
WARN_FROM = (11, 1)  # month, day: from then on, next year's arrangement should be entered


class UnknownYear(InputError):
    """A question about a day of a year neither the package nor the override file knows."""

    def __init__(self, message: str, path: str | None, year: int) -> None:
        super().__init__(message, path)
        self.year = year


@dataclass(frozen=True, slots=True)
class PauseCap:
    """The longest a pause of the reply clock may last, in working days, and why."""

    days: int
    article: str

# What kind of day a date is, for explanations.
DayKind = Literal["workday", "weekend", "holiday", "makeup"]


def _chinese_name(english: str | None) -> str | None:
    if not english:
        return None
    try:
        return str(Holiday(english).chinese)
    except ValueError:
        return english


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One calendar day as the deadline arithmetic sees it."""

    day: date
    workday: bool
    kind: DayKind  # workday (Mon–Fri), weekend, holiday (法定节假日/调休放假), makeup (调休上班 weekend day)
    name: str | None = None  # the holiday a holiday or make-up day belongs to (e.g. 国庆节)


@dataclass(frozen=True, slots=True)
class AddExplanation:
    """How ``add_workdays(start, n)`` reached ``result``: every day looked at, in order."""

    start: date
    n: int
    count_start: bool
    result: date
    days: tuple[DayInfo, ...]  # from the first counted candidate up to ``result``

    @property
    def skipped_holidays(self) -> list[DayInfo]:
        """Holiday days (weekday or weekend inside a break) that were not counted."""
        return [d for d in self.days if d.kind == "holiday"]

    @property
    def skipped_weekends(self) -> list[DayInfo]:
        return [d for d in self.days if d.kind == "weekend"]

    @property
    def makeup_days(self) -> list[DayInfo]:
        """调休 Saturdays/Sundays that were counted as working days."""
        return [d for d in self.days if d.kind == "makeup"]

    @property
    def counted(self) -> list[DayInfo]:
        return [d for d in self.days if d.workday]


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Working days: the package's data plus overrides; overrides win on any date they name."""

    holidays: dict[date, str | None] = field(default_factory=dict)  # override: rest days
    workdays: dict[date, str | None] = field(default_factory=dict)  # override: 调休上班 days
    years: frozenset[int] = frozenset()  # years the override file defines completely
    count_start_day: bool = False
    path: str = DEFAULT_PATH
    caps: dict[str, PauseCap] = field(default_factory=lambda: {k: PauseCap(*v) for k, v in DEFAULT_CAPS.items()})
    rest_day_receipt: str = "as_is"  # next_workday: a receipt on a rest day counts from the next working day
    _cache: dict[date, DayInfo] = field(default_factory=dict, compare=False, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_policy_dict(
        cls, data: dict[str, Any] | None, path: str = DEFAULT_PATH, loaded: Any = None
    ) -> WorkCalendar:
        """Build from the parsed ``policies/calendar.yaml`` (``None`` = empty file).

        ``loaded`` (a ``yamlio.Loaded``) is optional and only lends line numbers to errors.
        """
        if data is None:
            return cls(path=path)
        if not isinstance(data, dict):
            raise InputError(t("calendar.not_mapping"), path, _line(loaded))
        for key in data:
            if key not in _KNOWN_KEYS:
                raise InputError(
                    t("calendar.unknown_key", key=key, known=", ".join(sorted(_KNOWN_KEYS))), path, _line(loaded, key)
                )
        count_start = data.get("count_start_day", False)
        if not isinstance(count_start, bool):
            raise InputError(t("calendar.bad_bool", key="count_start_day"), path, _line(loaded, "count_start_day"))
        years_raw = data.get("years") or []
        if not isinstance(years_raw, list) or not all(type(y) is int for y in years_raw):
            raise InputError(t("calendar.bad_years"), path, _line(loaded, "years"))
        holidays = date_entries(data.get("holidays"), "holidays", path, loaded)
        workdays = date_entries(data.get("workdays"), "workdays", path, loaded)
        both = sorted(set(holidays) & set(workdays))
        if both:
            raise InputError(t("calendar.both", day=both[0].isoformat()), path, _line(loaded, "workdays"))
        receipt = data.get("rest_day_receipt", "as_is")
        if receipt not in RECEIPT_CHOICES:
            raise InputError(t("calendar.bad_choice", key="rest_day_receipt", value=receipt,
                               known="、".join(RECEIPT_CHOICES)), path, _line(loaded, "rest_day_receipt"))  # fmt: skip
        caps = _caps(data.get("pause_caps"), path, loaded)
        return cls(dict(holidays), dict(workdays), frozenset(years_raw), count_start, path, caps=caps,
                   rest_day_receipt=receipt)  # fmt: skip

    # ------------------------------------------------------------------ single days
    def day_info(self, d: date) -> DayInfo:
        """What kind of day ``d`` is; ``InputError`` for a year nobody knows."""
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        info = self._classify(d)
        self._cache[d] = info
        return info

    def _classify(self, d: date) -> DayInfo:
        weekend = d.weekday() >= 5
        if d in self.workdays:
            return DayInfo(d, True, "makeup" if weekend else "workday", self.workdays[d])
        if d in self.holidays:
            return DayInfo(d, False, "holiday", self.holidays[d])
        if d.year in self.years:
            return DayInfo(d, not weekend, "weekend" if weekend else "workday")
        if not PKG_FIRST_YEAR <= d.year <= PKG_LAST_YEAR:
            raise UnknownYear(
                t("calendar.unknown_year", year=d.year, path=self.path, first=PKG_FIRST_YEAR, last=PKG_LAST_YEAR),
                self.path,
                d.year,
            )
        if d in _PKG_WORKDAYS:
            return DayInfo(d, True, "makeup" if weekend else "workday", _chinese_name(_PKG_WORKDAYS[d]))
        if d in _PKG_HOLIDAYS:
            return DayInfo(d, False, "holiday", _chinese_name(_PKG_HOLIDAYS[d]))
        return DayInfo(d, not weekend, "weekend" if weekend else "workday")

    def is_workday(self, d: date) -> bool:
        return self.day_info(d).workday

    def check_year(self, year: int) -> None:
        """Raise ``InputError`` unless the calendar can answer for every day of ``year``."""
        self.day_info(date(year, 1, 1))

    def knows_year(self, year: int) -> bool:
        return year in self.years or PKG_FIRST_YEAR <= year <= PKG_LAST_YEAR

    def missing_next_year(self, today: date) -> int | None:
        """Next year, when from 1 November on its arrangement is not in the calendar yet."""
        if (today.month, today.day) >= WARN_FROM and not self.knows_year(today.year + 1):
            return today.year + 1
        return None

    def cap(self, kind: str) -> PauseCap:
        return self.caps.get(kind) or PauseCap(*DEFAULT_CAPS[kind])

    # ------------------------------------------------------------------ arithmetic
    def _walk(self, start: date, n: int, count_start: bool | None) -> Iterator[DayInfo]:
        count_start = self.count_start_day if count_start is None else count_start
        if n < 0:
            raise ValueError("n must be >= 0")
        day = start if count_start else start + timedelta(days=1)
        counted = 0
        while counted < n:
            info = self.day_info(day)
            yield info
            if info.workday:
                counted += 1
            day += timedelta(days=1)

    def add_workdays(self, start: date, n: int, count_start: bool | None = None) -> date:
        """The N-th working day after ``start`` (``start`` itself counts only with count_start).

        ``n == 0`` returns ``start``.
        """
        result = start
        for info in self._walk(start, n, count_start):
            result = info.day
        return result

    def explain_add(self, start: date, n: int, count_start: bool | None = None) -> AddExplanation:
        """``add_workdays`` with every day it looked at, for ``apply show``."""
        days = tuple(self._walk(start, n, count_start))
        result = days[-1].day if days else start
        cs = self.count_start_day if count_start is None else count_start
        return AddExplanation(start, n, cs, result, days)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in the interval (a, b]: after ``a`` up to and including ``b``.

        So ``workdays_between(d, add_workdays(d, n)) == n`` (with the start not counted), and
        the result is negative when ``b`` is before ``a``.
        """
        if b < a:
            return -self.workdays_between(b, a)
        return sum(1 for d in _days(a + timedelta(days=1), b) if self.is_workday(d))

    def days_in(self, a: date, b: date) -> list[DayInfo]:
        """Every day of the closed interval [a, b], classified."""
        return [self.day_info(d) for d in _days(a, b)]


def _days(a: date, b: date) -> Iterable[date]:
    d = a
    while d <= b:
        yield d
        d += timedelta(days=1)


def _line(loaded: Any, *keypath: str | int) -> int | None:
    if loaded is None:
        return None
    try:
        return loaded.line(*keypath)
    except Exception:  # line numbers are a courtesy; never fail because of them
        return None


CODE_NEXT_YEAR = "GK201"


def next_year_finding(cal: WorkCalendar, today: date) -> Finding | None:
    """From 1 November: next year's arrangement is not in the calendar yet (deadlines will run into it)."""
    year = cal.missing_next_year(today)
    if year is None:
        return None
    return finding(CODE_NEXT_YEAR, "warning", cal.path, None, year=year)


def _caps(raw: Any, path: str, loaded: Any) -> dict[str, PauseCap]:
    """``pause_caps: {第三方: {days: 15, article: 条例第三十二条}, ...}``, the defaults for what is not named."""
    caps = {k: PauseCap(*v) for k, v in DEFAULT_CAPS.items()}
    if raw is None:
        return caps
    if not isinstance(raw, dict):
        raise InputError(t("calendar.bad_caps", known="、".join(CAP_NAMES)), path, _line(loaded, "pause_caps"))
    for name, item in raw.items():
        kind = CAP_NAMES.get(str(name))
        days = item.get("days") if isinstance(item, dict) else None
        article = item.get("article") if isinstance(item, dict) else None
        if kind is None or type(days) is not int or days <= 0 or not isinstance(article, str) or not article.strip():
            raise InputError(t("calendar.bad_caps", known="、".join(CAP_NAMES)), path, _line(loaded, "pause_caps", name))
        caps[kind] = PauseCap(days, article.strip())
    return caps


def date_entries(raw: Any, key: str, path: str, loaded: Any) -> dict[date, str | None]:
    """Entries are a date, ``{date, name}`` or a range ``{from, to, name}``."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise InputError(t("calendar.bad_list", key=key), path, _line(loaded, key))
    out: dict[date, str | None] = {}
    for i, item in enumerate(raw):
        line = _line(loaded, key, i)
        if isinstance(item, dict):
            name = item.get("name")
            name = str(name) if name is not None else None
            if "date" in item:
                one = as_date(item["date"])
                if one is None:
                    raise InputError(t("calendar.bad_date", key=key, value=item["date"]), path, line)
                out[one] = name
                continue
            first, last = as_date(item.get("from")), as_date(item.get("to"))
            if first is None or last is None or last < first:
                raise InputError(t("calendar.bad_range", key=key), path, line)
            for d in _days(first, last):
                out[d] = name
            continue
        one = as_date(item)
        if one is None:
            raise InputError(t("calendar.bad_date", key=key, value=item), path, line)
        out[one] = None
    return out
