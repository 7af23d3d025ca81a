"""Rendered bodies keyed by blob id + renderer hash, in one SQLite file under ``.git/gkctl/site/``.

A blob id names content exactly, so a cached body is valid for as long as the renderer is
the same. The cache is never needed for correctness: any failure to open, read or write it
falls back to rendering, and deleting the file is always safe.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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
        if self._db is None:
            return {}
        wanted = {self._key(b): b for b in blobs}
        found: dict[str, Rendered] = {}
        keys = list(wanted)
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, html, text, meta, tokens in self._db.execute(
                    f"SELECT key, html, text, meta, tokens FROM body2 WHERE key IN ({marks})", chunk
                ):
                    found[wanted[key]] = Rendered(html, text, meta, tokens)
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, items: dict[str, Rendered]) -> None:
        if self._db is None or not items:
            return
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO body2 (key, html, text, meta, tokens) VALUES (?, ?, ?, ?, ?)",
                [(self._key(b), r.html, r.text, r.meta, r.tokens) for b, r in sorted(items.items())],
            )
            self._db.commit()
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
