"""Plain records for report tests (the register's own types have the same attributes)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.git import hermetic_home


@dataclass(frozen=True)
class App:
    id: str
    received: date
    replied: date | None
    result: str | None
    result_reason: str | None
    applicant_type: str
    fee: int = 0


@dataclass(frozen=True)
class Case:
    id: str
    type: str
    route: str | None
    filed: date
    result: str | None
    decided: date | None


@dataclass(frozen=True)
class Pub:
    published_at: date
    state: str = "published"
    notice_date: date | None = None


class _Tables(HTMLParser):
    """Collects every <table> as rows of (text, rowspan, colspan) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(("".join(self._cell).strip(), *self._span))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> list[list[list[str]]]:
    """Every table of ``html`` expanded to a full matrix: a merged cell fills all slots it spans.

    Raises AssertionError when spans overlap or rows end up with different widths, which is
    what a broken merged-cell layout looks like in a browser.
    """
    parser = _Tables()
    parser.feed(html)
    out = []
    for rows in parser.tables:
        grid: dict[tuple[int, int], str] = {}
        for r, cells in enumerate(rows):
            c = 0
            for text, rowspan, colspan in cells:
                while (r, c) in grid:
                    c += 1
                for dr in range(rowspan):
                    for dc in range(colspan):
                        assert (r + dr, c + dc) not in grid, f"overlapping cells at row {r + dr} col {c + dc}"
                        grid[(r + dr, c + dc)] = text
                c += colspan
        height = max(r for r, _ in grid) + 1
        width = max(c for _, c in grid) + 1
        matrix = [[grid.get((r, c), "<missing>") for c in range(width)] for r in range(height)]
        for r, row in enumerate(matrix):
            assert "<missing>" not in row, f"row {r} is short: {row}"
        out.append(matrix)
    return out


def built_once(factory, tmp_path_factory, name: str) -> Path:
    """Run ``factory(root, keys_dir, monkeypatch)`` once with a hermetic git of its own; return the root.

    Building a signed history takes seconds; tests that share one copy it (``clone``) instead.
    """
    base = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:
        hermetic_home(base / "home", mp)
        root = base / "bureau"
        factory(root, base / "keys", mp)
    return root


def clone(src: Path, dst: Path) -> Path:
    """A private copy of a built repository (its signing config keeps pointing at the shared keys)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst
