"""The cached text of ``gkctl status --format json``, found and copied without the analysis.

A warm ``status`` is the everyday case: HEAD has not moved since the text was written. This
module imports nothing of the workflow, trust or signature code, so the copy costs the
interpreter, the CLI and one ``git rev-parse``.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import os
import re
import shutil
import time
import zlib
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from io import BufferedReader
from pathlib import Path
from typing import Any, BinaryIO

from gkctl import __version__
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import current_lang
from gkctl.trail.cache import cache_path
from gkctl.trail.gitutil import WITNESS_REF, find_root, git

STATUS_CACHE = "status-v5.json"  # and its parts in status-v5.parts/
ROWS_CACHE = "status-rows-v1.json"  # the same documents, only what the human table shows
RETIRED = ("status-v3.json", "status-v4.json")  # earlier formats' single files (280 MB at district size)
NOTE_CACHE = "calendar-note-v1.json"
STATUS_CACHE_VERSION = 6
_BEIJING = timezone(timedelta(hours=8))  # the bureau's day, as trail.signatures.BEIJING


def today_beijing() -> date:
    return datetime.now(_BEIJING).date()


def repository_root(start: Path | str | None) -> Path:
    """The repository's root, found with nothing of the policy or history code imported."""
    return find_root(start)


_REFS: dict[str, dict[str, str]] | None = None  # HEAD and the witness tip by root, while a reader keeps them


@contextmanager
def refs_read_once() -> Iterator[None]:
    """Within the block, HEAD and the witness tip are read once per repository.

    For a command that writes no ref (``status``): it asked git for them up to four times, one
    process each (~5 ms), for the note, the cached text, the refresh and the copy after it. A
    commit made meanwhile by another process is seen by the next command, as it would be had it
    come a moment later; the analysis reads HEAD itself.
    """
    global _REFS
    outer, _REFS = _REFS, {} if _REFS is None else _REFS
    try:
        yield
    finally:
        _REFS = outer


def _refs(root: Path) -> dict[str, str]:
    known = _REFS.get(str(root)) if _REFS is not None else None
    if known is None:
        lines = git(root, "show-ref", "--head", WITNESS_REF, check=False).splitlines()
        known = {ref: sha for sha, _, ref in (line.partition(" ") for line in lines)}
        if _REFS is not None:
            _REFS[str(root)] = known
    return known


def cache_key(root: Path, today: date) -> tuple[str, dict[str, Any]]:
    """HEAD and the key the cached text must carry: code version, HEAD, day, language, and the
    witness log's tip (it dates commits without moving HEAD), read by one git process."""
    refs = _refs(root)
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
    text = read_text(cache_path(root, ROWS_CACHE), key) if head else None
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
# A text is an index file and a folder of parts beside it. The index is five lines: the key, the
# parts' names, how many lines each part holds, every line's path and every line's length (JSON,
# flat lists: a district's 100,000 paths parse in ~50 ms). A part is its lines joined by SEP and
# is named by its SHA-256. The text is PREFIX, the parts joined by SEP, and SUFFIX. A part ends
# after a document whose path's CRC-32 is a multiple of PART_EVERY, so an added or changed
# document changes the one part it is in: a status after a step writes a few parts of ~0.4 MB,
# where rewriting (and replacing) the whole 28 MB text took ~0.1 s at 10,000 documents. Parts
# are never changed in place, so a line is copied from an older text only by the name of the
# part holding it: a text another process replaced meanwhile is never misread.

PREFIX, SEP, SUFFIX = b'{"documents": [\n', b",\n", b"\n]}\n"
PART_EVERY = 128  # ~80 parts for 10,000 documents


@dataclass
class CachedText:
    """Where each document's line is in a cached text: its part, and its offset in it."""

    folder: Path  # the parts
    parts: list[str]
    counts: list[int]  # lines in each part
    paths: list[str]
    lengths: list[int]
    head: str = ""  # the commit it describes
    paths_line: bytes = b""  # ``paths`` as the index holds them (written again as they are when unchanged)
    witness: str = ""  # the witness log's tip it was made under

    def __post_init__(self) -> None:
        self.first = list(itertools.accumulate(self.counts, initial=0))  # index of each part's first line
        self._read: dict[int, tuple[bytes, list[int]]] = {}

    def line(self, i: int) -> bytes:
        """Line ``i`` as stored; OSError when its part is gone or is not the bytes its name is the
        digest of (a fold copies from the few parts it changes: checking them costs ~1 ms)."""
        k = bisect.bisect_right(self.first, i) - 1
        if k not in self._read:
            start = self.first[k]
            offsets = list(itertools.accumulate((n + len(SEP) for n in self.lengths[start : self.first[k + 1]]),
                                                initial=0))  # fmt: skip
            data = (self.folder / self.parts[k]).read_bytes()
            if hashlib.sha256(data).hexdigest() != self.parts[k]:
                raise OSError(f"damaged status part {self.parts[k]}")
            self._read[k] = (data, offsets)
        data, offsets = self._read[k]
        at = offsets[i - self.first[k]]
        return data[at : at + self.lengths[i]]


def parts_folder(file: Path) -> Path:
    return file.with_suffix(".parts")


def _key_line(key: dict[str, Any]) -> bytes:
    """The index's first line: the key as every reader compares it."""
    return json.dumps(key, sort_keys=True).encode() + b"\n"


def is_current(file: Path, key: dict[str, Any]) -> bool:
    """The index carries ``key`` (its parts are not opened)."""
    try:
        with open(file, "rb") as fh:
            return fh.readline() == _key_line(key)
    except OSError:
        return False


def read_header(file: Path, key: dict[str, Any], heads: frozenset[str] | None = None,
                any_head: bool = False, witnesses: Container[str] | None = None,
                beside: CachedText | None = None) -> CachedText | None:  # fmt: skip
    """The index of the cache if it carries ``key``; with ``heads``, one written at any of those
    commits, with ``any_head`` at any commit (same day, language, code and witness log); with
    ``witnesses`` too, under any of those witness log tips. ``beside``: an index whose paths
    line, when this one's is the same bytes, need not be decoded again (100,000 paths)."""
    try:
        with open(file, "rb") as fh:
            line = fh.readline()
            if heads is None and not any_head:
                if line != _key_line(key):
                    return None
                found = key
            else:
                found = json.loads(line)
                if not isinstance(found, dict) or (not any_head and found.get("head") not in (heads or ())):
                    return None
                if {**found, "head": key["head"], "witness": key["witness"]} != key:
                    return None
                if found.get("witness") != key["witness"] and found.get("witness") not in (witnesses or ()):
                    return None
            lines = [fh.readline() for _ in range(4)]
            same = beside is not None and lines[2] == beside.paths_line
            parts, counts, lengths = json.loads(lines[0]), json.loads(lines[1]), json.loads(lines[3])
            paths = beside.paths if same and beside is not None else json.loads(lines[2])
    except (OSError, ValueError):
        return None
    try:
        if not (len(parts) == len(counts) and len(paths) == len(lengths) == sum(counts)
                and all(isinstance(n, str) and _HEX.fullmatch(n) for n in parts)
                and set(map(type, paths)) <= {str} and set(map(type, counts)) | set(map(type, lengths)) <= {int}):
            return None
    except TypeError:
        return None
    return CachedText(parts_folder(file), parts, counts, paths, lengths, str(found.get("head")), lines[2],
                      str(found.get("witness", "")))


_HEX = re.compile(r"[0-9a-f]{64}")


CHECKED = ".checked-v1"  # beside a parts folder: the parts whose bytes were found to be their names' digests
RACY_NS = 2_000_000_000  # a part changed this shortly before its check could change again in the same clock tick


@dataclass
class Checked:
    """The parts of one folder found to be the bytes their names are the digests of, each with
    what ``stat`` said of it then (inode, size, mtime, ctime): a part that still says the same is
    not read again before it is sent, as git believes a file whose stat its index recorded. A
    check counts only when the part had been left alone for ``RACY_NS`` before it: a write after
    the check then moves ctime, which no process can set back. The record is no stronger than
    the folder (whoever can rewrite a part can rewrite it), so it only spares re-reading bytes:
    ~0.3 s of a district's 280 MB text, most of a warm ``status``."""

    folder: Path
    seen: dict[str, list[int]]
    added: bool = False

    @classmethod
    def load(cls, folder: Path) -> Checked:
        try:
            seen = json.loads(folder.with_suffix(CHECKED).read_bytes())
        except (OSError, ValueError):
            seen = {}
        ok = isinstance(seen, dict) and all(isinstance(v, list) and len(v) == 4 and set(map(type, v)) == {int}
                                            for v in seen.values())  # fmt: skip
        return cls(folder, seen if ok else {})

    def ok(self, name: str, fh: BufferedReader, data: bytes | None = None) -> bool:
        """``fh`` (the part ``name``, opened; ``data``: its bytes, read from it) is the bytes its
        name is the digest of; left at its start when ``data`` is not given."""
        st = os.fstat(fh.fileno())
        now = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        if self.seen.get(name) == now:
            return True
        checked_at = time.time_ns()
        if data is None:
            good = hashlib.file_digest(fh, "sha256").hexdigest() == name
            fh.seek(0)
        else:
            good = hashlib.sha256(data).hexdigest() == name
        if good and st.st_ctime_ns < checked_at - RACY_NS:
            self.seen[name] = now
            self.added = True
        return good

    @classmethod
    def all_ok(cls, file: Path, opened: list[BufferedReader], data: list[bytes] | None = None) -> bool:
        """Every opened part of the text in ``file`` is the bytes its name is the digest of (``data``:
        their bytes, read already); the record keeps what this found."""
        checked = cls.load(parts_folder(file))
        names = [os.path.basename(fh.name) for fh in opened]
        contents: list[bytes | None] = list(data) if data is not None else [None] * len(opened)
        if not all(checked.ok(*part) for part in zip(names, opened, contents, strict=True)):
            return False
        checked.save(set(names))
        return True

    def save(self, names: Container[str]) -> None:
        """Keep the records of ``names`` (the parts an index names) when a check added one."""
        if not self.added:
            return
        file = self.folder.with_suffix(CHECKED)
        tmp = file.with_name(f"{file.name}.tmp{os.getpid()}")
        try:
            tmp.write_bytes(json.dumps({n: v for n, v in self.seen.items() if n in names}).encode())
            os.replace(tmp, file)
        except OSError:
            tmp.unlink(missing_ok=True)  # only slower next time


def _open_parts(file: Path, key: dict[str, Any]) -> list[BufferedReader] | None:
    """Every part of the text carrying ``key``, opened (a part removed later stays readable)."""
    try:
        with open(file, "rb") as fh:
            if fh.readline() != _key_line(key):
                return None
            names = json.loads(fh.readline())
    except (OSError, ValueError):
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) and _HEX.fullmatch(n) for n in names):
        return None
    opened: list[BufferedReader] = []
    try:
        for name in names:
            opened.append(open(parts_folder(file) / name, "rb"))  # noqa: SIM115 - closed by the caller
    except OSError:
        for part in opened:
            part.close()
        return None
    return opened


def copy_text(file: Path, key: dict[str, Any], out: BinaryIO) -> bool:
    """The text carrying ``key`` copied to ``out``; False, with nothing written, when there is none
    or a part is not the bytes its name is the digest of. Every part is checked before the first
    byte is written (``Checked``: read only when changed since it was last checked), then sent."""
    opened = _open_parts(file, key)
    if opened is None:
        return False
    try:
        if not Checked.all_ok(file, opened):
            return False
        out.write(PREFIX)
        for k, fh in enumerate(opened):
            if k:
                out.write(SEP)
            _send(fh, out)
        out.write(SUFFIX)
        return True
    except OSError:
        return False
    finally:
        for fh in opened:
            fh.close()


def _send(fh: BinaryIO, out: BinaryIO) -> None:
    """``fh`` to ``out`` in the kernel where it can (a district's 280 MB text is most of a warm
    status through Python's buffers), else through them."""
    size, done = os.fstat(fh.fileno()).st_size, 0
    try:
        target = out.fileno()
        out.flush()
        while done < size:
            sent = os.sendfile(target, fh.fileno(), done, size - done)
            if sent <= 0:
                break
            done += sent
    except (AttributeError, OSError, ValueError):
        pass  # io.UnsupportedOperation is an OSError: a BytesIO has no descriptor
    if done < size:
        fh.seek(done)
        shutil.copyfileobj(fh, out, 1 << 20)


def read_text(file: Path, key: dict[str, Any]) -> bytes | None:
    """The whole cached text if it carries ``key`` and every part is the bytes its name is the
    digest of: a part changed on disk, even into other valid JSON, is never believed."""
    opened = _open_parts(file, key)
    if opened is None:
        return None
    try:
        data = [fh.read() for fh in opened]
        if not Checked.all_ok(file, opened, data):
            return None
    except OSError:
        return None
    finally:
        for fh in opened:
            fh.close()
    return PREFIX + SEP.join(data) + SUFFIX


def write_text(file: Path, key: dict[str, Any], paths: list[str], values: Sequence[bytes | int],
               old: CachedText | None = None) -> bool:  # fmt: skip
    """Write the cache: each document's line (``values[i]`` of ``paths[i]``) is given, or is the
    index of its line in ``old``. A part whose lines are all an old part's is kept by its name,
    unread. The index is replaced atomically once its parts are written; parts no index names
    are removed. False when it could not be written."""
    folder = parts_folder(file)
    names: list[str] = []
    counts: list[int] = []
    lengths: list[int] = []
    tmp = file.with_suffix(f".tmp{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for start, end in _cuts(paths, old):
            run = list(values[start:end])
            k = _kept_part(run, old)
            if k is not None and old is not None:
                names.append(old.parts[k])
                lengths += old.lengths[old.first[k] : old.first[k + 1]]
            else:
                data = [x if isinstance(x, bytes) else old.line(x) for x in run]  # type: ignore[union-attr]
                joined = SEP.join(data)
                name = hashlib.sha256(joined).hexdigest()
                part = folder / f"{name}.tmp{os.getpid()}"  # written even when the name exists: that file may be damaged
                part.write_bytes(joined)
                os.replace(part, folder / name)
                names.append(name)
                lengths += map(len, data)
            counts.append(end - start)
        with open(tmp, "wb") as out:
            out.write(_key_line(key))
            for value in (names, counts, paths, lengths):
                if value is paths and old is not None and old.paths_line.endswith(b"\n") and old.paths == paths:
                    out.write(old.paths_line)  # 100,000 paths: ~30 ms to encode
                else:
                    out.write(json.dumps(value, ensure_ascii=False).encode() + b"\n")
        os.replace(tmp, file)
    except (OSError, IndexError):
        tmp.unlink(missing_ok=True)
        return False
    keep = set(names)
    left_before = time.time() - LEFT_AFTER
    for stale in folder.iterdir():
        if _HEX.fullmatch(stale.name) and stale.name not in keep:
            stale.unlink(missing_ok=True)
        elif _LEFT.fullmatch(stale.name):  # a part a stopped process did not finish
            try:
                if stale.stat().st_mtime < left_before:
                    stale.unlink()
            except OSError:
                pass
    return True


LEFT_AFTER = 3600  # seconds: a part still being written by another status is younger than this
_LEFT = re.compile(r"[0-9a-f]{64}\.tmp[0-9]+")


def _cuts(paths: list[str], old: CachedText | None = None) -> list[tuple[int, int]]:
    """Each part's [start, end) of ``paths``: a part ends after a path whose CRC-32 is a multiple
    of PART_EVERY. The same documents as ``old``'s are cut where it was (100,000 CRCs: ~25 ms)."""
    if old is not None and old.paths == paths:
        return list(itertools.pairwise(old.first))
    ends = [i + 1 for i, p in enumerate(paths) if not zlib.crc32(p.encode()) % PART_EVERY]
    if not ends or ends[-1] != len(paths):
        ends.append(len(paths))
    return [(a, b) for a, b in zip([0, *ends], ends, strict=False) if b > a]


def _kept_part(run: list[bytes | int], old: CachedText | None) -> int | None:
    """The index of ``old``'s part that is exactly ``run``'s lines, when it is still there."""
    first = run[0]
    if old is None or type(first) is not int:
        return None
    k = bisect.bisect_left(old.first, first)
    if k >= len(old.parts) or old.first[k] != first or old.counts[k] != len(run):
        return None
    if run != list(range(first, first + len(run))):
        return None
    return k if (old.folder / old.parts[k]).exists() else None
