"""Caches under ``.git/gkctl/``: keyed by git object ids, never needed for correctness.

A missing, damaged or unwritable cache only costs time, so every reader here returns
"nothing cached" instead of failing. The checksum catches damage, not an attacker: whoever
can write ``.git/`` can rewrite refs and hooks too.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import os
import pickle
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from gkctl.trail.gitutil import git

_MAGIC = b"GKC2"  # pieces of a marshalled dict, each after its length


_GIT_DIRS: dict[str, Path] = {}


def git_dir(root: Path) -> Path:
    """The common git directory of ``root`` (shared by worktrees), asked of git once per process."""
    known = _GIT_DIRS.get(str(root))
    if known is not None and known.is_dir():
        return known
    out = git(root, "rev-parse", "--git-common-dir").strip()
    path = Path(out)
    found = path if path.is_absolute() else (Path(root) / path)
    _GIT_DIRS[str(root)] = found
    return found


def cache_path(root: Path, name: str) -> Path:
    """``.git/gkctl/<name>`` of the repository at ``root``."""
    return git_dir(root) / "gkctl" / name


def load_marshal(path: Path) -> dict[Any, Any]:
    """The dict saved by ``save_marshal``, or {} when missing or damaged."""
    return _load_pieces(path, _MAGIC, _marshal_piece, (OSError, EOFError, ValueError, TypeError))


def _marshal_piece(fh: Any, end: int) -> object:
    size = int.from_bytes(fh.read(8), "big")
    if size > end - fh.tell():
        raise ValueError("a piece runs past the end")
    return marshal.loads(fh.read(size))


_PIECE = 4096  # entries marshalled or pickled at a time


def save_marshal(path: Path, data: dict[Any, Any]) -> None:
    """Write ``data`` atomically (temp file + rename); silently skip when we cannot.

    In pieces of ``_PIECE`` entries, each preceded by its length: marshalling the history's
    57,000 commits at once held 28 MB of bytes (and ~60 MB while they grew) beside the dict,
    which was a cold pass's peak memory.
    """

    def write(out: _HashingWriter, piece: dict[Any, Any]) -> None:
        payload = marshal.dumps(piece)
        out.write(len(payload).to_bytes(8, "big"))
        out.write(payload)

    _save_pieces(path, _MAGIC, data.items(), write, (OSError, ValueError))


def _load_pieces(path: Path, magic: bytes, read: Callable[[Any, int], object],
                 errors: tuple[type[Exception], ...]) -> dict[Any, Any]:  # fmt: skip
    """The dict of a file of pieces (each read by ``read(file, end)``), {} when missing or damaged:
    a piece at a time, never the file's bytes beside the dict."""
    try:
        with open(path, "rb") as fh:
            end = _checked(fh, magic)
            if end is None:
                return {}
            data: dict[Any, Any] = {}
            while fh.tell() < end:
                piece = read(fh, end)
                if not isinstance(piece, dict):
                    return {}
                data.update(piece)
            return data if fh.tell() == end else {}
    except errors:
        return {}


def _save_pieces(path: Path, magic: bytes, items: Iterable[tuple[Any, Any]],
                 write: Callable[[_HashingWriter, dict[Any, Any]], None], errors: tuple[type[Exception], ...]) -> None:  # fmt: skip
    """Write the dict of ``items`` atomically, ``_PIECE`` entries at a time; skip when we cannot."""

    def body(writer: _HashingWriter) -> None:
        entries = iter(items)
        while piece := dict(itertools.islice(entries, _PIECE)):
            write(writer, piece)

    _save_atomically(path, magic, body, errors)


def _save_atomically(path: Path, magic: bytes, body: Callable[[_HashingWriter], None],
                     errors: tuple[type[Exception], ...]) -> None:  # fmt: skip
    """``magic``, what ``body`` writes and its SHA-256, into a temporary file renamed over ``path``;
    on any of ``errors`` nothing is left of the attempt (a full disk or a value that cannot be
    written leaves the old file as it was and no temporary file beside it)."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(magic)
            writer = _HashingWriter(fh)
            body(writer)
            fh.write(writer.sha.digest())
        os.replace(tmp, path)
    except errors:
        with contextlib.suppress(OSError):
            tmp.unlink()


_PICKLE_MAGIC = b"GKP2"


class _HashingWriter:
    """A file that hashes what is written to it (a cache is never held twice in memory)."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.sha = fh, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return int(self.fh.write(data))


def _checked(fh: Any, magic: bytes) -> int | None:
    """Where the payload of a cache file (magic, payload, SHA-256 of the payload) ends, with
    ``fh`` at its start; None when the file is another kind or damaged. Hashed a megabyte at a
    time: a cache's bytes are never held beside the objects read from them."""
    size = fh.seek(0, os.SEEK_END)
    fh.seek(0)
    if size < len(magic) + 32 or fh.read(len(magic)) != magic:
        return None
    sha, left = hashlib.sha256(), size - len(magic) - 32
    while left > 0:
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            return None
        sha.update(chunk)
        left -= len(chunk)
    if sha.digest() != fh.read(32):
        return None
    fh.seek(len(magic))
    return size - 32


def load_pickle(path: Path) -> Any:
    """The object saved by ``save_pickle``, or None when missing, damaged or of another code."""
    try:
        with open(path, "rb") as fh:
            # the documents' cache is ~60 MB at 10,000 documents: holding its bytes beside the
            # objects made from them was a command's peak memory
            if _checked(fh, _PICKLE_MAGIC) is None:
                return None
            # our own file inside .git, checksummed: as trusted as the hooks beside it
            return pickle.load(fh)
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError, KeyError,
            pickle.UnpicklingError):  # fmt: skip
        return None


def save_pickle(path: Path, data: Any) -> None:
    """Write ``data`` atomically with a trailing checksum; silently skip when we cannot."""
    _save_atomically(path, _PICKLE_MAGIC, lambda out: pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL),
                     (OSError, ValueError, TypeError, AttributeError, pickle.PicklingError))  # fmt: skip


_PICKLED_DICT_MAGIC = b"GKD1"


_PICKLE_ERRORS = (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError, KeyError,
                  pickle.UnpicklingError, pickle.PicklingError)  # fmt: skip


def load_pickled_dict(path: Path) -> dict[Any, Any]:
    """The dict saved by ``save_pickled_dict``, or {} when missing, damaged or of another code.
    A piece is a pickle of its own (its memo numbered from 0); our own checksummed file, as
    trusted as the hooks beside it."""
    return _load_pieces(path, _PICKLED_DICT_MAGIC, lambda fh, _end: pickle.load(fh), _PICKLE_ERRORS)


def save_pickled_dict(path: Path, items: Iterable[tuple[Any, Any]]) -> None:
    """Write the dict of ``items`` atomically, ``_PIECE`` entries at a time; silently skip when we cannot.

    A pickler remembers every object it wrote: pickling the documents' cache at once held
    ~17 MB of that memo at 10,000 documents, a cold pass's peak.
    """
    _save_pieces(path, _PICKLED_DICT_MAGIC, items,
                 lambda out, piece: pickle.dump(piece, out, protocol=pickle.HIGHEST_PROTOCOL), _PICKLE_ERRORS)  # fmt: skip


_DAMAGED = ("SQLITE_NOTADB", "SQLITE_CORRUPT")


class Table:
    """One cache of small values by string key, a table of ``.git/gkctl/cache.sqlite``.

    For caches a command reads a few entries of and adds a few to (signature verdicts, step
    blobs): a whole-file cache is read and rewritten entire on every command, which at 57,000
    commits cost ~0.1 s and at 500,000 a second. Values are marshalled with a CRC of key and
    value; a damaged row reads as missing. Every failure reads as "nothing cached".
    """

    def __init__(self, root: Path, name: str, file: Path | None = None, page_size: int = 0) -> None:
        self.name = name
        self._file = file if file is not None else cache_path(root, "cache.sqlite")
        self._page_size = page_size
        self._db: sqlite3.Connection | None = None
        self._opened = False

    @classmethod
    def in_file(cls, file: Path, name: str, page_size: int = 0) -> Table:
        """A table of its own SQLite file (a cache kept beside others in a folder of ``.git/gkctl``).

        ``page_size``: the file's pages when this makes it (rows of a few kilobytes, read many at
        a time, fit a page of their own and are read in a few reads instead of a chain each)."""
        return cls(file.parent, name, file, page_size)

    def _open(self) -> sqlite3.Connection | None:
        if not self._opened:
            self._opened = True
            for _attempt in range(2):
                db: sqlite3.Connection | None = None
                try:
                    self._file.parent.mkdir(parents=True, exist_ok=True)
                    db = sqlite3.connect(self._file, timeout=5, isolation_level=None)
                    if self._page_size:  # takes effect only while the file is empty
                        db.execute(f"PRAGMA page_size = {int(self._page_size)}")
                    db.execute(f'CREATE TABLE IF NOT EXISTS "{self.name}" (key TEXT PRIMARY KEY,'
                               " value BLOB NOT NULL, check_ INTEGER NOT NULL)")  # fmt: skip
                    self._db = db
                except sqlite3.DatabaseError as exc:
                    self._db = None
                    if db is not None:
                        db.close()
                    if getattr(exc, "sqlite_errorname", "") not in _DAMAGED:
                        break  # busy or locked: the file is fine, this run goes without it
                    with contextlib.suppress(OSError):  # not a database any more: a cache starts again
                        self._file.unlink()
                    continue
                except (OSError, sqlite3.Error):
                    self._db = None
                break
        return self._db

    @staticmethod
    def _sum(key: str, payload: bytes) -> int:
        return zlib.crc32(payload, zlib.crc32(key.encode("utf-8", "surrogateescape")))

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        db = self._open()
        found: dict[str, Any] = {}
        wanted = list(dict.fromkeys(keys))
        if db is None or not wanted:
            return found
        try:
            if len(wanted) > 2000:  # most of a history: one scan beats thousands of key lookups (6x)
                want = set(wanted)
                rows: Iterator[tuple[str, bytes, int]] = (
                    r for r in db.execute(f'SELECT key, value, check_ FROM "{self.name}"') if r[0] in want)
            else:
                rows = self._lookup(db, wanted)
            for key, value, check in rows:
                if check == self._sum(key, value):
                    with contextlib.suppress(EOFError, ValueError, TypeError):
                        found[key] = marshal.loads(value)
        except sqlite3.Error:
            return {}
        return found

    def _lookup(self, db: sqlite3.Connection, keys: list[str]) -> Iterator[tuple[str, bytes, int]]:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from db.execute(f'SELECT key, value, check_ FROM "{self.name}" WHERE key IN ({marks})', chunk)

    def put_many(self, items: Mapping[str, Any]) -> None:
        db = self._open()
        if db is None or not items:
            return
        rows = []
        for key, value in sorted(items.items()):
            payload = marshal.dumps(value)
            rows.append((key, payload, self._sum(key, payload)))
        try:
            db.execute("BEGIN")
            db.executemany(f'INSERT OR REPLACE INTO "{self.name}" (key, value, check_) VALUES (?, ?, ?)', rows)
            db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")

    def retain(self, keys: Iterable[str]) -> None:
        """Delete every row whose key is not in ``keys`` (a cache the size of one build's values).

        The keys present are read off the key's index alone: a ``DELETE … NOT IN`` scans the
        table, whose rows of a few kilobytes each fill a page each (0.4 s at district size)."""
        db = self._open()
        if db is None:
            return
        keep = set(keys)
        try:
            present = [r[0] for r in db.execute(f'SELECT key FROM "{self.name}" ORDER BY key')]
            stale = [(k,) for k in present if k not in keep]
            if stale:
                db.execute("BEGIN")
                db.executemany(f'DELETE FROM "{self.name}" WHERE key = ?', stale)
                db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None
