"""信息处理费 under 《政府信息公开信息处理费管理办法》(国办函〔2020〕109号).

Two methods, one per application, both 超额累进 (each band charged at its own rate):

- 按件计收: the same applicant's applications in one calendar month, counted together —
  1–10 free; 11–30 at 100 元/件; then each further band of 10 costs 100 元/件 more
  (31–40 at 200, 41–50 at 300, ...).
- 按量计收: pages (or the equivalent) provided for one application — 1–30 free; 31–100 at
  10 元/页; 101–200 at 20 元/页; 201 and more at 40 元/页.

For 按件, ``already`` is what the applicant has filed earlier in the same month, so the fee of
this application is the increase of the monthly total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

# (first unit, last unit or None for open-ended, yuan per unit)
PAGE_BANDS: tuple[tuple[int, int | None, int], ...] = ((1, 30, 0), (31, 100, 10), (101, 200, 20), (201, None, 40))
ITEM_FREE = 10
ITEM_FIRST_BAND = (11, 30, 100)
ITEM_STEP = 10  # each further band of 10 件 ...
ITEM_RAISE = 100  # ... raises the rate by 100 元/件


@dataclass(frozen=True, slots=True)
class Band:
    first: int
    last: int
    count: int  # units of this application that fall in the band
    rate: int  # 元 per unit
    amount: int


@dataclass(frozen=True, slots=True)
class Fee:
    method: str  # pages | items
    units: int
    already: int
    bands: tuple[Band, ...]

    @property
    def total(self) -> int:
        return sum(b.amount for b in self.bands)


def _item_rate(n: int) -> int:
    """Rate of the n-th 件 of the month."""
    if n <= ITEM_FREE:
        return 0
    _, last, rate = ITEM_FIRST_BAND
    if n <= last:
        return rate
    return rate + ITEM_RAISE * ((n - last - 1) // ITEM_STEP + 1)


def _item_band(n: int) -> tuple[int, int]:
    if n <= ITEM_FREE:
        return 1, ITEM_FREE
    first, last, _ = ITEM_FIRST_BAND
    if n <= last:
        return first, last
    k = (n - last - 1) // ITEM_STEP
    lo = last + 1 + k * ITEM_STEP
    return lo, lo + ITEM_STEP - 1


def fee_by_items(items: int, already: int = 0) -> Fee:
    """按件: ``items`` 件 of this application after ``already`` earlier 件 in the same month."""
    if items < 0 or already < 0:
        raise ValueError("counts must be >= 0")
    bands: list[Band] = []
    for n in range(already + 1, already + items + 1):
        lo, hi = _item_band(n)
        rate = _item_rate(n)
        if bands and bands[-1].first == lo:
            b = bands[-1]
            bands[-1] = Band(b.first, b.last, b.count + 1, rate, b.amount + rate)
        else:
            bands.append(Band(lo, hi, 1, rate, rate))
    return Fee("items", items, already, tuple(bands))


def fee_by_pages(pages: int) -> Fee:
    """按量: ``pages`` 页 provided for one application."""
    if pages < 0:
        raise ValueError("pages must be >= 0")
    bands: list[Band] = []
    for first, last, rate in PAGE_BANDS:
        if pages < first:
            break
        top = pages if last is None else min(pages, last)
        count = top - first + 1
        bands.append(Band(first, last if last is not None else pages, count, rate, count * rate))
    return Fee("pages", pages, 0, tuple(bands))


@dataclass(frozen=True, slots=True)
class FeeLimit:
    """The most 国办函〔2020〕109号 allows for one application, and how it was found."""

    by_items: int  # 按件: this application as the n-th of its applicant's month
    nth: int  # n
    by_pages: int | None  # 按量: when ``pages`` is recorded

    @property
    def allowed(self) -> int:
        """Either method may be chosen for an application (art. 3), so the larger one bounds the fee."""
        return max(self.by_items, self.by_pages or 0)


class _FeeApp(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def received(self) -> date: ...
    @property
    def applicant(self) -> str: ...
    @property
    def applicant_type(self) -> str: ...
    @property
    def pages(self) -> int | None: ...


def fee_limit(app: _FeeApp, register: Iterable[_FeeApp]) -> FeeLimit:
    """按件 counts the same applicant's applications in the calendar month of receipt (art. 4)."""
    month = [a for a in register if a.applicant == app.applicant and a.applicant_type == app.applicant_type
             and (a.received.year, a.received.month) == (app.received.year, app.received.month)]  # fmt: skip
    month.sort(key=lambda a: (a.received, a.id))
    nth = next((i for i, a in enumerate(month, 1) if a.id == app.id), len(month) + 1)
    by_pages = fee_by_pages(app.pages).total if app.pages is not None else None
    return FeeLimit(fee_by_items(1, nth - 1).total, nth, by_pages)
