"""Rendered bodies keyed by blob id + renderer hash, in one SQLite file under ``.git/gkctl/site/``;
and the site's compiled templates beside it.

A blob id names content exactly, so a cached body is valid for as long as the renderer is
the same. The caches are never needed for correctness: any failure to open, read or write them
falls back to rendering (or compiling), and deleting them is always safe.
"""

from __future__ import annotations

import sqlite3
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from gkctl.trail.cache import load_marshal, save_marshal


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    text: str
    meta: str = "{}"  # JSON of the front-matter fields the site shows, so a warm build reads no blob
    tokens: str = ""  # the body's search tokens, space-separated and sorted


class BodyCache:
    """``get_many`` / ``put_many`` of ``Rendered`` bodies, keyed by ``blob:renderer-hash``."""

    def __init__(self, folder: Path | None, renderer: str) -> None:
        self.renderer = renderer
        self._db: sqlite3.Connection | None = None
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / "bodies.sqlite", timeout=5)
            db.execute(
                "CREATE TABLE IF NOT EXISTS body2 (key TEXT PRIMARY KEY, html TEXT NOT NULL, text TEXT NOT NULL,"
                " meta TEXT NOT NULL, tokens TEXT NOT NULL)"
            )
            db.commit()
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None

    def _key(self, blob: str) -> str:
        return f"{blob}:{self.renderer}"

    def get_many(self, blobs: Iterable[str]) -> dict[str, Rendered]:
        return {b: Rendered(r[0], r[1], r[2], r[3]) for b, r in self._select(blobs, "html, text, meta, tokens").items()}

    def get_meta_many(self, blobs: Iterable[str]) -> dict[str, str]:
        """Only the front matter of each body: all a build needs of a document whose page is unchanged."""
        return {b: row[0] for b, row in self._select(blobs, "meta").items()}

    def _select(self, blobs: Iterable[str], columns: str) -> dict[str, tuple[str, ...]]:
        if self._db is None:
            return {}
        wanted = {self._key(b): b for b in blobs}
        found: dict[str, tuple[str, ...]] = {}
        keys = list(wanted)
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, *row in self._db.execute(f"SELECT key, {columns} FROM body2 WHERE key IN ({marks})", chunk):
                    if all(isinstance(v, str) for v in row):
                        found[wanted[key]] = tuple(row)
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, items: dict[str, Rendered]) -> bool:
        """Keep ``items``; False when they could not be kept (no cache, or it failed)."""
        if self._db is None:
            return False
        if not items:
            return True
        try:
            # Given as UTF-8 bytes, one row at a time, and cast back to text: binding a str makes
            # Python keep a UTF-8 copy inside it for as long as it lives (a cold build holds every
            # body it rendered: +62 MB at 10,000 documents, the build's peak).
            self._db.executemany(
                "INSERT OR REPLACE INTO body2 (key, html, text, meta, tokens) VALUES"
                " (?, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))",
                ((self._key(b), r.html.encode(), r.text.encode(), r.meta.encode(), r.tokens.encode())
                 for b, r in sorted(items.items())),
            )  # fmt: skip
            self._db.commit()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class CompiledTemplates(jinja2.BytecodeCache):
    """jinja2's compiled templates, one checksummed marshal file per template source, each
    checked before it is believed: jinja2's own file cache unpickles a header and raises on a
    damaged file. A file holds the source's checksum as jinja2 computes it and the code; one
    holding another template's code is compiled again. Keep the folder per gkctl and jinja2
    version: the code depends on the environment's options and the compiler, not only on the source.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, bucket: Any) -> Path:
        return self.folder / f"{bucket.key}.code"

    def load_bytecode(self, bucket: Any) -> None:
        found = load_marshal(self._file(bucket))
        if found.get("checksum") == bucket.checksum and isinstance(found.get("code"), types.CodeType):
            bucket.code = found["code"]

    def dump_bytecode(self, bucket: Any) -> None:
        if bucket.code is not None:
            save_marshal(self._file(bucket), {"checksum": bucket.checksum, "code": bucket.code})  # only slower if not
