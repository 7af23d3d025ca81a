"""Persistent staging trees and an atomic switch: a failed build leaves the old site as it was.

``OUT`` is a symlink to one of two trees in ``OUT.trees/`` beside it (``a``/``b``). A build
updates the tree that is *not* live, in place: a file whose bytes are already right is not
touched (creating files is what costs most), files no longer produced are removed, and only
then is the symlink replaced in one ``rename``. A record per tree (``a.record``) of what each
path was built from and the SHA-256 of its bytes lets the next build skip rendering pages whose
inputs did not change, tell unchanged bytes without reading the file, and list every file's
digest in the manifest without hashing it again; a page the live tree's build made from the
same inputs is hard-linked from there. A file with a second
link is only ever replaced, never written in place, so a link never changes the live site; a
file this tree alone holds is written over (a third of the cost of a new file in a big folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.trail.cache import load_marshal, save_marshal

TREES = ("a", "b")
RECORD = ".record"  # beside each tree: what each path was built from and its SHA-256


@dataclass(frozen=True, slots=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int
    tree: Path


def check_rel_path(rel: str) -> str:
    """``rel`` if it is a plain relative path inside the output, else ``RuleError``."""
    p = PurePosixPath(rel)
    if (
        not rel
        or "\\" in rel
        or "\x00" in rel
        or p.is_absolute()
        or any(part in ("", ".", "..") or part.startswith(".") for part in p.parts)
        or str(p) != rel
    ):
        raise RuleError(t("site.unsafe_path", path=rel))
    return rel


def _overwrite(path: Path, data: bytes) -> bool:
    """Write ``data`` over the file at ``path`` when it is a regular file with no other link (so
    no other tree shares it); False, with nothing written, when it is anything else."""
    try:  # no link followed, and a FIFO put there fails at once instead of blocking
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    with os.fdopen(fd, "wb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            return False
        fh.truncate(0)
        fh.write(data)
    return True


def _entries(tree: Path) -> tuple[set[str], set[str]]:
    """Paths of the regular files under ``tree``, and of everything else that is not a folder
    (links, say): one walk, no stat per file."""
    files: set[str] = set()
    others: set[str] = set()
    todo = [("", str(tree))]
    while todo:
        prefix, folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                todo.append((prefix + entry.name + "/", entry.path))
            else:
                (files if entry.is_file(follow_symlinks=False) else others).add(prefix + entry.name)
    return files, others


def _record(state_file: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``{path: key}`` and ``{path: sha256}`` a committed build recorded for its tree (empty when
    none, damaged or unreadable: checksummed). An older gkctl kept keys only, as JSON beside it:
    its files are read when needed."""
    value = load_marshal(state_file)
    files, sums = value.get("files"), value.get("sha256")
    if isinstance(files, dict) and isinstance(sums, dict):
        return files, sums
    try:
        files = json.loads(state_file.with_suffix(".json").read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}, {}
    return (files, {}) if isinstance(files, dict) else ({}, {})


def sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Staging:
    """One build's view of the output: ``open`` → ``write``/``write_blob``/``reuse`` → ``commit``."""

    def __init__(self, out: Path) -> None:
        self.out = Path(os.path.abspath(out))
        self.trees_dir = self.out.parent / f"{self.out.name}.trees"
        self.tree: Path = self.trees_dir / TREES[0]
        self._state_file: Path = self.trees_dir / f"{TREES[0]}{RECORD}"
        self._old: dict[str, str] = {}
        self._old_sums: dict[str, str] = {}
        self._live: dict[str, str] = {}  # the live tree's record: what the last build made
        self._live_sums: dict[str, str] = {}
        self._live_tree: Path | None = None
        self._new: dict[str, str] = {}
        self._sums: dict[str, str] = {}  # SHA-256 of what this build put at each path, where known
        self._present: set[str] = set()  # regular files of this tree (read once, kept up to date)
        self._others: set[str] = set()  # what else the tree held when opened (links): all of it goes
        self._written = 0
        self._unchanged = 0
        self._lock: int | None = None

    # -- set up ---------------------------------------------------------------------------
    def open(self) -> None:
        if self.out.exists() and not self.out.is_symlink():
            if not self.out.is_dir() or any(self.out.iterdir()):
                raise InputError(t("site.out_not_ours", path=str(self.out)))
            self.out.rmdir()
        try:
            self.trees_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                t("site.out_unwritable", path=str(self.trees_dir), detail=exc.strerror or str(exc))
            ) from None
        self._lock = os.open(self.trees_dir / "lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise InputError(t("site.busy", path=str(self.out))) from None
        live = self.live_tree()
        name = TREES[1] if live is not None and live.name == TREES[0] else TREES[0]
        self.tree = self.trees_dir / name
        self._state_file = self.trees_dir / f"{name}{RECORD}"
        self._old, self._old_sums = _record(self._state_file)
        # Until this build commits, the record of this tree is unknown: drop it first.
        for stale in (self._state_file, self._state_file.with_suffix(".json")):
            stale.unlink(missing_ok=True)
        self.tree.mkdir(exist_ok=True)
        self._present, self._others = _entries(self.tree)
        if live is not None:
            (self._live, self._live_sums), self._live_tree = _record(self.trees_dir / f"{live.name}{RECORD}"), live
        if not self._old and live is not None:
            self._seed_from(live)

    def _seed_from(self, live: Path) -> None:
        """Start an unrecorded tree (the build after the first) as hard links to the live one.

        Files are only ever replaced (a new file under the name), never written in place, so the
        links never change the live site; without them the second build re-rendered every page.
        """
        for rel, key in self._live.items():
            if self._link_live(rel):
                self._old[rel] = key
                if rel in self._live_sums:
                    self._old_sums[rel] = self._live_sums[rel]

    def _link_live(self, rel: str) -> bool:
        """Put the live tree's file at ``rel`` here as a hard link (False: it is simply built again)."""
        if self._live_tree is None:
            return False
        src, dst = os.path.join(self._live_tree, rel), os.path.join(self.tree, rel)
        try:
            check_rel_path(rel)
            if not stat.S_ISREG(os.lstat(src).st_mode):
                return False  # only a file a build wrote, never what a link put in its place
            if rel in self._present or rel in self._others:
                os.unlink(dst)  # its folder is there (a build links hundreds of pages: no mkdir each)
            else:
                os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(src, dst, follow_symlinks=False)
        except (OSError, RuleError):
            self._present.discard(rel)
            return False
        self._present.add(rel)
        return True

    def live_tree(self) -> Path | None:
        if not self.out.is_symlink():
            return None
        target = Path(os.readlink(self.out))
        return target if target.is_absolute() else (self.out.parent / target)

    # -- writing --------------------------------------------------------------------------
    def reuse(self, rel: str, key: str) -> bool:
        """True (and the file is kept) when ``rel`` was last built from the same ``key``: in this
        tree, or by the build that made the live tree (then linked from there). This tree is two
        builds old, so without the live tree a page changed by the last build was made again."""
        if self._old.get(rel) == key and rel in self._present:
            self._kept(rel, key, self._old_sums)
            return True
        if key and self._live.get(rel) == key and self._link_live(rel):
            self._kept(rel, key, self._live_sums)
            return True
        return False

    def _kept(self, rel: str, key: str, sums: dict[str, str]) -> None:
        self._new[rel] = key
        if rel in sums:
            self._sums[rel] = sums[rel]
        self._unchanged += 1

    def write(self, rel: str, data: bytes, key: str = "") -> None:
        """Write ``data`` to ``rel`` unless the file already holds exactly these bytes (told by
        the digest the tree's record keeps, so an unchanged file is not read)."""
        check_rel_path(rel)
        path = self.tree / rel
        digest = hashlib.sha256(data).hexdigest()
        self._new[rel] = key
        self._sums[rel] = digest
        # Only a regular file of this tree is compared or written over: anything else is replaced.
        present = rel in self._present
        if present and _holds(path, self._old_sums.get(rel), data, digest):
            self._unchanged += 1
            return
        if (self._live_tree is not None and _holds(self._live_tree / rel, self._live_sums.get(rel), data, digest)
                and self._link_live(rel)):  # what the last build wrote  # fmt: skip
            self._unchanged += 1
            return
        if present and _overwrite(path, data):
            self._written += 1
            return
        self._present.discard(rel)
        try:
            # Only the name goes: the live tree may share the file (see _seed_from). The tree is
            # not live, so a new file in its place needs no rename (which cost twice as much).
            os.unlink(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        except IsADirectoryError:
            raise RuleError(t("site.unsafe_path", path=rel)) from None
        with open(path, "xb") as fh:  # never through a link someone left in its place
            fh.write(data)
        self._present.add(rel)
        self._written += 1

    def digests(self) -> dict[str, str]:
        """SHA-256 of every file this build has produced so far, by path (from the records where
        they hold it, else read from this tree)."""
        for rel in self._new:
            if rel not in self._sums:
                self._sums[rel] = sha256_file(self.tree / rel)
        return {rel: self._sums[rel] for rel in self._new}

    # -- finish ---------------------------------------------------------------------------
    def commit(self) -> WriteStats:
        """Remove what this build did not produce, record the tree, switch the symlink."""
        removed = self._prune()
        sums = {r: d for r, d in self._sums.items() if r in self._new}
        save_marshal(self._state_file, {"files": self._new, "sha256": sums})
        link_tmp = self.out.parent / f"{self.out.name}.link-tmp"
        with contextlib.suppress(FileNotFoundError):
            link_tmp.unlink()
        os.symlink(os.path.relpath(self.tree, self.out.parent), link_tmp)
        os.replace(link_tmp, self.out)
        self.close()
        return WriteStats(self._written, self._unchanged, removed, self.tree)

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _prune(self) -> int:
        """Remove what the tree holds that this build did not produce, and folders left empty
        (the tree was listed when opened, and every write since is known: no second walk)."""
        removed = 0
        folders: set[str] = set()
        for rel in sorted((self._present | self._others) - self._new.keys()):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tree / rel)
                removed += 1
            folders.update(str(p) for p in PurePosixPath(rel).parents if str(p) != ".")
        for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(self.tree / folder)  # only succeeds when empty
        return removed


def _holds(path: Path, recorded: str | None, data: bytes, digest: str) -> bool:
    """Whether the file at ``path`` holds ``data``: by its recorded digest, or (none recorded) read."""
    if recorded is not None:
        return recorded == digest
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
