"""The cached text of ``gkctl status --format json``, found and copied without the analysis.

A warm ``status`` is the everyday case: HEAD has not moved since the text was written. This
module imports nothing of the workflow, trust or signature code, so the copy costs the
interpreter, the CLI and one ``git rev-parse``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from gkctl import __version__
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import current_lang
from gkctl.trail.cache import cache_path
from gkctl.trail.gitutil import WITNESS_REF, find_root, git

STATUS_CACHE = "status-v4.json"
ROWS_CACHE = "status-rows-v1.json"  # the same documents, only what the human table shows
NOTE_CACHE = "calendar-note-v1.json"
STATUS_CACHE_VERSION = 6
_BEIJING = timezone(timedelta(hours=8))  # the bureau's day, as trail.signatures.BEIJING


def today_beijing() -> date:
    return datetime.now(_BEIJING).date()


def repository_root(start: Path | str | None) -> Path:
    """The repository's root, found with nothing of the policy or history code imported."""
    return find_root(start)


def cache_key(root: Path, today: date) -> tuple[str, dict[str, Any]]:
    """HEAD and the key the cached text must carry: code version, HEAD, day, language, and the
    witness log's tip (it dates commits without moving HEAD), read by one git process."""
    lines = git(root, "show-ref", "--head", WITNESS_REF, check=False).splitlines()
    refs = {ref: sha for sha, _, ref in (line.partition(" ") for line in lines)}
    head = refs.get("HEAD", "")
    key = {"v": STATUS_CACHE_VERSION, "gkctl": __version__, "head": head, "today": today.isoformat(),
           "lang": current_lang(), "witness": refs.get(WITNESS_REF, "")}  # fmt: skip
    return head, key


def write_cached(start: Path | str | None, out: BinaryIO, today: date | None = None) -> bool:
    """Copy the cached text of the repository at (or above) ``start`` to ``out`` as stored bytes;
    False, with nothing written, when there is none or it is not current (the caller analyses)."""
    try:
        root = find_root(start)
        head, key = cache_key(root, today or today_beijing())
    except GkctlError:
        return False
    if not head:
        return False
    try:
        with open(cache_path(root, STATUS_CACHE), "rb") as fh:
            if fh.readline().rstrip(b"\n") != json.dumps(key, sort_keys=True).encode() or not fh.readline():
                return False
            shutil.copyfileobj(fh, out, 1 << 20)
            return True
    except OSError:
        return False


def status_row(d: dict[str, Any]) -> dict[str, Any]:
    """What ``gkctl status`` shows of a document in its table, from its ``--format json`` entry.

    The human table of 10,000 documents needs ~2 MB of these, not the 28 MB of every step's
    opinion and signature it would otherwise decode on every run.
    """
    chain = d["chain"]
    return {
        "id": d["id"], "path": d["path"], "title": d["title"], "attribute": d["attribute"], "state": d["state"],
        "state_label": d["state_label"], "unpublished_changes": d["unpublished_changes"], "next": d["next"],
        "progress": [sum(min(len(c["approvals"]), c["needed"]) for c in chain), sum(c["needed"] for c in chain)],
        "index_number": d["index_number"], "due": d["due"], "overdue": d["overdue"],
    }  # fmt: skip


def cached_rows(root: Path, today: date) -> list[dict[str, Any]] | None:
    """The table rows of every document when the cached rows are current, without the analysis."""
    try:
        head, key = cache_key(root, today)
    except GkctlError:
        return None
    text = read_text(cache_path(root, ROWS_CACHE), key, sealed=True) if head else None
    if text is None:
        return None
    try:
        docs = json.loads(text)["documents"]
    except (ValueError, KeyError, TypeError):
        return None
    return docs if isinstance(docs, list) and all(isinstance(d, dict) for d in docs) else None


Note = tuple[str, str, str]  # (path, code, message) of a warning a command prints before its output


def calendar_note(root: Path, today: date, compute: Callable[[], Note | None]) -> Note | None:
    """The next-year calendar warning for HEAD on ``today``, remembered under ``.git/gkctl/``.

    It depends only on HEAD's effective policy and the day, so a warm command prints it without
    reading the policy; ``compute`` (which does) runs once per HEAD, day and language.
    """
    try:
        head, key = cache_key(root, today)
    except GkctlError:
        return compute()
    file = cache_path(root, NOTE_CACHE)
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(found, dict) and found.get("key") == key and head:
            note = found.get("note")
            return (str(note[0]), str(note[1]), str(note[2])) if isinstance(note, list) and len(note) == 3 else None
    except (OSError, ValueError):
        pass
    note = compute()
    if head:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"key": key, "note": note}, ensure_ascii=False), encoding="utf-8")
            tmp.replace(file)
        except OSError:
            pass  # only slower next time
    return note


# -- the cached text, one line per document ---------------------------------------------------
# The file: the key (JSON), then ``[[path, length], ...]`` of every document's line, then the text
# ``{"documents": [`` LF, the lines joined by "," LF, LF ``]}`` LF. A status after a few commits
# copies the unchanged lines from the ancestor's file by offset (in the kernel where it can), so
# a 28 MB text is never read into memory to change one line of it.

PREFIX, SEP, SUFFIX = b'{"documents": [\n', b",\n", b"\n]}\n"
SEAL = 65  # a sealed text's last line: its SHA-256 in hex and LF


@dataclass
class CachedText:
    """Where each document's line is in a cache file."""

    paths: list[str]
    lengths: list[int]
    text_at: int  # file offset of the text
    head: str = ""  # the commit it describes
    stamp: tuple[int, int, int] = (0, 0, 0)  # inode, size and mtime of the file the offsets are of

    def offset(self, i: int) -> int:
        return self._offsets[i]

    def __post_init__(self) -> None:
        at, self._offsets = self.text_at + len(PREFIX), []
        for n in self.lengths:
            self._offsets.append(at)
            at += n + len(SEP)


def read_header(file: Path, key: dict[str, Any], heads: frozenset[str] | None = None,
                any_head: bool = False) -> CachedText | None:  # fmt: skip
    """The header of the cache if it carries ``key``; with ``heads``, one written at any of those
    commits, with ``any_head`` at any commit (same day, language, code and witness log)."""
    try:
        with open(file, "rb") as fh:
            line = fh.readline().rstrip(b"\n")
            if heads is None and not any_head:
                if line != json.dumps(key, sort_keys=True).encode():
                    return None
                found = key
            else:
                found = json.loads(line)
                if not isinstance(found, dict) or (not any_head and found.get("head") not in (heads or ())) \
                        or {**found, "head": key["head"]} != key:  # fmt: skip
                    return None
            entries = json.loads(fh.readline())
            text_at = fh.tell()
            stamp = file_stamp(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(entries, list) or not all(isinstance(e, list) and len(e) == 2 for e in entries):
        return None
    return CachedText([str(e[0]) for e in entries], [int(e[1]) for e in entries], text_at, str(found.get("head")),
                      stamp)  # fmt: skip


def file_stamp(fh: BinaryIO) -> tuple[int, int, int]:
    st = os.fstat(fh.fileno())
    return st.st_ino, st.st_size, st.st_mtime_ns


def read_text(file: Path, key: dict[str, Any], sealed: bool = False) -> bytes | None:
    """The whole cached text if it carries ``key`` (and, ``sealed``, its checksum holds)."""
    header = read_header(file, key)
    if header is None:
        return None
    try:
        with open(file, "rb") as fh:
            fh.seek(header.text_at)
            data = fh.read()
    except OSError:
        return None
    if not sealed:
        return data
    text, seal = data[:-SEAL], data[-SEAL:-1]
    return text if len(data) > SEAL and hashlib.sha256(text).hexdigest().encode() == seal else None


def write_text(file: Path, key: dict[str, Any], lines: Sequence[tuple[str, bytes | int]],
               old: CachedText | None = None, sealed: bool = False) -> bool:  # fmt: skip
    """Write the cache: each document's line is given, or is the index of its line in ``old``
    (the file as it is now). Atomic; False when it could not be written. ``sealed`` ends the
    file with the text's SHA-256, so damage that still parses is not believed (worth it for a
    small text: the rows' 2 MB, not the status' 28 MB)."""
    tmp = file.with_suffix(f".tmp{os.getpid()}")
    lengths = [len(x) if isinstance(x, bytes) else old.lengths[x] for _, x in lines] if old else \
        [len(x) if isinstance(x, bytes) else 0 for _, x in lines]  # fmt: skip
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as out, (open(file, "rb") if old is not None else open(os.devnull, "rb")) as src:
            if old is not None and file_stamp(src) != old.stamp:
                raise ValueError("the cached text was replaced since its offsets were read")
            out.write(json.dumps(key, sort_keys=True).encode() + b"\n")
            out.write(json.dumps([[p, n] for (p, _), n in zip(lines, lengths, strict=True)],
                                 ensure_ascii=False).encode() + b"\n")  # fmt: skip
            text_at = out.tell()
            out.write(PREFIX)
            run: tuple[int, int] | None = None  # old lines [a, b) copied in one piece
            for i, (_, x) in enumerate(lines):
                if isinstance(x, int) and run is not None and x == run[1]:
                    run = (run[0], x + 1)
                    continue
                if run is not None:
                    _copy(src, out, old, run)  # type: ignore[arg-type]
                    run = None
                if i:
                    out.write(SEP)
                if isinstance(x, int):
                    run = (x, x + 1)
                else:
                    out.write(x)
            if run is not None:
                _copy(src, out, old, run)  # type: ignore[arg-type]
            out.write(SUFFIX)
            if sealed:
                out.flush()
                with open(tmp, "rb") as back:
                    back.seek(text_at)
                    out.write(hashlib.file_digest(back, "sha256").hexdigest().encode() + b"\n")
        os.replace(tmp, file)
        return True
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)
        return False


def _copy(src: BinaryIO, out: BinaryIO, old: CachedText, run: tuple[int, int]) -> None:
    """Old lines ``run`` (with the separators between them) from ``src`` to ``out``."""
    start = old.offset(run[0])
    size = old.offset(run[1] - 1) + old.lengths[run[1] - 1] - start
    out.flush()
    done = 0
    try:
        while done < size:  # in the kernel, without the bytes passing through Python
            n = os.copy_file_range(src.fileno(), out.fileno(), size - done, start + done)
            if n <= 0:
                break
            done += n
    except (AttributeError, OSError):
        pass
    if done < size:
        out.seek(0, os.SEEK_END)
        src.seek(start + done)
        out.write(src.read(size - done))
    else:
        out.seek(0, os.SEEK_END)
