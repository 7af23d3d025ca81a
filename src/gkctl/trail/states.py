"""Document states of the folded analysis, stored one by one and read only when asked for.

A snapshot of 10,000 documents holds ~21 MB of states; unpickling them all cost a command
0.5–1.9 s although a step command reads one and ``status`` after a step re-describes a few.
Each state is pickled on its own and kept in one SQLite file under ``.git/gkctl/``, keyed by
a digest of its bytes (content-addressed: a row never changes, so a snapshot of any head can
point at rows written for another). ``LazyStates`` is the ``path -> DocState`` mapping the
analysis hands out: keys and document ids are in memory, a state is read on first access.

A row that cannot be read (the file deleted or damaged after the snapshot was written) makes
the mapping ask its ``recover`` callback for the full pass's states instead: never a wrong answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, ValuesView
from pathlib import Path

from gkctl.trail.workflow import Brief, DocState, brief_of

STORE = "snapshot-v3.sqlite"
_BATCH = 500  # keys per SELECT (SQLite's bound-parameter limit is 999 on old builds)

class SnapshotStore:
    """The large parts of the folded analysis, in one SQLite file; every failure reads as "not stored".

    ``state``: pickled ``DocState`` rows by key. ``commit_at`` and ``touch``: each commit's position
    in the full pass's order and effective policy, and which paths each commit changes or names;
    these describe the history of the snapshot head ``meta.index_head`` (rows past the snapshot's
    commit count are ignored), so a command reads the rows of the documents it re-judges and never
    a table the size of the history.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "_db": None}  # a worker process opens its own connection

    def _open(self) -> sqlite3.Connection | None:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, data BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS brief (key BLOB PRIMARY KEY, data BLOB NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.execute("CREATE TABLE IF NOT EXISTS commit_at (id TEXT PRIMARY KEY, pos INTEGER NOT NULL,"
                           " eff INTEGER NOT NULL, witnessed INTEGER)")
                db.execute("CREATE TABLE IF NOT EXISTS touch (path TEXT NOT NULL, pos INTEGER NOT NULL,"
                           " id TEXT NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (path, kind, pos, id))")
                # a saved fold replaces the rows from its snapshot's count on: without these, each
                # save scanned both tables (1.7 million rows, 2.3 s at district size)
                db.execute("CREATE INDEX IF NOT EXISTS commit_at_pos ON commit_at (pos)")
                db.execute("CREATE INDEX IF NOT EXISTS touch_pos ON touch (pos)")
                self._db = db
            except (OSError, sqlite3.Error):
                return None
        return self._db

    def generation(self, create: bool = False) -> str | None:
        """A random id of this file, made when it is created: a snapshot names the file it wrote to."""
        db = self._open()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
            if row is None and create:
                value = os.urandom(8).hex()
                db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('generation', ?)", (value,))
                row = db.execute("SELECT value FROM meta WHERE name = 'generation'").fetchone()
            return str(row[0]) if row else None
        except sqlite3.Error:
            return None

    def get_many(self, keys: Iterable[bytes], table: str = "state") -> dict[bytes, bytes]:
        """Rows of ``state`` (or of ``brief``, the same keys) by key."""
        db = self._open()
        wanted = list(dict.fromkeys(keys))
        found: dict[bytes, bytes] = {}
        if db is None:
            return found
        try:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, data FROM {table} WHERE key IN ({marks})", chunk))
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, rows: Mapping[bytes, tuple[bytes, bytes]]) -> bool:
        """Store ``key -> (state, brief)`` rows in one transaction; False when they could not be written."""
        db = self._open()
        if db is None:
            return False
        try:
            db.execute("BEGIN")
            items = sorted(rows.items())
            db.executemany("INSERT OR IGNORE INTO state (key, data) VALUES (?, ?)", ((k, v[0]) for k, v in items))
            db.executemany("INSERT OR IGNORE INTO brief (key, data) VALUES (?, ?)", ((k, v[1]) for k, v in items))
            db.execute("COMMIT")
            return True
        except sqlite3.Error:
            _rollback(db)
            return False

    def _meta(self, name: str) -> str | None:
        db = self._open()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None

    def index_head(self) -> str | None:
        """The snapshot head the history tables describe."""
        return self._meta("index_head")

    def write_index(self, head: str, commits: Iterable[tuple[str, int, int, int | None]],
                    touches: Iterable[tuple[str, int, str, int]], since: int | None) -> bool:  # fmt: skip
        """Record ``(id, pos, eff, witnessed time)`` and ``(path, pos, id, kind)`` rows for the history of ``head``:
        all of it (``since`` None), or its commits from position ``since`` on, replacing any rows
        from there (a fold that was never saved, or another line of history)."""
        db = self._open()
        if db is None:
            return False
        try:
            db.execute("BEGIN")
            if since is None:
                db.execute("DELETE FROM commit_at")
                db.execute("DELETE FROM touch")
            else:
                db.execute("DELETE FROM commit_at WHERE pos >= ?", (since,))
                db.execute("DELETE FROM touch WHERE pos >= ?", (since,))
            db.executemany("INSERT OR REPLACE INTO commit_at (id, pos, eff, witnessed) VALUES (?, ?, ?, ?)", commits)
            db.executemany("INSERT OR REPLACE INTO touch (path, pos, id, kind) VALUES (?, ?, ?, ?)", touches)
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('index_head', ?)", (head,))
            db.execute("COMMIT")
            return True
        except sqlite3.Error:
            _rollback(db)
            return False

    def touching(self, paths: Iterable[str], below: int) -> list[tuple[str, int]] | None:
        """``(id, pos)`` of the commits before position ``below`` that change or name any of
        ``paths``, in position order; None when the tables cannot be read."""
        db = self._open()
        if db is None:
            return None
        wanted = sorted(set(paths))
        found: set[tuple[int, str]] = set()
        try:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT pos, id FROM touch WHERE path IN ({marks}) AND pos < ?",
                                        (*chunk, below)))  # fmt: skip
        except sqlite3.Error:
            return None
        return [(sha, pos) for pos, sha in sorted(found)]

    def positions(self, ids: Iterable[str], below: int) -> dict[str, tuple[int, int, int | None]] | None:
        """``id -> (pos, eff, witnessed time)`` of those of ``ids`` before position ``below``; None
        when unreadable."""
        db = self._open()
        if db is None:
            return None
        wanted = sorted(set(ids))
        found: dict[str, tuple[int, int, int | None]] = {}
        try:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT id, pos, eff, witnessed FROM commit_at WHERE id IN ({marks})"
                for sha, pos, eff, witnessed in db.execute(query, chunk):
                    if pos < below:
                        found[sha] = (pos, eff, witnessed)
        except sqlite3.Error:
            return None
        return found

    def keep_only(self, live: Iterable[bytes]) -> None:
        """Drop rows no snapshot points at (after a full pass wrote a new set)."""
        db = self._open()
        if db is None:
            return
        try:
            db.execute("BEGIN")
            db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key BLOB PRIMARY KEY)")
            db.execute("DELETE FROM live")
            db.executemany("INSERT OR IGNORE INTO live (key) VALUES (?)", ((k,) for k in live))
            db.execute("DELETE FROM state WHERE key NOT IN (SELECT key FROM live)")
            db.execute("DELETE FROM brief WHERE key NOT IN (SELECT key FROM live)")
            db.execute("COMMIT")
        except sqlite3.Error:
            _rollback(db)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _rollback(db: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.execute("ROLLBACK")


def encode(state: DocState) -> tuple[bytes, tuple[bytes, bytes]]:
    """(key, (state bytes, brief bytes)) of one state: the key is a digest of the state's bytes."""
    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    brief = pickle.dumps(brief_of(state), protocol=pickle.HIGHEST_PROTOCOL)
    return _digest(data), (data, _digest(brief) + brief)  # a brief row carries its own digest


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def read_states(store: SnapshotStore, keys: Mapping[str, bytes]) -> dict[str, DocState] | None:
    """The states of rows ``keys`` (path -> row key); None when one is missing or is not the
    bytes its key is the digest of."""
    rows = store.get_many(keys.values())
    try:
        if any(_digest(rows[k]) != k for k in keys.values()):
            return None
        return {p: pickle.loads(rows[k]) for p, k in keys.items()}
    except (KeyError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None


class LazyStates(Mapping[str, DocState]):
    """``path -> DocState`` in the snapshot's order, rows read from ``store`` when first asked for."""

    def __init__(self, keys: dict[str, bytes], ids: dict[str, str], store: SnapshotStore,
                 fresh: dict[str, DocState], recover: Callable[[], Mapping[str, DocState]],
                 blobs: Mapping[str, str]) -> None:  # fmt: skip
        self._keys = keys  # path -> row key (the rows of paths in ``fresh`` may not be stored)
        self.blobs = blobs  # path -> the document's blob at the head (a brief must be of it)
        # in path order (a fold's keys are, and name its fresh states too)
        self._order = list(keys) if fresh.keys() <= keys.keys() else sorted({*keys, *fresh})
        self.ids = ids  # path -> document id, without reading a state
        self._store = store
        self._loaded: dict[str, DocState] = dict(fresh)
        self._recover = recover

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __contains__(self, path: object) -> bool:
        return path in self._loaded or path in self._keys

    def __getitem__(self, path: str) -> DocState:
        if path not in self._loaded:
            if path not in self._keys:
                raise KeyError(path)
            self.load([path])
        return self._loaded[path]

    def load(self, paths: Iterable[str]) -> None:
        """Read the states of ``paths`` in batched queries (all of them for ``values()``)."""
        todo = [p for p in paths if p not in self._loaded and p in self._keys]
        if not todo:
            return
        states = read_states(self._store, {p: self._keys[p] for p in todo})
        if states is None:
            full = self._recover()  # a row went missing or bad since the snapshot: the full pass's answer
            self._loaded = {p: full[p] for p in self._order}
            return
        self._loaded.update(states)

    def values(self) -> ValuesView[DocState]:
        self.load(self._order)
        return super().values()

    def items(self) -> ItemsView[str, DocState]:
        self.load(self._order)
        return super().items()

    def briefs(self) -> dict[str, Brief]:
        """Every document's brief, read from the small brief rows (never the whole states)."""
        out = {p: brief_of(st) for p, st in self._loaded.items()}
        todo = [p for p in self._order if p not in out]
        rows = self._store.get_many((self._keys[p] for p in todo), table="brief")
        try:
            for p in todo:
                row = rows[self._keys[p]]
                if _digest(row[16:]) != row[:16]:
                    raise ValueError("damaged brief")
                out[p] = pickle.loads(row[16:])
            if any(out[p][0] != self._keys_blob(p) for p in todo):
                raise ValueError("a brief of another state")
        except (KeyError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
                IndexError):  # fmt: skip
            self.load(self._order)
            return {p: brief_of(self[p]) for p in self._order}
        return {p: out[p] for p in self._order}

    def _keys_blob(self, path: str) -> str:
        return self.blobs.get(path, "")

    def paths_of(self, doc_id: str) -> list[str]:
        return [p for p in self._order if self.ids.get(p) == doc_id]
