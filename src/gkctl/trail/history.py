"""One pass over git history, parsed into ``CommitRecord``s and cached by commit id.

Workflow state, verification and audit all read the same facts about every commit: its
parents, message and trailers, signature, and which paths it changed to which blob. Asking
git once per commit would cost tens of seconds on a real bureau's history, so this module
asks three times in total (``rev-list``, ``cat-file --batch``, ``diff-tree --stdin``) and
keeps what it learnt under ``.git/gkctl/`` keyed by commit id. Commit objects are
immutable, so the cache can never be stale; it is never needed for correctness either (a
damaged cache is ignored and rebuilt).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError
from gkctl.core.heap import paused_gc
from gkctl.core.i18n import t
from gkctl.trail.cache import cache_path, git_dir, load_marshal, save_marshal
from gkctl.trail.gitutil import Started, git, git_bytes, read_objects, read_packed

CACHE_NAME = "history-v4.marshal"
_OLD_CACHES = ("history-v3.marshal",)  # held every raw object: removed once the new one is written
_TRAILER_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_ZERO = re.compile(r"^0+$")


@dataclass(frozen=True, slots=True)
class Change:
    """One path a commit changed, relative to its first parent (``None`` blob = absent)."""

    path: str
    status: str  # A, M, D, T
    old_blob: str | None
    new_blob: str | None


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """The facts gkctl reads from one commit.

    ``raw`` is the commit object exactly as stored, kept only where a caller reads a few
    commits (a fold, ``read_records``): a whole history's raw objects are ~45 MB at 57,000
    commits, needed only to verify signatures, whose verdicts are cached by commit id
    (``check_signatures`` reads the raw objects of the others from git again).
    """

    id: str
    tree: str
    parents: tuple[str, ...]
    author: str  # "Name <email>"
    author_time: int
    committer_time: int
    committer_tz: str  # "+0800"
    message: str
    trailers: Mapping[str, tuple[str, ...]]
    changes: tuple[Change, ...]
    raw: bytes | None = field(default=None, repr=False)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def trailer(self, key: str) -> str | None:
        """The last value of trailer ``key`` (case-insensitive key), or None."""
        values = self.trailers.get(key.lower())
        return values[-1] if values else None

    def trailer_all(self, key: str) -> tuple[str, ...]:
        return self.trailers.get(key.lower(), ())

    @property
    def step(self) -> str | None:
        values = self.trailers.get("gkctl-step")
        return values[-1] if values else None

    def changed(self, path: str) -> Change | None:
        for change in self.changes:
            if change.path == path:
                return change
        return None


# -- parsing -------------------------------------------------------------------------------


def parse_trailers(message: str) -> dict[str, tuple[str, ...]]:
    """Trailers of the message's last paragraph, keys lower-cased, values in order.

    Like ``git interpret-trailers --parse`` for the messages gkctl writes: the last
    paragraph counts only if every line is ``Key: value`` or a continuation line.
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip("\n")) if p.strip()]
    if len(paragraphs) < 2:
        return {}
    result: dict[str, list[str]] = {}
    last_key: str | None = None
    for line in paragraphs[-1].split("\n"):
        if line[:1] in (" ", "\t") and last_key is not None:
            result[last_key][-1] += " " + line.strip()
            continue
        match = _TRAILER_RE.match(line)
        if not match:
            return {}
        last_key = match.group(1).lower()
        result.setdefault(last_key, []).append(match.group(2).strip())
    return {k: tuple(v) for k, v in result.items()}


def _person_time(value: bytes) -> tuple[str, int, str]:
    # "Name <email> 1700000000 +0800"
    text = value.decode("utf-8", "replace")
    ident, _, rest = text.rpartition(">")
    parts = rest.split()
    when = int(parts[0]) if parts and parts[0].lstrip("-").isdigit() else 0
    tz = parts[1] if len(parts) > 1 else "+0000"
    return sys.intern(ident + ">"), when, sys.intern(tz)


def parse_commit(sha: str, raw: bytes, changes: tuple[Change, ...] = ()) -> CommitRecord:
    """A ``CommitRecord`` from a raw commit object (as ``git cat-file commit`` prints it)."""
    tree, parents, author, atime, ctime, ctz, message, trailers = commit_fields(raw)
    return CommitRecord(sha, tree, parents, author, atime, ctime, ctz, message, dict(trailers), changes, raw)


def commit_fields(raw: bytes) -> tuple[Any, ...]:
    """What a record holds of its raw object, as the cache keeps it (trailers as pairs)."""
    head, _, body = raw.partition(b"\n\n")
    tree = ""
    parents: list[str] = []
    author, atime = "", 0
    ctime, ctz = 0, "+0000"
    encoding = "utf-8"
    for line in head.split(b"\n"):
        if line.startswith(b" "):
            continue
        name, _, value = line.partition(b" ")
        if name == b"tree":
            tree = value.decode()
        elif name == b"parent":
            parents.append(value.decode())
        elif name == b"author":
            author, atime, _ = _person_time(value)
        elif name == b"committer":
            _, ctime, ctz = _person_time(value)
        elif name == b"encoding":
            encoding = value.decode("ascii", "replace")
    try:
        message = body.decode(encoding, "replace")
    except LookupError:
        message = body.decode("utf-8", "replace")
    # a bureau's few people, steps and paths recur in every commit: one string each, in memory
    # and (marshal keeps shared objects once) in the cache
    trailers = tuple((sys.intern(k), tuple(sys.intern(v) for v in vs)) for k, vs in parse_trailers(message).items())
    return (tree, tuple(parents), author, atime, ctime, ctz, message, trailers)


def _parse_diff_tree(out: bytes) -> dict[str, list[tuple[str, str, str | None, str | None]]]:
    """Changes from ``git diff-tree --stdin -r --raw -z`` output: {commit: [(path, status, old, new)]}."""
    result: dict[str, list[tuple[str, str, str | None, str | None]]] = {}
    fields = out.split(b"\0")
    current: list[tuple[str, str, str | None, str | None]] | None = None
    i = 0
    while i < len(fields):
        item = fields[i]
        i += 1
        if not item:
            continue
        if item.startswith(b":"):
            meta = item[1:].split()
            path = fields[i].decode("utf-8", "surrogateescape")
            i += 1
            old = meta[2].decode()
            new = meta[3].decode()
            status = meta[4].decode()[:1]
            if current is not None:
                current.append((path, status, None if _ZERO.match(old) else old, None if _ZERO.match(new) else new))
        else:
            current = result.setdefault(item.decode().strip(), [])
    return result


# -- the pass and its cache -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """Every commit reachable from a revision, parents before children."""

    head: str | None
    commits: tuple[CommitRecord, ...]
    by_id: Mapping[str, CommitRecord]

    def __iter__(self) -> Iterator[CommitRecord]:
        return iter(self.commits)

    def __len__(self) -> int:
        return len(self.commits)

    def first_parent_root(self) -> str | None:
        """The commit without parents that head reaches by first parents (the history's root)."""
        sha = self.head
        while sha is not None and self.by_id[sha].parents:
            sha = self.by_id[sha].parents[0]
        return sha


def _cache_path(root: Path) -> Path:
    return cache_path(root, CACHE_NAME)


def _from_fields(sha: str, entry: tuple[Any, ...]) -> CommitRecord:
    changes, (tree, parents, author, atime, ctime, ctz, message, trailers) = entry
    return CommitRecord(sha, tree, parents, author, atime, ctime, ctz, message, dict(trailers),
                        tuple(Change(*c) for c in changes))


def _cached_ok(entry: object) -> bool:
    """A cache entry is used only if well-formed (the file as a whole is checksummed)."""
    return isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], tuple) \
        and isinstance(entry[1], tuple) and len(entry[1]) == 8  # fmt: skip


COMMIT_GRAPH_FROM = 5000  # commits; a larger history without git's commit-graph gets one


def rev_list_parents(root: Path, rev: str) -> dict[str, tuple[str, ...]]:
    """Each commit reachable from ``rev`` with its parents, parents before children.

    On a large history without a commit-graph (git's own cache, which ``git gc`` writes) one
    is written first: it makes this walk several times faster on every later run.
    """
    out = git(root, "rev-list", "--topo-order", "--reverse", "--parents", rev, "--").splitlines()
    if len(out) >= COMMIT_GRAPH_FROM and not _has_commit_graph(root):
        git(root, "commit-graph", "write", "--reachable", "--split", check=False)
    parents: dict[str, tuple[str, ...]] = {}
    for line in out:
        ids = line.split()
        parents[ids[0]] = tuple(ids[1:])
    return parents


def _has_commit_graph(root: Path) -> bool:
    info = git_dir(root) / "objects" / "info"
    return (info / "commit-graph").is_file() or (info / "commit-graphs").is_dir()


def read_commits(root: Path, ids: list[str]) -> dict[str, tuple[bytes, tuple[Any, ...]]]:
    """Raw objects and first-parent changes of ``ids``: two git processes whatever their number."""
    if not ids:
        return {}
    raw = read_objects(root, ids)
    found = {}
    for sha in ids:
        head = raw[sha].partition(b"\n\n")[0]
        found[sha] = tuple(ln[7:].decode() for ln in head.split(b"\n") if ln.startswith(b"parent "))
    diff_out = git_bytes(root, *_DIFF_TREE, input=_diff_input(ids, found))
    diffs = _parse_diff_tree(diff_out)
    return {sha: (raw[sha], tuple(diffs.get(sha, ()))) for sha in ids if sha in raw}


def read_records(root: Path, ids: list[str]) -> list[CommitRecord]:
    """``CommitRecord``s of ``ids`` (those that exist), read from git in two processes."""
    got = read_commits(root, ids)
    return [parse_commit(sha, got[sha][0], tuple(Change(*c) for c in got[sha][1])) for sha in ids if sha in got]


# git's cache of delta bases (96 MB by default) made a cold diff of 57,000 commits peak at
# 270 MB; at 4 MB, in processes of 8,000 commits each, it peaks at 37 MB and is no slower
_DIFF_TREE = ("-c", "core.deltaBaseCacheLimit=4m", "diff-tree", "--stdin", "-r", "--raw", "--no-renames", "-z", "--root")
_DIFF_CHUNK = 8000  # commits a diff-tree process takes


def _diff_input(ids: list[str], parents: Mapping[str, tuple[str, ...]]) -> bytes:
    """``diff-tree --stdin`` lines: a commit against the first parent named (a merge's too: git
    would otherwise print a combined diff; and never the parent a graft would give), a root
    against the empty tree."""
    return "".join(f"{sha} {parents[sha][0]}\n" if parents[sha] else f"{sha}\n" for sha in ids).encode()


def tree_changes(root: Path, old: str, new: str) -> tuple[Change, ...]:
    """Every path whose blob differs between the trees of commits ``old`` and ``new``."""
    out = git_bytes(root, "diff-tree", "--stdin", "-r", "--raw", "--no-renames", "-z",
                    input=f"{new} {old}\n".encode())  # fmt: skip
    return tuple(Change(*c) for c in _parse_diff_tree(out).get(new, ()))


def load_history(root: Path, rev: str = "HEAD", use_cache: bool = True,
                 on_read: Callable[[Mapping[str, bytes]], object] | None = None) -> History:  # fmt: skip
    """All commits reachable from ``rev`` as ``CommitRecord``s (empty for an unborn branch).

    ``on_read`` is given the raw objects of the commits read from git (not from the cache) as
    soon as they are read, before they are diffed and parsed: their signatures can be verified
    meanwhile.
    """
    with paused_gc():
        return _load_history(Path(root), rev, use_cache, on_read)


def _load_history(root: Path, rev: str, use_cache: bool,
                  on_read: Callable[[Mapping[str, bytes]], object] | None) -> History:  # fmt: skip
    root = Path(root)
    head_out = git_bytes(root, "rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False).decode().strip()
    if not head_out:
        return History(None, (), {})
    cache_file = _cache_path(root)
    if (cache_file.parent.parent / "shallow").exists():
        # a shallow clone cuts history: states, signers and policies would be judged from a stump
        raise InputError(t("repo.shallow"))
    parents = rev_list_parents(root, head_out)
    ids = list(parents)
    cache = load_marshal(cache_file) if use_cache else {}
    missing = [sha for sha in ids if not _cached_ok(cache.get(sha))]
    if missing:
        raws = read_packed(root, missing)
        if on_read is not None:
            on_read(raws)  # before git starts diffing: a process it forks must not hold git's pipes
        diffing = Started(root, *_DIFF_TREE, input=[_diff_input(missing[i : i + _DIFF_CHUNK], parents)
                                                     for i in range(0, len(missing), _DIFF_CHUNK)])  # fmt: skip
        fields = {sha: commit_fields(raws[sha]) for sha in missing}  # parsed while git diffs
        del raws  # a verifier that wants them holds them; the records do not
        diff_out = diffing.output()
        if any(fields[sha][1] != parents[sha] for sha in missing):  # grafts or replace refs: diff what the objects say
            diff_out = git_bytes(root, *_DIFF_TREE, input=_diff_input(missing, {s: fields[s][1] for s in missing}))
        diffs = _parse_diff_tree(diff_out)
        del diff_out
        cache.update((sha, (tuple(diffs.get(sha, ())), fields[sha])) for sha in missing)
        del fields, diffs
    if missing and use_cache:  # written before the records are made, so the two never peak together
        save_marshal(cache_file, cache)
        for old in _OLD_CACHES:
            cache_path(root, old).unlink(missing_ok=True)
    records = []
    for sha in ids:  # the cache is consumed as it is read
        entry = cache.pop(sha)
        records.append(_from_fields(sha, entry))
    return History(head_out, tuple(records), {r.id: r for r in records})
