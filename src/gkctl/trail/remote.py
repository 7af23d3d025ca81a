"""Creating a bare repository and talking to a remote, through GitPython.

GitPython is the better tool only here: ``Repo.init`` for repository creation, and
``Remote.fetch``/``push`` whose ``RemoteProgress`` reports git's own transfer progress to
a callback (the CLI draws the bar). It costs ~150 ms to import and one git process per
call, so history is never read through it (``history`` reads it with batched plain git);
this module is imported only by ``server init`` and ``sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from git import GitCommandError, PushInfo, RemoteProgress, Repo

from gkctl.core.i18n import t
from gkctl.trail.gitutil import GitError, git_env

Progress = Callable[[str, int, int | None], None]  # (stage, done, total or None)


class _Bridge(RemoteProgress):
    """git's progress lines (counting, compressing, writing objects) as (stage, done, total) calls."""

    def __init__(self, stage: str, report: Progress) -> None:
        super().__init__()
        self.stage, self.report = stage, report

    def update(self, op_code: int, cur_count: str | float, max_count: str | float | None = None,
               message: str = "") -> None:  # fmt: skip
        total = int(float(max_count)) if max_count else None
        self.report(self.stage, int(float(cur_count or 0)), total)


def _repo(root: Path) -> Repo:
    repo = Repo(root)
    repo.git.update_environment(**git_env())  # same hygiene as every other git call of gkctl
    return repo


def init_bare(path: Path) -> None:
    """``git init --bare`` with ``main`` as the first branch."""
    Repo.init(path, mkdir=True, bare=True, initial_branch="main")


def fetch(root: Path, remote: str, refspecs: Sequence[str], progress: Progress | None = None) -> None:
    """Fetch ``refspecs`` from ``remote``; a refused (non-fast-forward) update is a ``GitError``."""
    try:
        _repo(root).remote(remote).fetch(list(refspecs), progress=_Bridge("fetch", progress) if progress else None)
    except GitCommandError as exc:
        raise GitError(t("git.failed", cmd="fetch " + remote, detail=_stderr(exc))) from None


def push(root: Path, remote: str, refspec: str, progress: Progress | None = None) -> None:
    """Push one refspec; refused by the central repository's hook or not a fast-forward: ``GitError``."""
    try:
        infos = _repo(root).remote(remote).push(refspec, progress=_Bridge("push", progress) if progress else None)
        infos.raise_if_error()
    except GitCommandError as exc:
        raise GitError(t("git.failed", cmd="push " + remote, detail=_stderr(exc))) from None
    bad = [i for i in infos if i.flags & (PushInfo.ERROR | PushInfo.REJECTED | PushInfo.REMOTE_REJECTED)]
    if bad:
        raise GitError(t("git.failed", cmd="push " + remote, detail="; ".join(i.summary.strip() for i in bad)))


def _stderr(exc: GitCommandError) -> str:
    text = exc.stderr if isinstance(exc.stderr, str) else str(exc.stderr or "")
    return text.strip().removeprefix("stderr:").strip(" '\n") or str(exc)
