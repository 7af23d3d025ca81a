"""The analysis of HEAD from a snapshot of an ancestor: only what the new commits touch is re-judged.

A full pass reads and judges the whole history; its cost grows with every commit. After it,
the folded state — per-document states, 索引号 candidates and assignment, problems by document,
the effective policy after every commit, which commits touched which path — is kept under
``.git/gkctl/`` keyed by the commit it describes. A later command on a descendant reads only the
new commits and the few older ones that touched the same documents, and re-runs the same
per-document pass (``workflow.path_pass``) on them.

Merges fold when the full pass's order of the head starts with the snapshot's (``trust.dfs_walk``):
a clerk's line merged onto the central repository's tip, or both sides of a merge folded from
their merge base. Everything else the snapshot cannot explain falls back to the full pass: a
head that is not a descendant (a rewrite, another root), a merge whose other side reaches into
the snapshot's history first, a policy change (every document's chain depends on the head's
policy; a site template change is folded), a change to which files are
attachments, a 索引号 decision of an untouched document that would come out differently, a
witness log (where a key is pinned) that grew since or whose record reaches a new commit, too
many new commits, or a snapshot of another format or code version, or damaged. The snapshot is never
needed for correctness: ``tests/test_incremental.py`` compares every answer with a full pass.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gkctl import __version__
from gkctl.core.heap import paused_gc, trim
from gkctl.core.policy import SITE_TEMPLATE_DIR, is_policy_path
from gkctl.trail.cache import cache_path, load_pickle, save_pickle
from gkctl.trail.gitutil import git, git_bytes, read_objects
from gkctl.trail.history import Change, CommitRecord, History, read_records, tree_changes
from gkctl.trail.states import STORE, LazyStates, SnapshotStore, encode, read_states
from gkctl.trail.trust import Trust, dfs_walk, policy_of_files
from gkctl.trail.witness import read_log, witness_tip
from gkctl.trail.workflow import (
    ANY_TIP,
    DOC_STEPS,
    Analysis,
    Candidate,
    DocState,
    DocWork,
    FullPass,
    ProblemSink,
    Since,
    analyse,
    assign_indexes,
    attachment_paths,
    blobs_in_own_trees,
    candidates_of,
    finish_all,
    lean_state,
    path_pass,
)  # fmt: skip

SNAPSHOT = "analysis-v7.pickle"
# the snapshot of the newest commit a remote-tracking ref pointed at when it was saved: the merge
# base of the next ``gkctl sync``, whose merge the newest snapshot (of the clerk's line) cannot explain
UPSTREAM = "analysis-v7-upstream.pickle"
RETIRED = ("analysis-v6.pickle", "analysis-v6-upstream.pickle")  # earlier formats' (17 MB at district size)
FORMAT = 7  # bump when the snapshot's fields or their meaning change
MAX_REPLAY = 400  # new commits; beyond this a full pass is about as cheap
SAVE_AFTER = 8  # re-save the snapshot once it is this many commits behind the head analysed

T = TypeVar("T")
Problem = tuple[str, str, str]
REGISTER_PROBLEM = "workflow.bad.register_unauthorised"
# receive times of new commits and of judged commits dated again, whether a key is pinned, the log's
# tip, the tips its records name, the log's commits since the snapshot's tip
Dates = tuple[dict[str, int], dict[str, int], bool, str | None, frozenset[str], frozenset[str]]
Eff = tuple[tuple[str, str], ...]
Ctx = tuple[Eff, frozenset[str]]  # a commit's effective policy and template files, and the keys revoked after it


@dataclass
class Snapshot:
    """The folded state of the history reachable from ``head``, as the full pass would give it."""

    format: int
    code: str  # gkctl version that wrote it
    head: str
    count: int  # commits reachable from head
    # the distinct contexts (effective files, revoked keys) of the commits; each commit's (with its
    # position in the full pass's order, and which paths it changes or names) is a row of the store's tables
    contexts: list[Ctx]
    head_ctx: int  # index in ``contexts`` of head's
    witness: str | None  # the witness log's tip the dates of record were read from (None: no log)
    witness_tips: frozenset[str]  # the new tips of that log's usable records (so a fold need not read it again)
    current: dict[str, str]  # document path -> blob at head
    attachments: dict[str, tuple[str, ...]]  # document path at head -> its attachment files (those that have any)
    state_keys: dict[str, bytes]  # document path -> its state's row in the state store (front matter only)
    ids: dict[str, str]  # document path -> id, in the analysis' order
    store: str  # generation of the state store the rows are in
    candidates: dict[str, list[Candidate]]
    accepted: set[str]
    used: dict[str, set[str]]  # document path -> the 索引号 it used (those that used any)
    global_problems: list[Problem]  # policy commits'
    problems: dict[str, tuple[list[Problem], list[Problem], list[Problem]]]  # path -> per phase
    roots: tuple[str, ...]  # the commits without parents (a fold adds none)
    first_root: str | None  # the root reached by first parents from head
    # the witness keys head's policy pins, once read (None: not yet, or the policy does not load).
    # A function of head's policy files: a fold whose head keeps them keeps it, and every fold
    # dated its commits by it after parsing that policy again (~9 ms of `status` after a step).
    pinned: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Pushed:
    """A push folded onto the central repository's snapshot: what its hook judges."""

    analysis: Analysis
    new: frozenset[str]  # the commits folded onto the snapshot's head
    roots: tuple[str, ...]
    first_root: str | None


def analyse_head(root: Path, rev: str = "HEAD", save_after: int | None = None) -> Analysis:
    """What ``workflow.analyse`` says about ``rev``, from the snapshot when it explains ``rev``.

    A fold is saved as the new snapshot once it is ``save_after`` (``SAVE_AFTER``) commits ahead of it.

    The result's ``trust`` knows the head's policy and files but not the whole history, and its
    documents carry front matter without bodies: callers that walk ``trust.hist`` (log, verify,
    audit) or read bodies (the report) use ``analyse``.
    """
    root = Path(root)
    with paused_gc():
        head = git_bytes(root, "rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False).decode().strip()
        if not head:
            return analyse(root, rev)
        is_head = rev == "HEAD" or head == git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip()
        file = cache_path(root, SNAPSHOT)
        store = SnapshotStore(cache_path(root, STORE))
        snap = _load(file, store)
        dates = None
        if snap is not None and snap.head == head:
            dates = _new_dates(root, snap, [], store)
            if dates is not None and not dates[1]:
                # a text made under any of the log's tips since the snapshot's is right throughout
                tips_since = frozenset(w or "" for w in (snap.witness, dates[3], *dates[5])) if dates[2] else ANY_TIP
                if is_head and dates[3] != snap.witness:  # the log grew, dating nothing it describes
                    snap.witness, snap.witness_tips = dates[3], dates[4]
                    save_pickle(file, snap)
                return _analysis(root, snap, store, witnesses=tips_since)
        # the same head whose log cannot be followed (dates None) takes the full pass
        if snap is not None and (snap.head != head or dates is not None):
            replayed = _replay(root, snap, head, store, dates=dates)
            if replayed is not None:
                analysis, fresh, index = replayed
                due = fresh.count - snap.count >= (save_after or SAVE_AFTER) or fresh.witness != snap.witness
                if is_head and due and fresh.store and _write_index(root, store, head, index, snap.count):
                    _save(root, file, fresh)
                return analysis
        # upstream merged into the clerk's line: both sides folded from the merge base's snapshot
        base = _load(cache_path(root, UPSTREAM), store, below=True)
        if base is not None and base.head != head and (snap is None or base.head != snap.head) \
                and _is_ancestor(root, base.head, head):  # fmt: skip
            replayed = _replay(root, base, head, store)
            if replayed is not None:
                analysis, fresh, index = replayed  # saved whatever its length: the newest snapshot explains nothing now
                if is_head and fresh.store and _write_index(root, store, head, index, base.count):
                    _save(root, file, fresh)
                return analysis
        analysis = analyse(root, head, bodies=False)
        if analysis.work is None or analysis.head is None:
            return analysis
        if is_head:
            cache_path(root, UPSTREAM).unlink(missing_ok=True)  # its rows are about to be written anew
        made = _snapshot(analysis, analysis.work, store, save=is_head)
        if made is None:
            return analysis  # the states could not be stored: this run keeps the full pass's
        del analysis  # the whole history it holds is not needed by what is returned
        trim()  # and its pages go back to the kernel: what the command does next starts lean
        states, snap = made
        if is_head:
            _save(root, file, snap)
        return _analysis(root, snap, store, fresh=states)  # as the store would give them back


def _write_index(root: Path, store: SnapshotStore, head: str, index: Index, since: int) -> bool:
    """The fold's rows into the store's history tables. Rows of commits a new witness record
    dates again lie below ``since``: the upstream snapshot judged those on their claims and
    would read the new dates as its own, so it is given up first."""
    if any(pos < since for _, pos, _, _ in index[0]):
        cache_path(root, UPSTREAM).unlink(missing_ok=True)
    return store.write_index(head, *index, since=since)


def _save(root: Path, file: Path, snap: Snapshot) -> None:
    """Keep ``snap`` as the newest snapshot, and as the upstream one when a remote-tracking ref
    (what ``gkctl sync`` fetched and pushed) points at its head."""
    save_pickle(file, snap)
    for name in RETIRED:
        cache_path(root, name).unlink(missing_ok=True)
    tips = git(root, "for-each-ref", "--format=%(objectname)", "refs/remotes/", check=False).split()
    if snap.head in tips:
        save_pickle(cache_path(root, UPSTREAM), snap)


def fold_push(root: Path, tip: str, arriving: dict[str, int]) -> Pushed | None:
    """``tip``'s analysis folded from the snapshot, the pushed commits dated ``arriving`` (the
    moment the central repository receives them); None when the snapshot cannot explain ``tip``.

    Never saved: a push's dates of record are the witness records post-receive writes once it
    is accepted (``analyse_head`` then folds those).
    """
    root = Path(root)
    with paused_gc():
        store = SnapshotStore(cache_path(root, STORE))
        snap = _load(cache_path(root, SNAPSHOT), store)
        if snap is None or snap.head == tip:
            return None
        replayed = _replay(root, snap, tip, store, arriving)
        if replayed is None:
            return None
        analysis = replayed[0]
        return Pushed(analysis, analysis.base[0] - {snap.head} if analysis.base else frozenset(),
                      snap.roots, snap.first_root)  # fmt: skip


def snapshot_head(root: Path) -> str | None:
    """The commit the saved snapshot describes (None: no usable snapshot)."""
    snap = _load(cache_path(Path(root), SNAPSHOT), SnapshotStore(cache_path(Path(root), STORE)))
    return snap.head if snap is not None else None


def _load(file: Path, store: SnapshotStore, below: bool = False) -> Snapshot | None:
    """The snapshot in ``file`` if the store's history tables describe its head; ``below``: or
    begin with its head's (a descendant's fold since appended rows after them)."""
    snap = load_pickle(file)
    if not isinstance(snap, Snapshot) or snap.format != FORMAT or snap.code != __version__:
        return None
    if store.generation() != snap.store:
        return None  # the store was deleted or replaced since
    if store.index_head() == snap.head:
        return snap
    if not below:
        return None  # written for another head since
    # a commit's position is after all its ancestors': at count - 1, the rows before are its history's
    at = store.positions({snap.head}, snap.count)
    return snap if at is not None and at.get(snap.head, (-1, -1, None))[:2] == (snap.count - 1, snap.head_ctx) else None


def _problems(snap: Snapshot) -> tuple[Problem, ...]:
    out = list(snap.global_problems)
    for path in sorted(snap.problems):
        for phase in snap.problems[path]:
            out.extend(phase)
    return tuple(out)


def _analysis(root: Path, snap: Snapshot, store: SnapshotStore, trust: Trust | None = None,
              base: tuple[frozenset[str], frozenset[str]] | None = None,
              fresh: dict[str, DocState] | None = None, witnesses: Container[str] | None = None,
              ) -> Analysis:  # fmt: skip
    if trust is None:
        trust = Trust(root, History(None, (), {}), docs_cache=False, partial=True)
        trust.hist = History(snap.head, (), {})
    files, revoked = snap.contexts[snap.head_ctx]
    trust.assume_effective({snap.head: files})
    trust.assume_revoked({snap.head: revoked})
    used = frozenset().union(*snap.used.values()) - {""}
    head = snap.head

    def recover() -> dict[str, DocState]:
        return dict(analyse(root, head, bodies=False).documents)

    # the states in ``fresh`` are given whole, so their keys (rows maybe never stored) are not read
    states = LazyStates(snap.state_keys, snap.ids, store, fresh or {}, recover, snap.current)
    return Analysis(snap.head, trust, states, used, _problems(snap), base=base, base_witnesses=witnesses, doc_ids=snap.ids,
                    briefs_from=states.briefs, changed_since=_changed_since(root, snap))  # fmt: skip


def _snapshot(analysis: Analysis, work: FullPass, store: SnapshotStore, save: bool,
              ) -> tuple[dict[str, DocState], Snapshot] | None:  # fmt: skip
    """The states a full pass stored (front matter without bodies) and its snapshot
    (``analysis.head`` must be set); None when its states or history tables could not be stored."""
    trust = analysis.trust
    assert analysis.head is not None
    contexts: dict[Ctx, int] = {}

    def context(sha: str) -> int:
        return contexts.setdefault((trust.effective_files(sha) or (), trust.revoked_after(sha)), len(contexts))

    commits = [(rec.id, trust.pos[rec.id], context(rec.id), trust.witnessed.get(rec.id)) for rec in trust.order]
    pre, idx, post = work.sinks
    problems = {path: (pre.by_path.get(path, []), idx.by_path.get(path, []), post.by_path.get(path, []))
                for path in {*pre.by_path, *idx.by_path, *post.by_path}}  # fmt: skip
    states = {path: lean_state(st) for path, st in analysis.documents.items()}
    rows = {path: encode(st) for path, st in states.items()}
    generation = store.generation(create=True)
    if generation is None or not store.put_many(dict(rows.values())):
        return None
    if save:
        if not store.write_index(analysis.head, commits, _touches(trust.order, trust.pos), since=None):
            return None
        store.keep_only(k for k, _ in rows.values())
    head_ctx = context(analysis.head)
    return states, Snapshot(
        FORMAT, __version__, analysis.head, len(trust.order), list(contexts), head_ctx,
        trust.witness.tip if trust.witness is not None else witness_tip(trust.root),
        frozenset(rec.new for rec in trust.witness.records if rec.new) if trust.witness is not None else frozenset(),
        dict(work.current),
        {path: files for path in work.current if (files := attachment_paths(work.docs[path].doc))},
        {path: row[0] for path, row in rows.items()}, {path: st.doc_id for path, st in analysis.documents.items()},
        generation, _candidates(work.docs), set(work.accepted),
        {path: set(w.used_indexes) for path, w in work.docs.items() if w.used_indexes}, pre.all[: pre.global_count],
        problems,
        tuple(rec.id for rec in trust.order if not rec.parents), trust.hist.first_parent_root(),
        tuple(policy.org.clock.witness_keys) if (policy := trust.head_policy) is not None else None,
    )  # fmt: skip


def _touches(recs: list[CommitRecord], pos: dict[str, int]) -> list[tuple[str, int, str, int]]:
    """``(path, pos, id, kind)`` rows: kind 0 a commit whose first-parent diff changes the path,
    kind 1 a step commit that names the document."""
    out: list[tuple[str, int, str, int]] = []
    for rec in recs:
        out.extend((ch.path, pos[rec.id], rec.id, 0) for ch in rec.changes)
        named = rec.trailer("Gkctl-Path")
        if rec.step in DOC_STEPS and named:
            out.append((named, pos[rec.id], rec.id, 1))
    return out


def _candidates(docs: dict[str, DocWork]) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {}
    for cand in candidates_of(docs):
        out.setdefault(cand[1], []).append(cand)
    return out


def _same_dates(root: Path, snap: Snapshot, new_ids: list[str]) -> bool:
    """Whether the full pass would date the snapshot's commits as it did and the new ones by
    their own claim: no witness key is pinned, or the witness log is the one the snapshot read
    and none of its records reaches a new commit. Else the full pass (a new record re-dates
    commits already judged)."""
    keys = _witness_keys(root, snap)
    if keys is None:
        return False
    if not keys:
        return True  # nothing pinned: the log dates nothing, whatever it holds
    tip = witness_tip(root)
    if tip != snap.witness:
        return False
    if tip is None:
        return True
    # a record dates what its tip reaches only when the tip is in the history; a tip that reached
    # a new commit from inside the history would itself be a new commit
    return not snap.witness_tips & set(new_ids)


def _witness_keys(root: Path, snap: Snapshot) -> tuple[str, ...] | None:
    """The witness keys head's policy pins (None: the policy does not load), kept in ``snap``."""
    if snap.pinned is None:
        eff = snap.contexts[snap.head_ctx][0]
        blobs = read_objects(root, [blob for _, blob in eff])
        policy = policy_of_files(eff, blobs.get)
        snap.pinned = tuple(policy.org.clock.witness_keys) if policy is not None else None
    return snap.pinned


def _new_dates(root: Path, snap: Snapshot, new_ids: list[str], store: SnapshotStore) -> Dates | None:
    """How the full pass would date the commits, given the run ``new_ids`` after the
    snapshot's head: (receive times of new commits, of the snapshot's commits a new record dates
    for the first time, whether a key is pinned, the log's tip); None when a fold cannot follow
    (the log was rewritten or lost, a record the snapshot read reaches a new commit, or too many
    commits are dated again).

    A record dates the commits its new tip reaches that no earlier record's tip in the history
    reached (``witness.witnessed_times``): exactly ``git rev-list TIP --not EARLIER-TIPS``.
    """
    keys = _witness_keys(root, snap)
    if keys is None:
        return None
    if not keys:
        return {}, {}, False, snap.witness, snap.witness_tips, frozenset()  # nothing pinned: the log dates nothing
    tip = witness_tip(root)
    if tip is None or tip == snap.witness:
        fresh: set[str] = set()
        if tip is None and snap.witness is not None:
            return None  # the log is gone: the full pass dates by the claims
    else:
        if snap.witness and not _is_ancestor(root, snap.witness, tip):
            return None  # the log was rewritten
        since = [tip, "--not", snap.witness] if snap.witness else [tip]
        fresh = set(git(root, "rev-list", *since, "--", check=False).split())
    at = set(new_ids)
    if snap.witness_tips & at:
        return None  # a record the snapshot read reaches a new commit (and maybe what it judged)
    if not fresh:
        return {}, {}, True, tip, snap.witness_tips, frozenset()
    records = read_log(root, keys, tip).records if tip else ()
    tips = frozenset(rec.new for rec in records if rec.new)
    added = [rec for rec in records if rec.id in fresh and rec.new]
    if not added:
        return {}, {}, True, tip, tips, frozenset(fresh)
    known = store.positions({rec.new for rec in records if rec.new and rec.new not in at}, snap.count + 1)
    if known is None:
        return None
    earlier = [rec.new for rec in records if rec.id not in fresh and rec.new in known]
    times: dict[str, int] = {}
    again: dict[str, int] = {}
    for rec in added:
        assert rec.new is not None
        if rec.new not in at and (rec.new not in known or known[rec.new][2] is not None):
            continue  # outside the history, or dated already (and so is everything it reaches)
        reached = git(root, "rev-list", "--stdin", input="".join([rec.new + "\n", *(f"^{e}\n" for e in earlier)]))
        earlier.append(rec.new)
        for sha in reached.split():
            (times if sha in at else again)[sha] = rec.time
        if len(again) > MAX_REPLAY:
            return None
    return times, again, True, tip, tips, frozenset(fresh)


def _is_ancestor(root: Path, old: str, new: str) -> bool:
    return git_bytes(root, "rev-list", "--count", f"{new}..{old}", check=False).strip() == b"0"


@dataclass(frozen=True)
class Run:
    """The commits after a snapshot's head up to a descendant, as a fold takes them."""

    ids: list[str]  # in the full pass's order
    recs: list[CommitRecord]
    tree: tuple[Change, ...] | None = None  # with merges: every path whose blob differs from the old head's


def _run(root: Path, snap: Snapshot, old: str, head: str, check_dates: bool = True) -> Run | None:
    """The commits after ``old`` up to ``head`` when a fold can explain them, else None: the full
    pass's order of ``head`` is ``old``'s followed by them (``trust.dfs_walk``), none is a root, and
    none but a merge changes a file the policy is made of (site templates it may: no rule reads
    them). ``check_dates``: and the witness log dates none of them as the snapshot read it."""
    out = git_bytes(root, "rev-list", f"{old}..{head}", "--", check=False)
    ids = out.decode().split()
    if not ids or len(ids) > MAX_REPLAY:
        return None
    recs = read_records(root, ids)
    if len(recs) != len(ids):
        return None
    for rec in recs:
        if not rec.parents or (not rec.is_merge and any(_makes_policy(c.path) for c in rec.changes)):
            return None  # a new root, or a policy change every later commit is judged by
    # the full pass's order of head must be old's followed by the new commits: a linear run always
    # is, so is a merge whose later parent's line reaches old first (upstream merged into a clerk's
    # line and pushed onto the central tip old); one whose other side reaches into old's history
    # first would move old's commits
    order = dfs_walk(head, {rec.id: rec for rec in recs}, boundary=old)
    if order is None:
        return None
    merges = any(rec.is_merge for rec in order)
    run = Run([rec.id for rec in order], order, tree_changes(root, old, head) if merges else None)
    return run if not check_dates or _same_dates(root, snap, run.ids) else None


def _rule_files(eff: Eff) -> Eff:
    """The files in force that the rules read: all but the site templates."""
    return tuple(f for f in eff if not f[0].startswith(SITE_TEMPLATE_DIR))


def _makes_policy(path: str) -> bool:
    """A change a fold cannot follow: ``gkctl.yaml`` and ``policies/`` make the policy every later
    commit is judged by. A site template is a policy path too (only an admin's change of it is in
    force), but no rule reads it: the fold judges who signed it and carries the files in force."""
    return is_policy_path(path) and not path.startswith(SITE_TEMPLATE_DIR)


def _dirty(run: Run, attachments: dict[str, tuple[str, ...]], also: list[CommitRecord] | None = None) -> set[str]:
    """The documents the run (and the commits ``also``) may change the state of: changed, named
    by a step, or owning a changed attachment. With merges, a path can differ from the old head
    without any commit's first-parent diff naming it (a merge that keeps one side's older
    file): the run's tree diff counts too."""
    owners: dict[str, set[str]] = {}
    for path, files in attachments.items():
        for f in files:
            owners.setdefault(f, set()).add(path)
    dirty: set[str] = set()
    changes = [ch for rec in [*(also or ()), *run.recs] for ch in rec.changes]
    for ch in [*changes, *(run.tree or ())]:
        if ch.path.startswith("docs/"):
            dirty.add(ch.path)
        dirty |= owners.get(ch.path, set())
    for rec in [*(also or ()), *run.recs]:
        named = rec.trailer("Gkctl-Path")
        if rec.step in DOC_STEPS and named:
            dirty.add(named)
    return dirty


def _changed_since(root: Path, snap: Snapshot) -> Callable[[str], Since | None]:
    """For a folded analysis: the documents whose state may differ between an older commit and
    ``snap.head`` (None when the commits between are not a run a fold could explain)."""

    def changed(old: str) -> Since | None:
        run = _run(root, snap, old, snap.head)
        return Since(frozenset(_dirty(run, snap.attachments)), len(run.ids)) if run is not None else None

    return changed


Index = tuple[list[tuple[str, int, int, int | None]], list[tuple[str, int, str, int]]]  # rows of the store's history tables


def _replay(root: Path, snap: Snapshot, head: str, store: SnapshotStore, arriving: dict[str, int] | None = None,
            dates: Dates | None = None) -> tuple[Analysis, Snapshot, Index] | None:  # fmt: skip
    """The analysis of ``head`` folded from ``snap``, or None when the snapshot cannot explain it.

    ``arriving``: commits the central repository is receiving, dated by their receive time
    where no witness record dates them (as ``trust.build_trust``). ``dates``: ``_new_dates`` of
    the run when the caller has it already.
    """
    run = Run([], []) if head == snap.head else _run(root, snap, snap.head, head, check_dates=False)
    if run is None:
        return None
    new_ids, new = run.ids, run.recs
    dates = dates or _new_dates(root, snap, new_ids, store)
    if dates is None:
        return None
    recorded, again, pinned, witness, witness_tips, logged = dates
    # commits the snapshot judged on their claimed dates that a new witness record now dates
    redated = read_records(root, sorted(again))
    if len(redated) != len(again) or any(len(rec.parents) != 1 or any(is_policy_path(c.path) for c in rec.changes)
                                         for rec in redated):  # fmt: skip
        return None  # a root, a merge or a policy change dated again: revocations and every chain may move
    dirty = _dirty(run, snap.attachments, redated)
    current = dict(snap.current)
    # a linear run's tree is the old one with each commit's changes in turn; a merge's is read
    in_tree: dict[tuple[str, str], str | None] = {}  # the file each new step names, in its commit's tree
    for rec in new if run.tree is None else ():
        _apply(current, rec.changes)
        named = rec.trailer("Gkctl-Path")
        if rec.step in DOC_STEPS and named and _is_document(named):
            in_tree[(rec.id, named)] = current.get(named)
    if run.tree is not None:
        _apply(current, run.tree)

    new_pos = {rec.id: snap.count + i for i, rec in enumerate(new)}

    trust = Trust(root, History(head if new else None, tuple(new), {r.id: r for r in new}), docs_cache=False,
                  partial=True)  # fmt: skip
    for old_state in (read_states(store, {p: snap.state_keys[p] for p in dirty if p in snap.state_keys}) or {}).values():
        trust.know_in_tree(blobs_in_own_trees(old_state))  # what the snapshot's judgment of their steps shows
    trust.know_in_tree(in_tree)
    attachments = dict(snap.attachments)
    for path in dirty:
        attachments.pop(path, None)
        if path in current and (files := attachment_paths(trust.document(current[path], path))):
            attachments[path] = files
    watched = {f for files in attachments.values() for f in files}
    if watched != {f for files in snap.attachments.values() for f in files}:
        return None  # which files are attachments changed: other documents' changes may read differently

    # the older commits that touched those documents or their attachments, and their parents' policy
    paths = dirty | {f for path in dirty for f in attachments.get(path, ())}
    touching = store.touching(paths, snap.count)
    if touching is None:
        return None
    old_ids = [sha for sha, _ in touching]
    old = read_records(root, [*old_ids, snap.head] if snap.head not in old_ids else old_ids)
    if len(old) != len(old_ids) + (snap.head not in old_ids):
        return None
    base = old.pop() if snap.head not in old_ids else None  # its date is what the first new commit is compared with
    outside = {p for rec in new for p in rec.parents if p not in new_pos}  # a merge's other side too
    known = store.positions({sha for rec in (*old, *redated) for sha in (rec.id, *rec.parents)} | outside,
                            snap.count)  # fmt: skip
    if known is None or any(rec.id not in known for rec in (*old, *redated)) or not outside <= known.keys():
        return None
    order = [*old, *new]
    trust.hist = History(head, tuple(order), {r.id: r for r in (*order, *(() if base is None else (base,)))})
    trust.order = order
    trust.pos = {**{r.id: known[r.id][0] for r in old}, **new_pos}
    head_ctx = snap.contexts[snap.head_ctx]
    witnessed = {sha: when for sha, (_, _, when) in known.items() if when is not None}
    if pinned and arriving:
        witnessed.update((sha, when) for sha, when in arriving.items() if sha in new_pos)
    witnessed.update(recorded)
    witnessed.update(again)
    trust.witnessed = witnessed
    contexts = {**{sha: snap.contexts[c] for sha, (_, c, _) in known.items()}, snap.head: head_ctx}
    trust.assume_effective({sha: ctx[0] for sha, ctx in contexts.items()})
    trust.assume_revoked({sha: ctx[1] for sha, ctx in contexts.items()})

    registers = [*sorted(redated, key=lambda r: known[r.id][0]), *new]
    trust.check([*order, *redated])  # every signature verdict in one read of the verdict cache
    for rec in registers:  # who may change the registers and the templates: the full pass's order
        trust.judge_registers(rec)
        if rec.id in new_pos:
            trust.judge_policy(rec)
    rules = _rule_files(head_ctx[0])
    if any(_rule_files(trust.effective_files(sha) or ()) != rules for sha in new_pos):
        return None  # a merge brought another policy into force (or kept an older one): every chain may move
    ctx_list, new_ctx = _new_contexts(snap, trust, list(new_pos))
    global_problems = _global_problems(store, snap, again, trust.problems, new_pos)
    if global_problems is None:
        return None
    sinks = (ProblemSink([]), ProblemSink([]), ProblemSink([]))
    docs = path_pass(trust, order, current, dirty, sinks[0], watched)
    cands = _without(snap.candidates, dirty)
    cands.update(_candidates(docs))
    accepted = assign_indexes([c for lst in cands.values() for c in lst], sinks[1])
    if not _decisions_stand(cands, dirty, accepted, snap, sinks[1]):
        return None
    fresh_states = finish_all(docs, {p: b for p, b in current.items() if p in dirty}, accepted, sinks[2])
    fresh_states = {p: lean_state(st) for p, st in fresh_states.items()}
    rows = {p: encode(st) for p, st in fresh_states.items()}
    stored = store.put_many(dict(rows.values()))
    # the documents at head in path order: only a dirty one can have come or gone
    keys, ids = _without(snap.state_keys, dirty - rows.keys()), _without(snap.ids, dirty - fresh_states.keys())
    keys.update((p, row[0]) for p, row in rows.items() if p in current)
    ids.update((p, st.doc_id) for p, st in fresh_states.items() if p in current)
    if any(p not in snap.current for p in dirty if p in current):  # one came: the new ones are placed in order
        keys, ids = _sorted(keys), _sorted(ids)

    problems = _without(snap.problems, dirty)
    for path in {*sinks[0].by_path, *sinks[1].by_path, *sinks[2].by_path}:
        if path in dirty:
            problems[path] = tuple(s.by_path.get(path, []) for s in sinks)  # type: ignore[assignment]
    used = _without(snap.used, dirty)
    used.update((p, set(w.used_indexes)) for p, w in docs.items() if w.used_indexes)
    cands = {p: c for p, c in cands.items() if c}
    fresh = Snapshot(
        FORMAT, __version__, head, snap.count + len(new), ctx_list, new_ctx.get(head, snap.head_ctx), witness,
        witness_tips, current,
        attachments, keys, ids,
        snap.store if stored else "", cands, accepted, used, global_problems, problems,
        snap.roots, snap.first_root,
    )  # fmt: skip
    if fresh.contexts[fresh.head_ctx][0] == snap.contexts[snap.head_ctx][0]:
        fresh.pinned = snap.pinned  # the same policy files at head: the same keys
    # a text written at any of those heads with any of the log's tips from the snapshot's on is
    # right for every document outside ``dirty``: what those records date again is in it
    tips_since = frozenset(w or "" for w in (snap.witness, witness, *logged)) if pinned else ANY_TIP
    analysis = _analysis(root, fresh, store, trust, (frozenset((snap.head, *new_ids)), frozenset(dirty)),
                         fresh_states, tips_since)  # fmt: skip
    index: Index = ([*((sha, known[sha][0], known[sha][1], when) for sha, when in again.items()),
                     *((sha, p, new_ctx[sha], recorded.get(sha)) for sha, p in new_pos.items())],
                    _touches(new, new_pos))  # fmt: skip
    return analysis, fresh, index


def _apply(current: dict[str, str], changes: Iterable[Change]) -> None:
    """``current`` (the documents' blobs) after ``changes``."""
    for ch in changes:
        if _is_document(ch.path):
            if ch.new_blob is None:
                current.pop(ch.path, None)
            else:
                current[ch.path] = ch.new_blob


def _is_document(path: str) -> bool:
    """A path ``current`` holds when its tree has a blob there (``Trust.tree_files`` of ``docs/``)."""
    return path.startswith("docs/") and path.endswith(".md") and posixpath.normpath(path) == path


def _without(table: dict[str, T], paths: set[str]) -> dict[str, T]:
    """A copy of ``table`` (in its order) without ``paths``: a copy and a few deletions, not a
    comprehension over every document (100,000 at district size)."""
    out = dict(table)
    for path in paths:
        out.pop(path, None)
    return out


def _sorted(table: dict[str, T]) -> dict[str, T]:
    return {p: table[p] for p in sorted(table)}


def _decisions_stand(cands: dict[str, list[Candidate]], dirty: set[str], accepted: set[str], snap: Snapshot,
                     sink: ProblemSink) -> bool:  # fmt: skip
    """Whether every untouched document's 索引号 decisions (which of its publications were
    accepted, and the problems the assignment gave it) are the snapshot's: otherwise a change
    moved another document's number and the fold cannot say which states follow."""
    moved = accepted ^ snap.accepted
    if moved:
        mine = {c[2] for p in dirty for c in (*cands.get(p, ()), *snap.candidates.get(p, ()))}
        if moved - mine:
            return False  # a decision of a publication no dirty document has
        if any(c[2] in moved for p, lst in cands.items() if p not in dirty for c in lst):
            return False  # shared with an untouched document (the slow look, only when a dirty one's moved)
    flagged = {p for p, v in snap.problems.items() if v[1]} | sink.by_path.keys()
    return all(sink.by_path.get(p, []) == snap.problems.get(p, ([], [], []))[1] for p in flagged - dirty if p in cands)


def _new_contexts(snap: Snapshot, trust: Trust, new_ids: list[str]) -> tuple[list[Ctx], dict[str, int]]:
    """The snapshot's contexts with those of the new commits added, and each new commit's index:
    a site template change puts new files in force, and may revoke keys whose time has come."""
    contexts = list(snap.contexts)
    where = {ctx: i for i, ctx in enumerate(contexts)}
    out = {}
    for sha in new_ids:
        ctx = (trust.effective_files(sha) or (), trust.revoked_after(sha))
        if ctx not in where:
            where[ctx] = len(contexts)
            contexts.append(ctx)
        out[sha] = where[ctx]
    return contexts, out


def _global_problems(store: SnapshotStore, snap: Snapshot, again: dict[str, int], judged: list[Problem],
                     new_pos: dict[str, int]) -> list[Problem] | None:  # fmt: skip
    """The snapshot's problems of no document (policy and register commits'), with those of the
    commits judged again replaced by ``judged``, in the full pass's order: by commit, a register
    change's before a policy change's. None when a position cannot be read."""
    kept = [pr for pr in snap.global_problems if not (pr[0] in again and pr[1] == REGISTER_PROBLEM)]
    if not again:
        return [*kept, *judged]
    pos = store.positions({pr[0] for pr in (*kept, *judged)} - new_pos.keys(), snap.count)
    if pos is None:
        return None
    place = {**{sha: at for sha, (at, _, _) in pos.items()}, **new_pos}
    if any(pr[0] not in place for pr in (*kept, *judged)):
        return None
    return sorted([*kept, *judged], key=lambda pr: (place[pr[0]], pr[1] != REGISTER_PROBLEM))
