"""The cached text of ``gkctl status --format json``, found and copied without the analysis.

A warm ``status`` is the everyday case: HEAD has not moved since the text was written. This
module imports nothing of the workflow, trust or signature code, so the copy costs the
interpreter, the CLI and one ``git rev-parse``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zlib
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

STATUS_CACHE = "status-v5.json"  # and its parts in status-v5.parts/
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
    return bool(head) and copy_text(cache_path(root, STATUS_CACHE), key, out)


def status_row(d: dict[str, Any]) -> dict[str, Any]:
    """What ``gkctl status`` shows of a document in its table, from its ``--format json`` entry.

    The human table of 10,000 documents needs ~4 MB of these, not the 28 MB of every step's
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


# -- the cached texts, one line per document, kept in parts ------------------------------------
# A text is an index file and a folder of parts beside it. The index: the key (JSON), the parts'
# names (a JSON list), then ``[[[path, length], ...], ...]``: each part's lines. A part is its
# lines joined by SEP and is named by its SHA-256. The text is PREFIX, the parts joined by SEP,
# and SUFFIX. A part ends after a document whose path's CRC-32 is a multiple of PART_EVERY, so an
# added or changed document changes the one part it is in: a status after a step writes a few
# parts of ~0.4 MB, where rewriting (and replacing) the whole 28 MB text took ~0.1 s at 10,000
# documents. Parts are never changed in place, so a line is copied from an older text only by
# the name of the part holding it: a text another process replaced meanwhile is never misread.

PREFIX, SEP, SUFFIX = b'{"documents": [\n', b",\n", b"\n]}\n"
PART_EVERY = 128  # ~80 parts for 10,000 documents


@dataclass
class CachedText:
    """Where each document's line is in a cached text: its part, and its offset in it."""

    folder: Path  # the parts
    parts: list[str]
    paths: list[str]
    lengths: list[int]
    counts: list[int]  # lines in each part
    head: str = ""  # the commit it describes

    def __post_init__(self) -> None:
        self._at: list[tuple[int, int]] = []  # (part, offset) of each line
        self._read: dict[int, bytes] = {}
        i = 0
        for k, n in enumerate(self.counts):
            offset = 0
            for length in self.lengths[i : i + n]:
                self._at.append((k, offset))
                offset += length + len(SEP)
            i += n
        self.first = [0]  # index of each part's first line
        for n in self.counts:
            self.first.append(self.first[-1] + n)

    def line(self, i: int) -> bytes:
        """Line ``i`` as stored (OSError when its part is gone)."""
        k, offset = self._at[i]
        if k not in self._read:
            self._read[k] = (self.folder / self.parts[k]).read_bytes()
        return self._read[k][offset : offset + self.lengths[i]]


def parts_folder(file: Path) -> Path:
    return file.with_suffix(".parts")


def is_current(file: Path, key: dict[str, Any]) -> bool:
    """The index carries ``key`` (its parts are not opened)."""
    try:
        with open(file, "rb") as fh:
            return fh.readline().rstrip(b"\n") == json.dumps(key, sort_keys=True).encode()
    except OSError:
        return False


def read_header(file: Path, key: dict[str, Any], heads: frozenset[str] | None = None,
                any_head: bool = False) -> CachedText | None:  # fmt: skip
    """The index of the cache if it carries ``key``; with ``heads``, one written at any of those
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
            parts = json.loads(fh.readline())
            lines = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    try:
        if len(parts) != len(lines) or not all(isinstance(n, str) and _HEX.fullmatch(n) for n in parts):
            return None
        paths = [str(p) for part in lines for p, _ in part]
        lengths = [int(n) for part in lines for _, n in part]
    except (TypeError, ValueError):
        return None
    return CachedText(parts_folder(file), parts, paths, lengths, [len(part) for part in lines], str(found.get("head")))


_HEX = re.compile(r"[0-9a-f]{64}")


def _open_parts(file: Path, key: dict[str, Any]) -> list[BinaryIO] | None:
    """Every part of the text carrying ``key``, opened (a part removed later stays readable)."""
    try:
        with open(file, "rb") as fh:
            if fh.readline().rstrip(b"\n") != json.dumps(key, sort_keys=True).encode():
                return None
            names = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) and _HEX.fullmatch(n) for n in names):
        return None
    opened: list[BinaryIO] = []
    try:
        for name in names:
            opened.append(open(parts_folder(file) / name, "rb"))  # noqa: SIM115 - closed by the caller
    except OSError:
        for part in opened:
            part.close()
        return None
    return opened


def copy_text(file: Path, key: dict[str, Any], out: BinaryIO) -> bool:
    """The text carrying ``key`` copied to ``out``; False, with nothing written, when there is none."""
    opened = _open_parts(file, key)
    if opened is None:
        return False
    try:
        out.write(PREFIX)
        for k, fh in enumerate(opened):
            if k:
                out.write(SEP)
            shutil.copyfileobj(fh, out, 1 << 20)
        out.write(SUFFIX)
        return True
    finally:
        for fh in opened:
            fh.close()


def read_text(file: Path, key: dict[str, Any], sealed: bool = False) -> bytes | None:
    """The whole cached text if it carries ``key``; ``sealed``: only if every part's bytes are
    the ones its name is the digest of (cheap for the rows' 4 MB, not done for the 28 MB text)."""
    opened = _open_parts(file, key)
    if opened is None:
        return None
    try:
        data = [fh.read() for fh in opened]
    except OSError:
        return None
    finally:
        for fh in opened:
            fh.close()
    if sealed and any(hashlib.sha256(d).hexdigest() != os.path.basename(fh.name) for d, fh in zip(data, opened, strict=True)):
        return None
    return PREFIX + SEP.join(data) + SUFFIX


def write_text(file: Path, key: dict[str, Any], lines: Sequence[tuple[str, bytes | int]],
               old: CachedText | None = None) -> bool:  # fmt: skip
    """Write the cache: each document's line is given, or is the index of its line in ``old``.
    A part whose lines are all an old part's is kept by its name, unread. The index is replaced
    atomically once its parts are written; parts no index names are removed. False when it
    could not be written."""
    folder = parts_folder(file)
    names: list[str] = []
    entries: list[list[list[object]]] = []
    tmp = file.with_suffix(f".tmp{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for group in _groups(lines):
            name = _kept_part(group, old)
            if name is None:
                data = SEP.join(x if isinstance(x, bytes) else old.line(x) for _, x in group)  # type: ignore[union-attr]
                name = hashlib.sha256(data).hexdigest()
                if not (folder / name).exists():
                    part = folder / f"{name}.tmp{os.getpid()}"
                    part.write_bytes(data)
                    os.replace(part, folder / name)
            names.append(name)
            entries.append([[p, len(x) if isinstance(x, bytes) else old.lengths[x]] for p, x in group])  # type: ignore[union-attr]
        with open(tmp, "wb") as out:
            out.write(json.dumps(key, sort_keys=True).encode() + b"\n")
            out.write(json.dumps(names).encode() + b"\n")
            out.write(json.dumps(entries, ensure_ascii=False).encode() + b"\n")
        os.replace(tmp, file)
    except (OSError, IndexError):
        tmp.unlink(missing_ok=True)
        return False
    keep = set(names)
    for stale in folder.iterdir():
        if _HEX.fullmatch(stale.name) and stale.name not in keep:
            stale.unlink(missing_ok=True)
    return True


def _groups(lines: Sequence[tuple[str, bytes | int]]) -> list[list[tuple[str, bytes | int]]]:
    """The lines cut into parts after each path whose CRC-32 is a multiple of PART_EVERY."""
    groups: list[list[tuple[str, bytes | int]]] = [[]]
    for entry in lines:
        groups[-1].append(entry)
        if zlib.crc32(entry[0].encode()) % PART_EVERY == 0:
            groups.append([])
    return [g for g in groups if g]


def _kept_part(group: list[tuple[str, bytes | int]], old: CachedText | None) -> str | None:
    """The name of ``old``'s part that is exactly ``group``'s lines, when it is still there."""
    first = group[0][1]
    if old is None or not isinstance(first, int):
        return None
    try:
        k = old.first.index(first)
    except ValueError:
        return None
    if k >= len(old.parts) or old.counts[k] != len(group):
        return None
    if any(x != first + j for j, (_, x) in enumerate(group)):
        return None
    return old.parts[k] if (old.folder / old.parts[k]).exists() else None
