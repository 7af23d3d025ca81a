"""``manifest.json``: the revision a built site shows and the SHA-256 of every file in it.

The build signs it (SSHSIG, namespace ``gkctl-site``, in ``manifest.json.sig``) so a copy on a
web server can be checked against it without the repository's help (``verify --site
--offline``), or by rebuilding the same revision and comparing every byte. The digests come
from the staging tree's record of what it holds (a file it does not know is hashed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gkctl.site.output import Staging, sha256_file

NAME = "manifest.json"
SIGNATURE = "manifest.json.sig"
NAMESPACE = "gkctl-site"
FORMAT = "gkctl-site-manifest/1"
_OLD_DIGESTS = "digests-v1.json"
_string = json.encoder.encode_basestring  # what ensure_ascii=False writes a string as


def write(staging: Staging, head: dict[str, object], cache_dir: Path | None = None) -> None:
    """Write ``manifest.json``: ``head`` plus the digest of every file produced so far.

    The staging tree's record knows the digests (see ``output``); ``cache_dir`` only loses the
    digest cache an older gkctl kept there."""
    if cache_dir is not None:
        (cache_dir / _OLD_DIGESTS).unlink(missing_ok=True)
    files = {rel: d for rel, d in sorted(staging.digests().items()) if rel not in (NAME, SIGNATURE)}
    body = {**head, "format": FORMAT, "files": files}
    staging.write(NAME, (dumps_indented(body) + "\n").encode())


def dumps_indented(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)``, the same text, faster.

    With an indent the standard encoder runs in pure Python; the manifest lists every file and
    document of the site. Strings, numbers, booleans, None, lists and dicts with string keys only.
    """
    return _encode(value, 0)


def _encode(value: object, level: int) -> str:
    if type(value) is str:
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"keys must be str, not {type(key).__name__}")
        parts = [_string(k) + ": " + (_string(v) if type(v) is str else _encode(v, level + 1))
                 for k, v in sorted(value.items())]  # fmt: skip
    elif isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        parts = [_string(v) if type(v) is str else _encode(v, level + 1) for v in value]
    elif isinstance(value, str):
        return _string(value)
    else:
        return json.dumps(value)  # numbers, booleans, None: as the encoder writes them
    inner = "\n" + " " * (level + 1)
    return ("[" if isinstance(value, (list, tuple)) else "{") + inner + ("," + inner).join(parts) + "\n" + " " * level \
        + ("]" if isinstance(value, (list, tuple)) else "}")


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # changed | added | missing
    path: str


def files_in(folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` by its path relative to it (symlinks followed, hidden files too)."""
    base = folder.resolve()
    out: dict[str, Path] = {}
    for dirpath, _dirs, names in os.walk(base, followlinks=True):
        for name in names:
            path = Path(dirpath) / name
            out[path.relative_to(base).as_posix()] = path
    return out


def against_digests(copy: dict[str, Path], digests: dict[str, str]) -> list[Difference]:
    """What differs between a copy's files and the digest list of its manifest."""
    diffs: list[Difference] = []
    for rel in sorted(set(copy) | set(digests)):
        if rel in (NAME, SIGNATURE):
            continue
        if rel not in digests:
            diffs.append(Difference("added", rel))
        elif rel not in copy:
            diffs.append(Difference("missing", rel))
        elif sha256_file(copy[rel]) != digests[rel]:
            diffs.append(Difference("changed", rel))
    return diffs


def against_tree(copy: dict[str, Path], built: dict[str, Path], skip: Iterable[str] = (SIGNATURE,)) -> list[Difference]:
    """What differs between a copy and a fresh build (``skip``: present in both, compared elsewhere)."""
    skipped = set(skip)
    diffs: list[Difference] = []
    for rel in sorted(set(copy) | set(built)):
        if rel not in built:
            if rel not in skipped:
                diffs.append(Difference("added", rel))
        elif rel not in copy:
            diffs.append(Difference("missing", rel))
        elif rel not in skipped and not _same(copy[rel], built[rel]):
            diffs.append(Difference("changed", rel))
    return diffs


def _same(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            ca, cb = fa.read(1 << 20), fb.read(1 << 20)
            if ca != cb:
                return False
            if not ca:
                return True
