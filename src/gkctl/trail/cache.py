"""Caches under ``.git/gkctl/``: keyed by git object ids, never needed for correctness.

A missing, damaged or unwritable cache only costs time, so every reader here returns
"nothing cached" instead of failing. The checksum catches damage, not an attacker: whoever
can write ``.git/`` can rewrite refs and hooks too.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
from pathlib import Path
from typing import Any

from gkctl.trail.gitutil import git

_MAGIC = b"GKC1"


def git_dir(root: Path) -> Path:
    """The common git directory of ``root`` (shared by worktrees)."""
    out = git(root, "rev-parse", "--git-common-dir").strip()
    path = Path(out)
    return path if path.is_absolute() else (Path(root) / path)


def cache_path(root: Path, name: str) -> Path:
    """``.git/gkctl/<name>`` of the repository at ``root``."""
    return git_dir(root) / "gkctl" / name


def load_marshal(path: Path) -> dict[Any, Any]:
    """The dict saved by ``save_marshal``, or {} when missing or damaged."""
    try:
        blob = path.read_bytes()
        payload = memoryview(blob)[36:]  # no second copy of a file of tens of megabytes
        if blob[:4] != _MAGIC or hashlib.sha256(payload).digest() != blob[4:36]:
            return {}
        data = marshal.loads(payload)
        del payload, blob
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def save_marshal(path: Path, data: dict[Any, Any]) -> None:
    """Write ``data`` atomically (temp file + rename); silently skip when we cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        payload = marshal.dumps(data)
        tmp.write_bytes(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


_PICKLE_MAGIC = b"GKP2"


class _HashingWriter:
    """A file that hashes what is written to it (the snapshot is never held twice in memory)."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.sha = fh, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return int(self.fh.write(data))


def load_pickle(path: Path) -> Any:
    """The object saved by ``save_pickle``, or None when missing, damaged or of another code."""
    try:
        blob = path.read_bytes()
        payload = memoryview(blob)[4:-32]
        if blob[:4] != _PICKLE_MAGIC or hashlib.sha256(payload).digest() != blob[-32:]:
            return None
        # our own file inside .git, checksummed: as trusted as the hooks beside it
        return pickle.loads(payload)
    except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError, KeyError,
            pickle.UnpicklingError):  # fmt: skip
        return None


def save_pickle(path: Path, data: Any) -> None:
    """Write ``data`` atomically with a trailing checksum; silently skip when we cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(_PICKLE_MAGIC)
            writer = _HashingWriter(fh)
            pickle.dump(data, writer, protocol=pickle.HIGHEST_PROTOCOL)
            fh.write(writer.sha.digest())
        os.replace(tmp, path)
    except (OSError, ValueError, pickle.PicklingError):
        pass
