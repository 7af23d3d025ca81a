"""信息处理费 under 国办函〔2020〕109号: 按件 and 按量, both 超额累进 (each band at its own rate)."""

from __future__ import annotations

import pytest

from gkctl.register.fees import fee_by_items, fee_by_pages


@pytest.mark.parametrize(
    ("pages", "total"),
    [
        (0, 0),
        (30, 0),  # 1–30 free
        (31, 10),  # one page at 10
        (100, 700),  # 70 × 10
        (101, 720),  # 700 + 1 × 20
        (200, 2700),  # 700 + 100 × 20
        (201, 2740),  # 2700 + 1 × 40
        (250, 4700),  # 2700 + 50 × 40
    ],
)
def test_by_pages(pages: int, total: int) -> None:
    assert fee_by_pages(pages).total == total


@pytest.mark.parametrize(
    ("items", "total"),
    [
        (10, 0),  # 1–10 free
        (11, 100),  # the 11th at 100
        (30, 2000),  # 20 × 100
        (31, 2200),  # 2000 + 1 × 200
        (40, 4000),  # 2000 + 10 × 200
        (41, 4300),  # 4000 + 1 × 300
        (55, 9000),  # 4000 + 10 × 300 + 5 × 400
    ],
)
def test_by_items_in_one_month(items: int, total: int) -> None:
    assert fee_by_items(items).total == total


def test_items_already_filed_this_month_move_the_application_up_the_bands() -> None:
    fee = fee_by_items(5, already=8)  # the 9th–13th 件 of the month: 9, 10 free; 11–13 at 100
    assert fee.total == 300
    assert [(b.first, b.last, b.count, b.rate) for b in fee.bands] == [(1, 10, 2, 0), (11, 30, 3, 100)]


def test_page_bands_are_listed_for_the_explanation() -> None:
    fee = fee_by_pages(120)
    assert [(b.first, b.last, b.count, b.amount) for b in fee.bands] == [
        (1, 30, 30, 0),
        (31, 100, 70, 700),
        (101, 200, 20, 400),
    ]
