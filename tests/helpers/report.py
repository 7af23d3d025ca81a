"""Plain records for report tests (the register's own types have the same attributes)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from gkctl.services import report as service
from gkctl.trail.workflow import PublicationRecord
from helpers.git import hermetic_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bureau"


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


# doc id -> (published, state, repeal notice, repeal date): the demo publishes each 主动公开 document
# once its chain completes, about a week after it is formed, and repeals the 2019 规范性文件.
PUBLISHED: dict[str, tuple[date, str, str | None, date | None]] = {
    "2019-fgk-003": (date(2019, 3, 22), "repealed", "已被《审计现场管理规定（2025年修订）》替代。", date(2025, 12, 10)),
    "2023-bgs-012": (date(2023, 7, 6), "published", None, None),
    "2024-bgs-017": (date(2024, 11, 13), "published", None, None),
    "2025-bgs-001": (date(2025, 1, 15), "published", None, None),
    "2025-bgs-021": (date(2025, 3, 25), "published", None, None),
    "2025-czk-009": (date(2025, 6, 18), "published", None, None),
    "2025-czk-015": (date(2025, 7, 9), "published", None, None),
    "2025-czk-004": (date(2025, 8, 28), "published", None, None),
    "2025-bgs-033": (date(2025, 10, 23), "published", None, None),
    "2026-bgs-001": (date(2026, 1, 14), "published", None, None),
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def example_bureau(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example bureau's files in ``repo``, with the publication records the demo's chain produces."""
    folders = [f for f in ("docs", "attachments", "applications", "appeals", "reports") if (EXAMPLE / f).is_dir()]
    for folder in folders:
        shutil.copytree(EXAMPLE / folder, repo / folder, dirs_exist_ok=True)
    bureau = yaml.safe_load((EXAMPLE / "bureau.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load((repo / "gkctl.yaml").read_text(encoding="utf-8"))
    config["site"]["url"] = bureau["site_url"]
    config["office"] = bureau["office"]  # what the demo's admin adds after init
    (repo / "gkctl.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    _git(repo, "add", "--", "gkctl.yaml", *folders)
    _git(repo, "commit", "-q", "-S", "-m", "示例机关的文件和登记")
    head = _git(repo, "rev-parse", "HEAD").strip()
    records = []
    for serial, (doc_id, (day, state, notice, notice_date)) in enumerate(sorted(PUBLISHED.items()), start=1):
        path = next(p.relative_to(repo).as_posix() for p in (repo / "docs").rglob(f"{doc_id}.md"))
        blob = _git(repo, "rev-parse", f"HEAD:{path}").strip()
        index = f"11500000MB1B37366Q/{day.year}-{serial:05d}"
        records.append(PublicationRecord(doc_id, path, blob, index, day, head, state, notice, notice_date))
    monkeypatch.setattr(service, "publication_records", lambda root, rev="HEAD": records)
    return repo


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_tables(path: Path) -> list[list[list[tuple[str, int, str | None]]]]:
    """Each table of a .docx as its rows of ``(text, gridSpan, vMerge)`` cells, straight from the XML."""
    from docx import Document

    out = []
    for table in Document(str(path)).tables:
        rows = []
        for tr in table._tbl.iter(f"{W}tr"):
            cells = []
            for tc in tr.iter(f"{W}tc"):
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p"))
                vmerge = None if merge is None else (merge.get(f"{W}val") or "continue")
                cells.append((text.strip(), int(span.get(f"{W}val")) if span is not None else 1, vmerge))
            rows.append(cells)
        out.append(rows)
    return out


def docx_matrix(rows: list[list[tuple[str, int, str | None]]]) -> list[list[str]]:
    """A Word table expanded like ``html_tables``: a vMerge continuation takes the text above it."""
    matrix: list[list[str]] = []
    for r, cells in enumerate(rows):
        line: list[str] = []
        for text, span, vmerge in cells:
            c = len(line)
            value = matrix[r - 1][c] if vmerge == "continue" else text
            line += [value] * span
        matrix.append(line)
    widths = {len(line) for line in matrix}
    assert len(widths) == 1, f"rows of different widths: {widths}"
    return matrix
