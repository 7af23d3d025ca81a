"""The central repository's witness of time: a signed, append-only log of accepted pushes.

A commit's date is whatever its signer typed. The central repository is the one party that
sees every commit arrive, so its ``post-receive`` hook appends, for each accepted ref update,
a record (ref, old tip, new tip, receive time) signed with a key that lives only inside the
bare repository. The log is a chain of ordinary signed commits on ``refs/gkctl/witness``
(outside ``refs/heads``, so nobody checks it out), readable and checkable with plain git.

A record counts only when its signature is good and made by a key the admin pinned in
``gkctl.yaml`` (``witness.keys``); then every commit first reachable from its new tip gets
the receive time as its *date of record*. Before the pin, nothing here changes any date.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gkctl.core.policy import key_identity
from gkctl.trail.gitutil import WITNESS_REF, GitError, git, git_bytes, read_objects
from gkctl.trail.history import History, parse_commit
from gkctl.trail.signatures import BEIJING, check_signatures

RESERVED_PREFIX = "refs/gkctl/"  # refs only the central repository writes
KEY_FILE = "gkctl-witness/ed25519"  # inside the bare repository (not beside the deletable caches), never in a clone
ZERO = "0" * 40
_ATTEMPTS = 20  # concurrent pushes race for the log's tip; each loser re-reads and re-signs
_FIELDS = ("gkctl-witness-ref", "gkctl-witness-old", "gkctl-witness-new", "gkctl-witness-time")


@dataclass(frozen=True, slots=True)
class Record:
    """One accepted ref update as the server signed it (``key`` None: no good signature)."""

    id: str
    ref: str
    old: str | None
    new: str | None
    time: int
    key: str | None


@dataclass(frozen=True, slots=True)
class Problem:
    record: str
    code: str  # GK430 bad signature, GK431 unpinned key, GK432 malformed
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class WitnessLog:
    """The records of ``refs/gkctl/witness`` that count under ``keys``, and what is wrong with the rest."""

    tip: str | None
    records: tuple[Record, ...]  # usable records, oldest first
    problems: tuple[Problem, ...]

    @property
    def last_new(self) -> dict[str, str | None]:
        """The newest witnessed tip of every ref."""
        return {rec.ref: rec.new for rec in self.records}


def _sha(text: str) -> str | None:
    text = text.strip().lower()
    if len(text) not in (40, 64) or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(text)
    return None if set(text) == {"0"} else text


def read_log(root: Path, keys: Iterable[str], tip: str | None = None) -> WitnessLog:
    """Read and check the whole log (two git processes); only ``keys``' good records are used."""
    pinned = {key_identity(k) for k in keys}
    tip = tip or witness_tip(root)
    if tip is None:
        return WitnessLog(None, (), ())
    ids = git(root, "rev-list", "--reverse", tip, "--").split()
    raw = read_objects(root, ids)
    commits = [parse_commit(sha, raw.get(sha, b"")) for sha in ids]
    verdicts = check_signatures(root, commits)  # in process, cached by record id like every commit's
    records: list[Record] = []
    problems: list[Problem] = []
    last: dict[str, str | None] = {}
    last_time = 0
    for n, commit in enumerate(commits):
        sha = commit.id
        if len(commit.parents) != (1 if n else 0):
            problems.append(Problem(sha, "GK432", (("why", "witness.why.parents"),)))
            continue
        verdict = verdicts[sha]
        if not verdict.good or not verdict.key:
            problems.append(Problem(sha, "GK430", (("reason", verdict.reason or "sshsig.bad"), ("detail", verdict.detail))))
            continue
        key = key_identity(verdict.key)
        if key not in pinned:
            problems.append(Problem(sha, "GK431", (("key", key[:30] + "…" + key[-12:]),)))
            continue
        try:
            ref, old, new, when = (commit.trailer(f) or "" for f in _FIELDS)
            rec = Record(sha, ref, _sha(old), _sha(new), int(when), key)
        except ValueError:
            problems.append(Problem(sha, "GK432", (("why", "witness.why.fields"),)))
            continue
        if not rec.ref.startswith("refs/") or commit.committer_time != rec.time:
            problems.append(Problem(sha, "GK432", (("why", "witness.why.fields"),)))
            continue
        if last.get(rec.ref) != rec.old:
            problems.append(Problem(sha, "GK432", (("why", "witness.why.chain"), ("old", (rec.old or ZERO)[:10]),
                                                   ("ref", rec.ref))))  # fmt: skip
            continue
        if rec.time < last_time:
            problems.append(Problem(sha, "GK432", (("why", "witness.why.time"),)))
            continue
        last[rec.ref] = rec.new
        last_time = rec.time
        records.append(rec)
    return WitnessLog(tip, tuple(records), tuple(problems))


def witness_tip(root: Path) -> str | None:
    out = git_bytes(root, "rev-parse", "--verify", "--quiet", WITNESS_REF + "^{commit}", check=False)
    return out.decode().strip() or None


def witnessed_times(log: WitnessLog, hist: History) -> dict[str, int]:
    """Commit id -> receive time of the first record whose new tip reached it (in-process walk)."""
    times: dict[str, int] = {}
    by_id = hist.by_id
    for rec in log.records:
        stack = [rec.new] if rec.new else []
        while stack:
            cid = stack.pop()
            if cid in times or cid not in by_id:
                continue  # an ancestor of a witnessed commit was witnessed no later
            times[cid] = rec.time
            stack.extend(by_id[cid].parents)
    return times


def day(ts: int) -> str:
    return datetime.fromtimestamp(ts, BEIJING).date().isoformat()


# -- the server's side ------------------------------------------------------------------------


def server_key(root: Path) -> Path | None:
    """The witness signing key of the bare repository ``root``, if it has one."""
    path = Path(root) / KEY_FILE
    return path if path.is_file() else None


def append(root: Path, updates: Iterable[tuple[str, str | None, str | None]], now: int) -> list[str]:
    """Sign one record per ref update onto the log (compare-and-swap on the log's ref).

    Updates of ``refs/gkctl/`` itself are never recorded (the hook refuses them anyway).
    Returns the new record ids; nothing when the repository has no witness key.
    """
    key = server_key(root)
    todo = [u for u in updates if not u[0].startswith(RESERVED_PREFIX)]
    if key is None or not todo:
        return []
    empty_tree = git(root, "hash-object", "-t", "tree", "-w", "--stdin", input="").strip()
    stamp = f"@{now} +0800"
    env = {"GIT_AUTHOR_NAME": "gkctl witness", "GIT_AUTHOR_EMAIL": "witness@gkctl", "GIT_AUTHOR_DATE": stamp,
           "GIT_COMMITTER_NAME": "gkctl witness", "GIT_COMMITTER_EMAIL": "witness@gkctl", "GIT_COMMITTER_DATE": stamp}
    detail = ""
    for _ in range(_ATTEMPTS):
        tip = witness_tip(root)
        parent, made = tip, []
        for ref, old, new in todo:
            message = (f"gkctl witness: {ref}\n\nGkctl-Witness-Ref: {ref}\nGkctl-Witness-Old: {old or ZERO}\n"
                       f"Gkctl-Witness-New: {new or ZERO}\nGkctl-Witness-Time: {now}\n")  # fmt: skip
            args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit-tree", "-S", "-F", "-"]
            parent = git(root, *args, *(["-p", parent] if parent else []), empty_tree, input=message, env=env).strip()
            made.append(parent)
        try:
            git(root, "update-ref", "-m", "gkctl witness", WITNESS_REF, parent or "", tip or ZERO)
        except GitError as exc:  # another push appended meanwhile: sign again on top of it
            detail = exc.message
            continue
        return made
    raise GitError(detail)


def create_key(root: Path, comment: str) -> str:
    """Generate the server's ed25519 witness key inside ``root``; return its public line."""
    path = Path(root) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, capture_output=True)  # fmt: skip
    os.chmod(path, 0o600)
    return path.with_suffix(".pub").read_text(encoding="utf-8").strip()
