"""Git hooks: the clerk's pre-commit check and the central repository's pre-receive gate.

The server hook is the same verifier as CI and auditors use (``services.verify``), run on
the pushed commits while they are still in git's quarantine: a refused push leaves the
central repository exactly as it was.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import signal
import stat
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gkctl
from gkctl.core.document import parse_document
from gkctl.core.errors import GkctlError, InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.policy import CONFIG_FILE, DEFAULT_PROTECTED_REFS, is_policy_path, load_policy_from_files
from gkctl.core.rules import Context, check_document
from gkctl.core.yamlio import load_yaml
from gkctl.services.status_cache import today_beijing
from gkctl.services.verify import Violation, commits_between, verify_tip
from gkctl.trail.gitutil import GitError, git, git_bytes, read_objects, use_hook_environment
from gkctl.trail.incremental import analyse_head
from gkctl.trail.witness import RESERVED_PREFIX, append

MARKER = "# installed by gkctl"
ROOT_CONFIG = "gkctl.root"  # the trust anchor a central repository pins on its first push
TIMEOUT_CONFIG = "gkctl.hookTimeout"  # seconds a push may take to check, set on the server
DEFAULT_BUDGET = 300.0
SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True, slots=True)
class RefUpdate:
    old: str | None  # None: the ref is being created
    new: str | None  # None: the ref is being deleted
    ref: str


# -- scripts --------------------------------------------------------------------------------


def hook_script(subcommand: str) -> str:
    """A hook that runs this very gkctl (same interpreter, same package) as ``gkctl hook …``."""
    package_parent = str(Path(gkctl.__file__).resolve().parent.parent)
    return (
        "#!/bin/sh\n"
        f"{MARKER} ({subcommand}); reinstall with gkctl if you move gkctl or its Python.\n"
        f"PYTHONPATH={shlex.quote(package_parent)}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "export PYTHONPATH\n"
        f"exec {shlex.quote(sys.executable)} -m gkctl hook {subcommand}\n"
    )


def _write_hook(path: Path, subcommand: str, force: bool) -> Path:
    if path.exists() and MARKER not in path.read_text(encoding="utf-8", errors="replace") and not force:
        raise InputError(t("hook.exists"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(hook_script(subcommand), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def install_pre_commit(root: Path, force: bool = False) -> Path:
    """Install the clerk's pre-commit hook (validate staged documents) in ``root``."""
    hooks = Path(git(root, "rev-parse", "--git-path", "hooks").strip())
    return _write_hook((hooks if hooks.is_absolute() else root / hooks) / "pre-commit", "pre-commit", force)


def install_server_hooks(path: Path) -> None:
    """The central repository's hooks: pre-receive judges a push, post-receive witnesses it."""
    _write_hook(path / "hooks" / "pre-receive", "pre-receive", force=True)
    _write_hook(path / "hooks" / "post-receive", "post-receive", force=True)


# -- pre-commit -----------------------------------------------------------------------------


def pre_commit(root: Path, today: date | None = None) -> list[Finding]:
    """Validation findings of the staged documents, read from the index (not the work tree)."""
    staged = git_bytes(root, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR").decode().split("\0")
    docs = [p for p in staged if p.startswith("docs/") and p.endswith(".md")]
    if not docs:
        return []
    entries = git_bytes(root, "ls-files", "-s", "-z").decode("utf-8", "surrogateescape").split("\0")
    index = {e.split("\t", 1)[1]: e.split()[1] for e in entries if "\t" in e}
    wanted = [p for p in index if is_policy_path(p)] + [p for p in docs if p in index]
    blobs = _read_blobs(root, [index[p] for p in wanted])
    try:
        policy = load_policy_from_files({p: blobs[index[p]] for p in wanted if is_policy_path(p)})
    except GkctlError as exc:
        return [finding("GK100", "error", exc.path, exc.line, error=exc.message)]
    ctx = Context(policy=policy, root=root, today=today or today_beijing())
    out: list[Finding] = []
    for path in docs:
        try:
            out += check_document(parse_document(blobs.get(index.get(path, ""), b""), path), ctx)
        except GkctlError as exc:
            out.append(finding("GK100", "error", exc.path or path, exc.line, error=exc.message))
    return out


def _read_blobs(root: Path, ids: list[str]) -> dict[str, bytes]:

    return read_objects(root, sorted(set(ids)))  # one cat-file process for all of them


# -- pre-receive ----------------------------------------------------------------------------


def parse_updates(text: str) -> list[RefUpdate]:
    """``old new ref`` lines as git feeds them to pre-receive."""
    out: list[RefUpdate] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not (SHA.match(parts[0]) and SHA.match(parts[1])):
            raise InputError(t("hook.bad_line", text=line[:80]), "<stdin>", n)
        old, new, ref = parts
        out.append(RefUpdate(None if set(old) == {"0"} else old, None if set(new) == {"0"} else new, ref))
    return out


def protected_refs(root: Path) -> tuple[str, ...]:
    """Protected ref patterns as the central repository's HEAD says (a push cannot unprotect itself).

    ``protected_refs`` in gkctl.yaml (fnmatch patterns); the older ``protected_branches`` names
    branches. Tags stay protected unless the bureau names its own patterns.
    """
    raw = git_bytes(root, "cat-file", "blob", f"HEAD:{CONFIG_FILE}", check=False)
    data: object = None
    if raw:
        try:
            data = load_yaml(raw.decode("utf-8"), CONFIG_FILE).data
        except (GkctlError, UnicodeDecodeError):
            data = None
    if isinstance(data, dict):
        refs = data.get("protected_refs")
        if isinstance(refs, list) and refs and all(isinstance(r, str) for r in refs):
            return tuple(refs)
        branches = data.get("protected_branches")
        if isinstance(branches, list) and branches:
            return (*(f"refs/heads/{b}" for b in branches), "refs/tags/*")
    return DEFAULT_PROTECTED_REFS


class _OutOfTime(BaseException):
    """Not an ``Exception``: no handler for ordinary errors may swallow the budget running out."""


def hook_budget(root: Path) -> float:
    """Seconds one push may take to check (``git config gkctl.hookTimeout`` on the server; 300)."""
    raw = git(root, "config", "--get", TIMEOUT_CONFIG, check=False).strip()
    try:
        value = float(raw) if raw else DEFAULT_BUDGET
    except ValueError:
        value = DEFAULT_BUDGET
    return value if value > 0 else DEFAULT_BUDGET


def pre_receive(root: Path, updates: list[RefUpdate], now: float | None = None) -> list[Violation]:
    """Why the push must be refused (empty: accept), within the server's time budget.

    A push that cannot be checked in time is refused: one crafted push must not stall the
    central repository, and what was not checked is not accepted.
    """
    budget = hook_budget(root)
    if threading.current_thread() is not threading.main_thread():
        return _pre_receive(root, updates, now)

    expired: list[bool] = []

    def out_of_time(signum: int, frame: object) -> None:
        expired.append(True)
        raise _OutOfTime

    out_of_budget = [Violation("", "GK463", t("GK463", seconds=f"{budget:g}"))]
    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        found = _pre_receive(root, updates, now)
        # the alarm can land where Python drops the exception (an object's __del__): the flag
        # still says the check ran out of time, and what was not checked in time is refused
        return out_of_budget if expired else found
    except _OutOfTime:
        return out_of_budget
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _pre_receive(root: Path, updates: list[RefUpdate], now: float | None = None) -> list[Violation]:
    """Protected refs (main and tags by default) only move forward and are never deleted; every
    pushed commit, whatever ref it arrives on, passes the same verification as main. Pins the
    trust anchor on the first push."""
    now = time.time() if now is None else now
    patterns = protected_refs(root)
    anchor = git(root, "config", "--get", ROOT_CONFIG, check=False).strip() or None
    existing = [line.split()[0] for line in git(root, "show-ref", check=False).splitlines() if line.strip()]
    out: list[Violation] = []
    roots: set[str] = set()
    for upd in updates:
        if upd.ref.startswith(RESERVED_PREFIX):  # the witness log is the server's, written by post-receive only
            out.append(Violation(upd.new or upd.old or "", "GK434", t("GK434", ref=upd.ref)))
            continue
        is_protected = any(fnmatch.fnmatchcase(upd.ref, p) for p in patterns)
        name = upd.ref.removeprefix("refs/heads/")
        if upd.new is None:
            if is_protected:
                out.append(Violation(upd.old or "", "GK461", t("GK461", branch=name)))
            continue
        tip = git(root, "rev-parse", "--verify", "--quiet", upd.new + "^{commit}", check=False).strip()
        if not tip:
            out.append(Violation(upd.new, "GK462", t("GK462", ref=upd.ref)))
            continue
        if is_protected and upd.old is not None and not _is_ancestor(root, upd.old, upd.new):
            out.append(Violation(upd.new, "GK460", t("GK460", branch=name)))
            continue
        scope = commits_between(root, tip, existing)
        if not scope:
            continue
        result = verify_tip(root, tip, scope, anchor, now, pushed=True)
        out += [v for v in result.violations if v.severity == "error"]  # warnings inform, never refuse
        if result.root:
            roots.add(result.root)
    if not out and anchor is None and len(roots) == 1:
        git(root, "config", ROOT_CONFIG, roots.pop())
    return out


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    """Whether ``new`` contains ``old`` (a fast-forward); anything git cannot answer is a no."""
    try:
        git_bytes(root, "merge-base", "--is-ancestor", old, new)
    except GitError:
        return False
    return True


def post_receive(root: Path, updates: list[RefUpdate], now: float | None = None) -> list[str]:
    """Witness the accepted push: one signed record per ref update on ``refs/gkctl/witness``."""
    when = int(time.time() if now is None else now)
    made = append(root, [(u.ref, u.old, u.new) for u in updates], when)
    keep_snapshot(root)
    return made


def keep_snapshot(root: Path) -> None:
    """Fold the accepted push (dated by the records just written) into the snapshot of HEAD, so
    the next push's check reads only its own commits. A cache: no failure here touches the push."""
    if not git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip():
        return
    try:
        analyse_head(root, "HEAD", save_after=1)
    except (GkctlError, OSError):
        return


def prepare_environment() -> None:
    """Let the server hook see the pushed objects in git's quarantine (see ``gitutil``)."""
    use_hook_environment()
