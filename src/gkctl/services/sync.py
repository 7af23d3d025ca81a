"""``gkctl sync``: fetch (with the witness log), merge (never rebase), replay local publications, push.

A rebase would rewrite other people's signed commits and destroy their signatures, so sync
only ever merges (upstream as the second parent, like ``git pull``). Publications are the
exception that makes a concurrent publication converge: a publish commit is an empty commit
signed by the publisher, and one that was never pushed was never public. When upstream
moved, the local publish commits at the tip are set aside, upstream is merged, and the same
person publishes those documents again on top of it, with fresh 索引号 — so the central
repository never sees a publish commit whose number someone else already took.

The witness log (``refs/gkctl/witness``) is fetched without force: git refuses to replace the
records a clone already holds, so a truncated or rewritten log stops the sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gkctl.core.errors import RuleError
from gkctl.core.i18n import t
from gkctl.services import steps
from gkctl.services.repository import Repository
from gkctl.trail import remote as transport
from gkctl.trail.gitutil import GitError, git, signing_configured
from gkctl.trail.history import CommitRecord, read_records
from gkctl.trail.incremental import analyse_head
from gkctl.trail.remote import Progress
from gkctl.trail.signatures import configured_key
from gkctl.trail.witness import RESERVED_PREFIX
from gkctl.trail.workflow import Analysis, analyse

ATTEMPTS = 3


@dataclass
class SyncResult:
    remote: str
    merged: bool = False
    pushed: bool = False
    renumbered: list[tuple[str, str, str]] = field(default_factory=list)  # (doc id, old, new)
    replayed: list[tuple[str, str, str]] = field(default_factory=list)  # (doc id, old, new): republished on top


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


def _fetch(repo: Repository, name: str, progress: Progress | None) -> None:
    specs = [f"+refs/heads/*:refs/remotes/{name}/*", f"{RESERVED_PREFIX}*:{RESERVED_PREFIX}*"]
    try:
        transport.fetch(repo.root, name, specs, progress)
    except GitError as exc:
        if RESERVED_PREFIX in exc.message:
            raise RuleError(t("witness.rewritten")) from None
        raise


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


def _tail_publications(analysis: Analysis, local: list[str]) -> list[CommitRecord]:
    """The local publish commits at the tip (newest last), not yet pushed: empty, not merges."""
    by_id = analysis.trust.hist.by_id
    tail: list[CommitRecord] = []
    for sha in local:  # newest first, along first parents
        rec = by_id[sha]
        if not _may_be_tail(rec):
            break
        tail.append(rec)
    return tail[::-1]


def _may_be_tail(rec: CommitRecord) -> bool:
    return rec.step == "publish" and not rec.changes and not rec.is_merge and bool(rec.trailer("Gkctl-Path"))


def _replay(repo: Repository, remote_ref: str, tail: list[CommitRecord], analysis: Analysis,
            result: SyncResult) -> None:  # fmt: skip
    """Set the tail publications aside, merge upstream, publish the same documents again on top."""
    root = repo.root
    original = git(root, "rev-parse", "HEAD").strip()
    trust = analysis.trust
    signer = configured_key(root).key if signing_configured(root) else None
    for rec in tail:
        person = trust.actor(rec).person
        path = rec.trailer("Gkctl-Path") or ""
        if signer is None or person is None or trust.head_policy is None \
                or trust.head_policy.people.by_key(signer) != person:
            doc_id = rec.trailer("Gkctl-Document") or path
            raise RuleError(t("workflow.sync.renumber_refused", id=doc_id, index=rec.trailer("Gkctl-Index") or "-"))
    git(root, "reset", "--quiet", "--keep", tail[0].parents[0])
    try:
        result.merged = _merge(repo, remote_ref) or result.merged
        merged = analyse_head(root)
        for rec in tail:
            path = rec.trailer("Gkctl-Path") or ""
            state = merged.documents.get(path)
            if state is None or (state.publication is not None and not state.unpublished_changes):
                continue  # published upstream meanwhile (or gone): nothing of ours to add
            try:
                [res] = steps.publish(repo, [path], fetch=False)
            except RuleError as exc:
                old = rec.trailer("Gkctl-Index") or "-"
                raise RuleError(t("workflow.sync.renumber_refused", id=state.doc_id, index=old) + f"（{exc.message}）") from None
            result.replayed.append((state.doc_id, rec.trailer("Gkctl-Index") or "", res.index_number or ""))
    except BaseException:
        git(root, "reset", "--quiet", "--keep", original, check=False)  # as it was: nothing lost
        result.replayed.clear()
        raise


def _renumber(repo: Repository, remote_ref: str, result: SyncResult) -> None:
    """Local publications deeper in history whose 索引号 the upstream already used get a fresh number."""
    local_only = set(git(repo.root, "rev-list", f"{remote_ref}..HEAD").split())
    analysis = analyse_head(repo.root)  # folded: after a merge, from the snapshot of upstream
    for sha, key, number in analysis.problems:
        if key != "workflow.bad.index_taken" or sha not in local_only:
            continue
        [rec] = read_records(repo.root, [sha])  # a folded analysis holds only the commits it judged
        state = analysis.documents.get(rec.trailer("Gkctl-Path") or "")
        if state is None or state.publication is not None:
            continue
        try:
            [res] = steps.publish(repo, [state.path], fetch=False)
        except RuleError as exc:
            raise RuleError(t("workflow.sync.renumber_refused", id=state.doc_id, index=number) + f"（{exc.message}）") from None
        result.renumbered.append((state.doc_id, number, res.index_number or ""))
        analysis = analyse_head(repo.root)


def _integrate(repo: Repository, remote_ref: str, result: SyncResult) -> None:
    root = repo.root
    local = git(root, "rev-list", "--first-parent", f"{remote_ref}..HEAD").split()
    behind = bool(git(root, "rev-list", "--max-count=1", f"HEAD..{remote_ref}").strip())
    # only a publish commit at the tip can start a tail: else no pass over history is needed
    if behind and local and all(_may_be_tail(rec) for rec in read_records(root, local[:1])):
        analysis = analyse(root)
        tail = _tail_publications(analysis, local)
        if tail:
            _replay(repo, remote_ref, tail, analysis, result)
            return
    result.merged = _merge(repo, remote_ref) or result.merged
    _renumber(repo, remote_ref, result)


def sync(repo: Repository, remote: str | None = None, progress: Progress | None = None) -> SyncResult:
    """Fetch, integrate, push; ``progress`` gets git's transfer progress (stage, done, total)."""
    name, branch = _upstream(repo, remote)
    dirty = git(repo.root, "status", "--porcelain", "--untracked-files=no").splitlines()
    if dirty:  # a merge must not mix with work in progress
        raise RuleError(t("workflow.sync.dirty", paths="、".join(line[3:] for line in dirty[:5])))
    result = SyncResult(name)
    detail = ""
    for _ in range(ATTEMPTS):
        _fetch(repo, name, progress)
        remote_ref = f"refs/remotes/{name}/{branch}"
        exists = bool(git(repo.root, "rev-parse", "--verify", "--quiet", remote_ref, check=False).strip())
        if exists:
            _integrate(repo, remote_ref, result)
            if not git(repo.root, "rev-list", "--max-count=1", f"{remote_ref}..HEAD").strip():
                return result  # nothing of ours to push (a clone without a key just fast-forwards)
        try:
            transport.push(repo.root, name, f"HEAD:refs/heads/{branch}", progress)
        except GitError as exc:
            detail = exc.message  # someone pushed meanwhile: fetch and merge again
            continue
        result.pushed = True
        return result
    raise RuleError(t("workflow.sync.push_failed", detail=detail))
