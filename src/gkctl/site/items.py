"""The documents ``manifest.json`` and ``manifest.csv`` list: one line of each per document.

Both list every document (a district's 43,000): making each item, encoding it and writing its
CSV row was ~0.6 s of every build. A document's lines are a function of its fields (their
digest, which the page keys use too) and its column's path, so they are kept under
``.git/gkctl/site/`` by those and made again only for documents that changed. The cache only
saves time: a line is always what making it gives (a missing or damaged cache is made again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from gkctl.site.manifest import Encoded, dumps
from gkctl.site.model import SiteDocument
from gkctl.trail.cache import load_marshal, save_marshal

CACHE = "items-v1.marshal"
SLACK = 32  # documents made again before the file is written again
CSV_HEADER = ["索引号", "标题", "栏目", "发布日期", "文号", "有效性", "页面", "附件"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell Excel and WPS show as text: a leading ``= + - @``, tab or CR would start a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@dataclass(frozen=True, slots=True)
class Listed:
    """The documents in the manifests' order: each one's JSON item and CSV row (with its CR LF)."""

    items: Encoded
    rows: tuple[str, ...]

    def csv(self) -> bytes:
        """``manifest.csv``: UTF-8 with a byte-order mark, what Excel needs to open Chinese CSV correctly."""
        return ("\ufeff" + _csv_line(CSV_HEADER) + "".join(self.rows)).encode("utf-8")


def item(doc: SiteDocument, column: str) -> dict[str, object]:
    """What the manifests say of a document (a withdrawn one by its 索引号, date and page only)."""
    gone = doc.withdrawn
    return {
        "index_number": doc.index_number,
        "title": "" if gone else doc.title,
        "column": "" if gone else column,
        "published": doc.published_at.isoformat(),
        "doc_number": "" if gone else doc.doc_number,
        "validity": doc.validity,
        "page": doc.url,
        "attachments": [] if gone else [doc.attachment_url(a) for a in doc.attachments],
    }


def listed(docs: Iterable[SiteDocument], column: Callable[[SiteDocument], str], fields: Callable[[SiteDocument], str],
           cache_dir: Path | None) -> Listed:  # fmt: skip
    """Every document's lines, ordered by date and 索引号 (the given order among equals).

    ``column``: the path of names of a document's column; ``fields``: the digest of its fields."""
    order = sorted(docs, key=lambda d: (d.published_at, d.index_number))
    file = cache_dir / CACHE if cache_dir is not None else None
    old = load_marshal(file) if file is not None else {}
    kept: dict[str, tuple[str, str]] = {}
    items: list[str] = []
    rows: list[str] = []
    made = 0
    for doc in order:
        path = "" if doc.withdrawn else column(doc)
        key = f"{fields(doc)}\0{path}"
        got = old.get(key)
        if not (isinstance(got, tuple) and len(got) == 2 and all(type(x) is str for x in got)):
            value = item(doc, path)
            got = (dumps(value), _csv_line([csv_cell(str(v)) for v in _csv_values(value)]))
            made += 1
        kept[key] = got
        items.append(got[0])
        rows.append(got[1])
    # A file a few documents behind serves as well (those few are made again): it is the size of
    # the whole site (20 MB at district size), so it is written again only once that is more.
    if file is not None and (made > SLACK or (made and len(kept) <= SLACK)):
        save_marshal(file, kept)
    return Listed(Encoded(items), tuple(rows))


def _csv_values(value: dict[str, object]) -> list[object]:
    attachments = value["attachments"]
    assert isinstance(attachments, list)
    return [value["index_number"], value["title"], value["column"], value["published"], value["doc_number"],
            value["validity"], value["page"], ";".join(str(x) for x in attachments)]  # fmt: skip


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()
