"""The state of every document, derived from signed commits and the policy of their parents.

Nothing about a document's progress is stored in the document: review, sign-off, check,
proofreading, publication, withdrawal and repeal are commits whose trailers name the step and
the blob they act on, and whose *signing key* (never the author line) names the actor, looked
up in ``policies/people.yaml`` as it stood — with admin authority — in the parent commit.

The rules implemented here, all parameterised by ``policies/workflow.yaml``:

* a policy change counts only when signed by an admin of the parent's effective policy;
* a step counts only when well formed (signed by an active person holding the step's role,
  empty except for ``correct``, blob equal to the document's blob in that very commit);
* an approval binds to a blob: any later content change voids it, and so does a rejection;
* the drafter and everyone who signed a change to the content may not approve it; pairs of
  steps named under ``separation.distinct`` need different people; a step with ``count`` n
  needs n approvals (by n distinct people when ``distinct``); steps count in chain order;
* a 索引号 belongs to the first publication that used it (upstream side of a merge first);
  a later publication reusing it counts for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from gkctl.core.document import Document
from gkctl.core.heap import paused_gc, trim
from gkctl.core.policy import Policy, StepRule
from gkctl.core.rules import safe_repo_path
from gkctl.trail.history import CommitRecord, History
from gkctl.trail.signatures import BEIJING, Verifying
from gkctl.trail.trust import Trust, build_trust, front_matter, read_history

APPROVAL_STEPS = ("review", "sign", "check", "external", "proofread")
PUBLIC_STEPS = ("publish", "withdraw", "repeal")
DOC_STEPS = (*APPROVAL_STEPS, *PUBLIC_STEPS, "correct")
STATES = ("draft", "in_review", "ready", "published", "withdrawn", "repealed")
PUBLIC_ATTRIBUTE = "主动公开"
CORRECTABLE_KEYS = ("attribute", "basis", "reason")


@dataclass(frozen=True)
class PublicationRecord:
    doc_id: str
    path: str  # repo path of the document when it was published
    blob: str  # git blob id that was approved and published
    index_number: str  # 索引号, never changes
    published_at: date
    commit: str  # the publish commit; attachments are read from its tree
    state: str  # "published" | "withdrawn" | "repealed"
    notice: str | None  # public withdrawal explanation or repeal notice
    notice_date: date | None
    published_claimed: date | None = None  # the signer's date when the witnessed one differs


@dataclass(frozen=True, slots=True)
class Event:
    """One step commit about a document, as judged."""

    commit: str
    step: str
    verdict: str | None
    person: str | None
    name: str | None
    time: int  # committer time, seconds
    blob: str | None
    message: str
    problem: str | None  # message key: why it counts for nothing (None = well formed)
    problem_detail: str = ""
    trailers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the record's own: never changed

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.time, BEIJING).date()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:  # a snapshot holds tens of thousands: skip the slow slots path
        return (Event, (self.commit, self.step, self.verdict, self.person, self.name, self.time, self.blob,
                        self.message, self.problem, self.problem_detail, self.trailers))  # fmt: skip


@dataclass(frozen=True, slots=True)
class StepStatus:
    name: str
    label: str
    role: str
    needed: int
    approvals: tuple[Event, ...]  # approvals that count for the current content
    done: bool

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return (StepStatus, (self.name, self.label, self.role, self.needed, self.approvals, self.done))


@dataclass(frozen=True)
class DocState:
    doc_id: str
    path: str
    blob: str
    doc: Document | None  # None when the file at ``rev`` cannot be parsed
    state: str
    steps: tuple[StepStatus, ...]
    events: tuple[Event, ...]  # every step commit about the document, oldest first
    valid: dict[str, bool]  # commit id -> counts for the current content
    publication: PublicationRecord | None
    first_published: date | None
    changes: tuple[tuple[str, str | None, int], ...]  # (commit, signer person id, time) of content changes

    @property
    def unpublished_changes(self) -> bool:
        return self.publication is not None and self.publication.blob != self.blob


Brief = tuple[str, str | None, "PublicationRecord | None"]  # (blob, attribute or None if unreadable, publication)


def lean_state(st: DocState) -> DocState:
    """The state without the document's body: the folded analysis reads front matter, bodies cost memory."""
    return replace(st, doc=front_matter(st.doc)) if st.doc is not None and st.doc.body else st


def brief_of(st: DocState) -> Brief:
    """What the site and the report need of a document's state: a few fields, not its history."""
    return st.blob, st.doc.attribute if st.doc is not None else None, st.publication


@dataclass(frozen=True, slots=True)
class Since:
    """What a folded analysis tells of an older commit: the documents whose state may differ
    since it, and how many commits lie between (what asking cost: each is read from git)."""

    paths: frozenset[str]
    commits: int


@dataclass(frozen=True)
class Analysis:
    head: str | None
    trust: Trust
    documents: Mapping[str, DocState]  # path -> state (read lazily when folded from a snapshot)
    used_indexes: frozenset[str]  # every 索引号 ever written in a publish commit
    problems: tuple[tuple[str, str, str], ...]  # (commit, message key, detail) of step/policy commits that count for nothing
    work: FullPass | None = field(default=None, compare=False, repr=False)  # set by a full pass
    # set when folded from an ancestor's analysis: (that commit and the commits folded onto it,
    # the paths whose state may differ from theirs)
    base: tuple[frozenset[str], frozenset[str]] | None = field(default=None, compare=False, repr=False)
    # the witness log tips (ref values, "" for none) a text of ``base``'s commits (without a
    # base: of this head) may have been made under and still be right outside ``base``'s paths;
    # ``ANY_TIP`` when no witness key is pinned (the log dates nothing)
    base_witnesses: Container[str] | None = field(default=None, compare=False, repr=False)

    # path -> document id when known without reading every state (a folded analysis)
    doc_ids: Mapping[str, str] | None = field(default=None, compare=False, repr=False)
    # every document's brief without reading every state (a folded analysis)
    briefs_from: Callable[[], Mapping[str, Brief]] | None = field(default=None, compare=False, repr=False)
    # the documents whose state may differ since an older commit, when a folded analysis can tell
    changed_since: Callable[[str], Since | None] | None = field(default=None, compare=False, repr=False)

    def briefs(self) -> Mapping[str, Brief]:
        """path -> (blob, attribute, publication) of every document."""
        if self.briefs_from is not None:
            return self.briefs_from()
        return {p: brief_of(s) for p, s in self.documents.items()}

    def by_id(self, doc_id: str) -> DocState | None:
        paths = self.paths_of(doc_id)
        return self.documents[paths[0]] if paths else None

    def paths_of(self, doc_id: str) -> list[str]:
        """The paths of every document with this id, in the analysis' order."""
        if self.doc_ids is not None:
            return [p for p, i in self.doc_ids.items() if i == doc_id]
        return [p for p, s in self.documents.items() if s.doc_id == doc_id]

    @cached_property
    def problem_of(self) -> dict[str, tuple[str, str]]:
        """Commit id -> (message key, detail) of the first reason it counts for nothing."""
        out: dict[str, tuple[str, str]] = {}
        for commit, key, detail in self.problems:
            out.setdefault(commit, (key, detail))
        return out


# -- judging step commits ------------------------------------------------------------------


# the problems ``_judge`` finds only after a step's Gkctl-Blob matched the file in its own tree
# (``blobs_in_own_trees`` reads that match back: keep this beside the order of the checks below)
_AFTER_BLOB_CHECK = frozenset({None, "workflow.bad.verdict"})


def _judge(rec: CommitRecord, trust: Trust, blob_in_tree: str | None, path: str) -> Event:
    step = rec.step or ""
    body = rec.message.split("\n\n", 1)[1] if "\n\n" in rec.message else ""
    opinion = body.split("\n\n")[0] if body and not body.startswith("Gkctl-") else ""
    actor = trust.actor(rec)
    person = actor.person
    problem: str | None = actor.problem
    detail = actor.detail
    policy = trust.parent_policy(rec)
    if problem is None and policy is not None:
        rule = step_rule(policy, step)
        if rule is None:
            problem, detail = "workflow.bad.no_such_step", step
        elif person is not None and rule.role not in person.roles:
            problem, detail = "workflow.bad.role", rule.role
    if problem is None and rec.is_merge:
        problem = "workflow.bad.merge"
    blob = rec.trailer("Gkctl-Blob")
    if problem is None:
        if step == "correct":
            ok = [c.path for c in rec.changes] == [path] and rec.changes[0].new_blob == blob
            if not ok:
                problem = "workflow.bad.other_files"
        elif rec.changes:
            problem = "workflow.bad.other_files"
    if problem is None and (blob is None or blob != blob_in_tree):
        problem = "workflow.bad.blob"
    verdict = rec.trailer("Gkctl-Verdict")
    if problem is None and step in APPROVAL_STEPS and verdict not in ("approve", "reject"):
        problem = "workflow.bad.verdict"
    return Event(
        rec.id, step, verdict, person.id if person else None, person.name if person else None,
        rec.committer_time, blob, opinion, problem, detail, rec.trailers,
    )  # fmt: skip


def blobs_in_own_trees(st: DocState) -> dict[tuple[str, str], str]:
    """``(commit, path) -> blob`` of the document's step commits whose judgment above shows the
    file in their own tree was their ``Gkctl-Blob``: a commit's tree never changes, so a fold
    that judges them again need not ask git (a lookup in an old tree is ~12 ms at district size)."""
    return {(ev.commit, st.path): ev.blob for ev in st.events
            if ev.blob and ev.problem in _AFTER_BLOB_CHECK}  # fmt: skip


# -- the chain -----------------------------------------------------------------------------


def _chain(
    doc: Document, policy: Policy, events: list[tuple[int, Event]], blob: str, last_change: int,
    authors: set[str], upto: int, secrecy: Callable[[], frozenset[str]] = frozenset,
    ignored: dict[str, str] | None = None,
) -> tuple[StepStatus, ...]:
    """Which steps of ``doc``'s chain are approved for ``blob`` by events before ``upto``.

    ``secrecy`` gives the secrecy-scan codes of the content: a check approval counts only
    when it waived every one of them (the office's signed waiver, DESIGN §7). Approvals of
    this content that cannot count (an author approving, out of order, one person in two
    separated steps, a check without the needed waiver) are noted in ``ignored`` by commit.
    """
    note = ignored.setdefault if ignored is not None else (lambda commit, why: why)
    wf = policy.workflow
    rules = wf.steps_for(doc.category)
    excluded = set(authors)
    if wf.drafter_may_not_approve and doc.get("drafter"):
        excluded.add(str(doc.get("drafter")))
    start = last_change
    for idx, ev in events:
        if idx < upto and idx > start and ev.problem is None and ev.step in APPROVAL_STEPS \
                and ev.verdict == "reject" and ev.blob == blob:
            start = idx  # a rejection returns the document to draft
    approvals: dict[str, list[Event]] = {r.name: [] for r in rules}
    done: dict[str, bool] = {r.name: False for r in rules}
    for idx, ev in events:
        if not (start < idx < upto) or ev.problem is not None or ev.blob != blob:
            continue
        if ev.step not in approvals or ev.verdict != "approve":
            continue
        if ev.person in excluded:
            note(ev.commit, "workflow.bad.self_approval")
            continue
        pos = next(i for i, r in enumerate(rules) if r.name == ev.step)
        if done[ev.step]:
            continue  # already complete: a further approval is harmless
        if not all(done[r.name] for r in rules[:pos]):
            note(ev.commit, "workflow.bad.out_of_order")
            continue
        clash = any(
            ev.person in {a.person for a in approvals.get(other, [])}
            for a_step, b_step in wf.distinct_pairs
            for mine, other in ((a_step, b_step), (b_step, a_step))
            if mine == ev.step
        )
        rule = rules[pos]
        if ev.step == "check" and not secrecy() <= set(ev.trailers.get("gkctl-waive", ())):
            note(ev.commit, "workflow.bad.unwaived")
            continue
        if clash or (rule.distinct and ev.person in {a.person for a in approvals[ev.step]}):
            note(ev.commit, "workflow.bad.same_person")
            continue
        approvals[ev.step].append(ev)
        done[ev.step] = len(approvals[ev.step]) >= rule.count
    return tuple(
        StepStatus(r.name, r.label, r.role, r.count, tuple(approvals[r.name]), done[r.name]) for r in rules
    )


# -- analysis --------------------------------------------------------------------------------


def analyse(root: Path, rev: str = "HEAD", history: History | None = None,
            arriving: Mapping[str, int] | None = None, verifying: Verifying | None = None,
            bodies: bool = True) -> Analysis:  # fmt: skip
    """Every document's state at ``rev``: one pass over history plus a few batched reads.

    ``arriving``: commits being pushed to the central repository and their receive time;
    ``verifying``: what ``read_history`` gave beside ``history``; ``bodies=False``: the states
    carry front matter only, their bodies let go once judged (~40 MB at 10,000 documents,
    before the caches are written: a cold pass's peak).
    """
    with paused_gc():
        return _analyse(Path(root), rev, history, arriving, verifying, bodies)


def _analyse(root: Path, rev: str, history: History | None, arriving: Mapping[str, int] | None = None,
             verifying: Verifying | None = None, bodies: bool = True) -> Analysis:  # fmt: skip
    hist, verifying = (history, verifying) if history is not None else read_history(root, rev)
    trust = build_trust(root, hist, arriving, verifying)
    current = trust.tree_files(hist.head, "docs/") if hist.head else {}
    sinks = (ProblemSink(list(trust.problems)), ProblemSink([]), ProblemSink([]))
    docs = path_pass(trust, trust.order, current, None, sinks[0])
    accepted = assign_indexes(candidates_of(docs), sinks[1])
    states = finish_all(docs, current, accepted, sinks[2])
    if not bodies:
        trust.drop_bodies()
        for work in docs.values():
            work.doc = front_matter(work.doc)
        states = {path: lean_state(st) for path, st in states.items()}
        trim()  # their pages go back to the kernel: the small objects the caches make next do not reuse them
    trust.save()
    used = frozenset(u for work in docs.values() for u in work.used_indexes) - {""}
    problems = (*sinks[0].all, *sinks[1].all, *sinks[2].all)
    return Analysis(hist.head, trust, states, used, problems, FullPass(docs, current, accepted, sinks))


def finish_all(docs: dict[str, DocWork], current: dict[str, str], accepted: set[str], sink: ProblemSink
               ) -> dict[str, DocState]:  # fmt: skip
    """The state of every document at ``rev`` (of ``current`` that ``docs`` judged), by path."""
    states = {}
    for path in sorted(current):
        if path in docs:
            docs[path].sink = sink
            states[path] = docs[path].finish(accepted)
    return states


class _AnyTip:
    """Holds every witness log tip: with no witness key pinned, the log dates nothing."""

    def __contains__(self, tip: object) -> bool:
        return True


ANY_TIP = _AnyTip()


class ProblemSink:
    """Problems in the order the full pass finds them, and the same problems grouped by path.

    Every problem but a policy commit's belongs to the one document its step commit names, so
    a run that re-judges only some documents can put the others' problems back unchanged.
    """

    def __init__(self, initial: list[tuple[str, str, str]]) -> None:
        self.all = initial
        self.global_count = len(initial)
        self.by_path: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, path: str, item: tuple[str, str, str]) -> None:
        self.all.append(item)
        self.by_path.setdefault(path, []).append(item)


@dataclass
class FullPass:
    """What a full pass learnt beside its answer (the incremental snapshot is made of it)."""

    docs: dict[str, DocWork]
    current: dict[str, str]
    accepted: set[str]
    sinks: tuple[ProblemSink, ProblemSink, ProblemSink]  # judging, 索引号 assignment, final states


def path_pass(
    trust: Trust, order: list[CommitRecord], current: dict[str, str], only: set[str] | None,
    sink: ProblemSink, watched: set[str] | None = None,
) -> dict[str, DocWork]:  # fmt: skip
    """Judge the step commits and content changes of every document (or of the paths ``only``).

    ``order`` holds every commit that touches the judged paths, parents before children; the
    result is the same whether it holds the whole history or just those commits. ``watched``
    (the attachment files of every document at ``rev``) must be given when ``only`` is.
    """
    pos = trust.pos
    wanted = (lambda path: True) if only is None else only.__contains__
    step_recs = [r for r in order if r.step in DOC_STEPS and r.trailer("Gkctl-Path")
                 and wanted(r.trailer("Gkctl-Path") or "")]  # fmt: skip
    judged = {p: b for p, b in current.items() if wanted(p)}
    # An approval covers the document's attachments too: a change to one is a change to the
    # document (otherwise a file could be swapped between sign-off and publication).
    trust.documents([(b, p) for p, b in judged.items()])
    attachments = {path: attachment_paths(trust.document(blob, path)) for path, blob in judged.items()}
    if watched is None:
        watched = {a for files in attachments.values() for a in files}
    # content changes per path (merges only when they create content no parent had)
    seen_blobs: dict[str, set[str | None]] = {}
    changes: dict[str, list[tuple[int, CommitRecord]]] = {}
    for rec in order:
        for ch in rec.changes:
            if not (ch.path.startswith("docs/") and ch.new_blob is not None) and ch.path not in watched:
                continue
            known = seen_blobs.setdefault(ch.path, set())
            if rec.is_merge and ch.new_blob in known:
                continue
            known.add(ch.new_blob)
            changes.setdefault(ch.path, []).append((pos[rec.id], rec))
    for path, files in attachments.items():
        extra = [c for f in files for c in changes.get(f, ())]
        if extra:
            merged = {rec.id: (idx, rec) for idx, rec in [*changes.get(path, []), *extra]}
            changes[path] = sorted(merged.values(), key=lambda item: item[0])

    events: dict[str, list[tuple[int, Event]]] = {}
    # the file each step names, in its own commit's tree
    in_tree = trust.blobs_in_trees([(rec.id, rec.trailer("Gkctl-Path") or "") for rec in step_recs])
    for rec in step_recs:
        path = rec.trailer("Gkctl-Path") or ""
        ev = _judge(rec, trust, in_tree.get((rec.id, path)), path)
        events.setdefault(path, []).append((pos[rec.id], ev))
        if ev.problem:
            sink.add(path, (rec.id, ev.problem, ev.problem_detail))

    # every blob we will parse, in one read
    by_id = {rec.id: rec for rec in step_recs}
    corrections = {ev.commit: by_id[ev.commit] for evs in events.values() for _, ev in evs
                   if ev.step == "correct" and ev.problem is None}  # fmt: skip
    pub_paths = [(ev.blob, p) for p, evs in events.items() for _, ev in evs if ev.step == "publish" and ev.blob]
    trust.documents([*((b, p) for p, b in judged.items()), *pub_paths,
                     *((c.old_blob or "", c.path) for rec in corrections.values() for c in rec.changes),
                     *((c.new_blob or "", c.path) for rec in corrections.values() for c in rec.changes)])  # fmt: skip
    for path, evs in events.items():
        for i, (idx, ev) in enumerate(evs):
            if ev.commit in corrections and not _correction_in_scope(trust, corrections[ev.commit], path):
                evs[i] = (idx, replace(ev, problem="workflow.bad.correct_scope"))
                sink.add(path, (ev.commit, "workflow.bad.correct_scope", path))

    # every path that ever had steps or is at ``rev`` (a deleted document still owns its 索引号)
    return {path: DocWork(trust, path, current.get(path), events.get(path, []), changes.get(path, []), sink)
            for path in sorted(set(judged) | set(events))}  # fmt: skip


Candidate = tuple[int, str, str, str]  # (position in history, path, publish commit, 索引号 it names)


def candidates_of(docs: dict[str, DocWork]) -> list[Candidate]:
    return [(idx, path, ev.commit, _index_of(ev)) for path, work in docs.items() for idx, ev in work.candidates]


def _index_of(ev: Event) -> str:
    return ev.trailers.get("gkctl-index", ("",))[-1]


def assign_indexes(candidates: list[Candidate], sink: ProblemSink) -> set[str]:
    """Which publish commits count: in history order, a 索引号 belongs to the first document
    that validly used it, and a document keeps the first number it got."""
    owner: dict[str, str] = {}
    number: dict[str, str] = {}
    accepted: set[str] = set()
    for _idx, path, commit, wanted in sorted(candidates):
        if path in number:
            if wanted != number[path]:
                sink.add(path, (commit, "workflow.bad.index_changed", wanted))
                continue
        elif not wanted or wanted in owner:
            sink.add(path, (commit, "workflow.bad.index_taken", wanted))
            continue
        owner.setdefault(wanted, path)
        number.setdefault(path, wanted)
        accepted.add(commit)
    return accepted


class DocWork:
    """One document's events judged against its content: approvals, publish candidates."""

    def __init__(
        self, trust: Trust, path: str, blob: str | None, events: list[tuple[int, Event]],
        changes: list[tuple[int, CommitRecord]], sink: ProblemSink,
    ) -> None:  # fmt: skip
        self.trust, self.path, self.blob, self.sink = trust, path, blob, sink
        self.used_indexes = {_index_of(ev) for _, ev in events if ev.step == "publish"}
        self.changes = changes
        self.doc = trust.document(blob, path)
        self.doc_id = self.doc.id if self.doc else path.rsplit("/", 1)[-1].removesuffix(".md")
        valid_corrections = {ev.commit for _, ev in events if ev.step == "correct" and ev.problem is None}
        self.authors: list[tuple[int, str | None, bool]] = []
        self.change_info = []
        for idx, rec in changes:
            who = trust.actor(rec).person
            # a commit that only changed an attachment does not make its signer an author of the text
            not_author = rec.id in valid_corrections or rec.changed(path) is None
            self.authors.append((idx, who.id if who else None, not_author))
            self.change_info.append((rec.id, who.id if who else None, rec.committer_time))
        if self.doc is not None:
            for i, (idx, ev) in enumerate(events):
                named = ev.trailers.get("gkctl-document", ("",))[-1]
                if ev.problem is None and ev.blob == blob and named != self.doc.id:
                    events[i] = (idx, replace(ev, problem="workflow.bad.document", problem_detail=named))
                    sink.add(path, (ev.commit, "workflow.bad.document", named))
        self.events = events
        self.candidates = [(idx, ev) for idx, ev in events if ev.step == "publish" and ev.problem is None
                           and self._publishable(idx, ev)]  # fmt: skip

    def authors_upto(self, upto: int) -> set[str]:
        # a reviewer's own attribute correction, or a commit touching only an attachment, does not
        # make its signer an author of the text
        return {pid for idx, pid, corrected in self.authors if idx < upto and pid and not corrected}

    def last_change_before(self, upto: int) -> int:
        return max((idx for idx, _ in self.changes if idx < upto), default=-1)

    def _publishable(self, idx: int, ev: Event) -> bool:
        """Whether the publish commit ``ev`` published fully approved 主动公开 content."""
        trust = self.trust
        policy = trust.parent_policy_by_id(ev.commit)
        pub_doc = trust.document(ev.blob, self.path)
        problem = None
        if pub_doc is None or policy is None:
            problem = "workflow.bad.unreadable"
        elif pub_doc.attribute != PUBLIC_ATTRIBUTE:
            problem = "workflow.bad.attribute"
        elif ev.trailers.get("gkctl-document", ("",))[-1] != pub_doc.id:
            problem = "workflow.bad.document"
        else:
            chain = _chain(pub_doc, policy, self.events, ev.blob or "", self.last_change_before(idx),
                           self.authors_upto(idx), idx, lambda: trust.secrecy_codes(pub_doc, ev.blob or "", policy, ev.commit))
            if not all(s.done for s in chain):
                problem = "workflow.bad.not_ready"
        if problem is not None:
            self.sink.add(self.path, (ev.commit, problem, _index_of(ev)))
        return problem is None

    def finish(self, accepted: set[str]) -> DocState:
        """The document's state once the 索引号 of every publication is settled."""
        trust, doc, path, blob = self.trust, self.doc, self.path, self.blob or ""
        publication: PublicationRecord | None = None
        first_published: date | None = None
        claimed: date | None = None
        for _idx, ev in self.events:
            if ev.problem is not None or ev.step not in PUBLIC_STEPS:
                continue
            if ev.step == "publish":
                if ev.commit not in accepted:
                    continue
                if first_published is None:
                    first_published = _iso(ev.trailers.get("gkctl-published", ("",))[-1]) or ev.day
                    witnessed = trust.witnessed.get(ev.commit)
                    if witnessed is not None:  # the central repository's receive date is the date of record
                        seen = datetime.fromtimestamp(witnessed, BEIJING).date()
                        claimed, first_published = (first_published if first_published != seen else None), seen
                publication = PublicationRecord(self.doc_id, path, ev.blob or "", _index_of(ev), first_published,
                                                ev.commit, "published", None, None, claimed)  # fmt: skip
            elif publication is None:
                self.sink.add(self.path, (ev.commit, "workflow.bad.not_published", ""))
            else:
                policy = trust.parent_policy_by_id(ev.commit)
                category = policy.columns.category(doc.category) if (policy and doc) else None
                if ev.step == "repeal" and not (category and category.normative):
                    self.sink.add(self.path, (ev.commit, "workflow.bad.not_normative", doc.category if doc else ""))
                    continue
                publication = replace(
                    publication, state="withdrawn" if ev.step == "withdraw" else "repealed",
                    notice=ev.message or None, notice_date=_iso(ev.trailers.get("gkctl-date", ("",))[-1]) or ev.day,
                )  # fmt: skip
        end = 1 << 62
        steps: tuple[StepStatus, ...] = ()
        head_policy = trust.head_policy
        if doc is not None and head_policy is not None:
            ignored: dict[str, str] = {}
            steps = _chain(doc, head_policy, self.events, blob, self.last_change_before(end), self.authors_upto(end),
                           end, lambda: trust.secrecy_codes(doc, blob, head_policy, trust.hist.head), ignored)  # fmt: skip
            for commit, why in ignored.items():
                self.sink.add(path, (commit, why, ""))
        valid = {a.commit: True for s in steps for a in s.approvals}
        if publication is not None:
            state = publication.state
        elif steps and all(s.done for s in steps):
            state = "ready"
        elif any(s.approvals for s in steps):
            state = "in_review"
        else:
            state = "draft"
        return DocState(
            self.doc_id, path, blob, doc, state, steps, tuple(ev for _, ev in self.events), valid, publication,
            first_published, tuple(self.change_info),
        )  # fmt: skip


def attachment_paths(doc: Document | None) -> tuple[str, ...]:
    """Repo paths of the document's attachments (unsafe ones are validation's business)."""
    if doc is None:
        return ()
    return tuple(p for a in doc.attachments if (p := safe_repo_path(a.file)) is not None)


def _correction_in_scope(trust: Trust, rec: CommitRecord, path: str) -> bool:
    """A ``correct`` commit may change only the disclosure keys, nothing else of the file."""
    change = rec.changes[0]
    old = trust.with_body(change.old_blob, path)
    new = trust.with_body(change.new_blob, path)
    if old is None or new is None or old.body != new.body:
        return False
    strip = lambda meta: {k: v for k, v in meta.items() if k not in CORRECTABLE_KEYS}  # noqa: E731
    return strip(old.meta) == strip(new.meta)


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def publications(root: Path, rev: str = "HEAD", analysis: Analysis | None = None) -> list[PublicationRecord]:
    """Every document that was validly published, as of ``rev`` (site and report read this)."""
    if analysis is None:
        analysis = analyse(Path(root), rev)
    return [b[2] for b in analysis.briefs().values() if b[2] is not None]


def next_index_number(policy: Policy, used: Iterable[str], year: int) -> str:
    """The next 索引号 of ``year``: one past the highest serial ever written, never reused."""
    pattern = policy.org.index_pattern
    match = re.search(r"\{serial(?::[^}]*)?\}", pattern)
    if match is None:  # a pattern without a serial cannot number anything twice
        return policy.org.index_number(year, 1)
    head = pattern[: match.start()].format(code=policy.org.code, year=year)
    tail = pattern[match.end() :].format(code=policy.org.code, year=year)
    shape = re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + "$")
    serials = [int(m.group(1)) for u in used if (m := shape.match(u))]
    return policy.org.index_number(year, max(serials, default=0) + 1)


def step_rule(policy: Policy, step: str) -> StepRule | None:
    """The policy's rule for ``step``; an attribute correction without its own rule is the reviewer's."""
    rules = policy.workflow.steps
    return rules.get(step) or (rules.get("review") if step == "correct" else None)
