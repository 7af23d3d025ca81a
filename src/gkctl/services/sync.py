"""``gkctl sync``: fetch, merge (never rebase), renumber a clashing publication, push.

A rebase would rewrite other people's signed commits and destroy their signatures, so sync
only ever merges (upstream as the second parent, like ``git pull``). When both sides
published different documents under the same 索引号 while apart, the upstream one — already
public — keeps it (``workflow`` judges the upstream side of a merge first), and the local
document gets a new publish commit with a fresh number *before* anything is pushed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gkctl.core.errors import RuleError
from gkctl.core.i18n import t
from gkctl.services import steps
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import GitError, git, signing_configured
from gkctl.trail.workflow import analyse

ATTEMPTS = 3


@dataclass
class SyncResult:
    remote: str
    merged: bool = False
    pushed: bool = False
    renumbered: list[tuple[str, str, str]] = field(default_factory=list)  # (doc id, old, new)


def _upstream(repo: Repository, remote: str | None) -> tuple[str, str]:
    root = repo.root
    branch = git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip() or "main"
    upstream = git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False).strip()
    remotes = git(root, "remote").split()
    if remote is None and upstream and "/" in upstream:
        name, _, rbranch = upstream.partition("/")
        if name in remotes:
            return name, rbranch
    name = remote or ("origin" if "origin" in remotes else (remotes[0] if remotes else ""))
    if not name or name not in remotes:
        raise RuleError(t("workflow.sync.no_remote"))
    return name, branch


def _merge(repo: Repository, remote_ref: str) -> bool:
    root = repo.root
    head = git(root, "rev-parse", "HEAD").strip()
    theirs = git(root, "rev-parse", remote_ref).strip()
    if git(root, "merge-base", theirs, head, check=False).strip() == theirs:
        return False  # nothing new upstream
    args = ["merge", "--no-edit", "--ff", "-S" if signing_configured(root) else "--no-gpg-sign"]
    try:
        git(root, *args, remote_ref)
    except GitError:
        conflicts = git(root, "diff", "--name-only", "--diff-filter=U", check=False).split()
        git(root, "merge", "--abort", check=False)
        raise RuleError(t("workflow.sync.conflict", paths="、".join(conflicts) or "-")) from None
    return True


def _renumber(repo: Repository, remote_ref: str, result: SyncResult) -> None:
    """Local publications whose 索引号 the upstream already used get a fresh number."""
    local_only = set(git(repo.root, "rev-list", f"{remote_ref}..HEAD").split())
    analysis = analyse(repo.root)
    for sha, key, number in analysis.problems:
        if key != "workflow.bad.index_taken" or sha not in local_only:
            continue
        rec = analysis.trust.hist.by_id[sha]
        state = analysis.documents.get(rec.trailer("Gkctl-Path") or "")
        if state is None or state.publication is not None:
            continue
        try:
            [res] = steps.publish(repo, [state.path], fetch=False)
        except RuleError as exc:
            raise RuleError(t("workflow.sync.renumber_refused", id=state.doc_id, index=number) + f"（{exc.message}）") from None
        result.renumbered.append((state.doc_id, number, res.index_number or ""))
        analysis = analyse(repo.root)


def sync(repo: Repository, remote: str | None = None) -> SyncResult:
    name, branch = _upstream(repo, remote)
    dirty = git(repo.root, "status", "--porcelain", "--untracked-files=no").splitlines()
    if dirty:  # a merge must not mix with work in progress
        raise RuleError(t("workflow.sync.dirty", paths="、".join(line[3:] for line in dirty[:5])))
    result = SyncResult(name)
    detail = ""
    for _ in range(ATTEMPTS):
        git(repo.root, "fetch", "--quiet", name)
        remote_ref = f"refs/remotes/{name}/{branch}"
        exists = bool(git(repo.root, "rev-parse", "--verify", "--quiet", remote_ref, check=False).strip())
        if exists:
            result.merged = _merge(repo, remote_ref) or result.merged
            _renumber(repo, remote_ref, result)
        try:
            git(repo.root, "push", "--quiet", name, f"HEAD:refs/heads/{branch}")
        except GitError as exc:
            detail = exc.message  # someone pushed meanwhile: fetch and merge again
            continue
        result.pushed = True
        return result
    raise RuleError(t("workflow.sync.push_failed", detail=detail))
