"""``manifest.json``: the revision a built site shows and the SHA-256 of every file in it.

The build signs it (SSHSIG, namespace ``gkctl-site``, in ``manifest.json.sig``) so a copy on a
web server can be checked against it without the repository's help (``verify --site
--offline``), or by rebuilding the same revision and comparing every byte. The digests come
from the staging tree's record of what it holds (a file it does not know is hashed).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from gkctl.site.output import Staging, sha256_file

NAME = "manifest.json"
SIGNATURE = "manifest.json.sig"
NAMESPACE = "gkctl-site"
FORMAT = "gkctl-site-manifest/1"
_OLD_DIGESTS = "digests-v1.json"


def write(staging: Staging, head: dict[str, object], cache_dir: Path | None = None) -> None:
    """Write ``manifest.json``: ``head`` plus the digest of every file produced so far.

    The staging tree's record knows the digests (see ``output``); ``cache_dir`` only loses the
    digest cache an older gkctl kept there."""
    if cache_dir is not None:
        (cache_dir / _OLD_DIGESTS).unlink(missing_ok=True)
    files = {rel: d for rel, d in sorted(staging.digests().items()) if rel not in (NAME, SIGNATURE)}
    body = {**head, "format": FORMAT, "files": files}
    staging.write(NAME, (dumps_listing(body) + "\n").encode())


class Encoded(list[str]):
    """Values of a list already as ``dumps`` gives them: listed as they are."""


def dumps_listing(value: dict[str, object]) -> str:
    """``value`` as JSON a person can read and diff: each key on its own line, and each entry of
    a dict or list value (a file and its digest, a document) on its own line below it.

    Entries are encoded by the standard encoder in C (an indent would make it run in Python,
    once per value of every entry: most of a build's time at district size).
    """
    lines = ["{"]
    keys = sorted(value)
    for n, key in enumerate(keys):
        item, comma = value[key], "," if n < len(keys) - 1 else ""
        head = f" {dumps(key)}: "
        if isinstance(item, dict) and item:
            lines += [head + "{", ",\n".join(_entries(sorted(item.items()))), " }" + comma]
        elif isinstance(item, Encoded) and item:
            lines += [head + "[", ",\n".join("  " + v for v in item), " ]" + comma]
        elif isinstance(item, (list, tuple)) and item:
            lines += [head + "[", ",\n".join("  " + dumps(v) for v in item), " ]" + comma]
        else:
            lines.append(head + dumps(item) + comma)
    lines.append("}")
    return "\n".join(lines)


# What the encoder changes in a string (ensure_ascii off): a quote, a backslash, a control character.
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _entries(pairs: list[tuple[str, object]]) -> list[str]:
    """``  "key": value`` for each pair. A district site lists 150,000 files: where no path or
    digest has a character the encoder would change (one search of them all), a string's JSON
    is itself in quotes, written directly."""
    keys, values = [k for k, _ in pairs], [v for _, v in pairs]
    if all(type(v) is str for v in values) and not _ESCAPED.search("".join(keys) + "".join(map(str, values))):
        return [f'  "{k}": "{v}"' for k, v in pairs]
    return [f"  {dumps(k)}: {dumps(v)}" for k, v in pairs]


def _make_encoder() -> Callable[[object], str]:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True)``: CPython's C encoder made once
    (``json.dumps`` makes an encoder object per call: most of its cost for a small value)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # another Python: the standard call
        return lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    encode = make(None, None, json.encoder.encode_basestring, None, ": ", ", ", True, False, True)
    return lambda value: "".join(encode(value, 0))


dumps = _make_encoder()


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
