"""The cached text of ``gkctl status --format json``, found and copied without the analysis.

A warm ``status`` is the everyday case: HEAD has not moved since the text was written. This
module imports nothing of the workflow, trust or signature code, so the copy costs the
interpreter, the CLI and one ``git rev-parse``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from gkctl import __version__
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import current_lang
from gkctl.trail.cache import cache_path
from gkctl.trail.gitutil import WITNESS_REF, find_root, git

STATUS_CACHE = "status-v3.json"
NOTE_CACHE = "calendar-note-v1.json"
STATUS_CACHE_VERSION = 5
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
            tmp = file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"key": key, "note": note}, ensure_ascii=False), encoding="utf-8")
            tmp.replace(file)
        except OSError:
            pass  # only slower next time
    return note
