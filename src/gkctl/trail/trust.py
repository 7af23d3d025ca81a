"""Who may do what, commit by commit: effective policy, signing key → person, batched object reads.

The workflow never trusts the working tree or the author line. For every commit it knows
the *effective* policy — the policy files as last changed by a commit that an admin of the
policy before it signed — and the signing key, verified in process (SSH) or by git
(OpenPGP), cached by commit id under ``.git/gkctl/``. A clerk who edits people.yaml to add
their own key changes the file, not the effective policy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gkctl.core.document import Document, parse_document
from gkctl.core.errors import GkctlError
from gkctl.core.policy import (
    TEXT_ATTACHMENT_TYPES,
    Person,
    Policy,
    file_type,
    is_policy_path,
    key_identity,
    load_policy_from_files,
)
from gkctl.core.rules import attachment_secrecy_findings, safe_repo_path, secrecy_findings
from gkctl.trail.cache import Table, cache_path, load_pickled_dict, save_pickled_dict
from gkctl.trail.gitutil import git_bytes, read_objects
from gkctl.trail.history import CommitRecord, History, load_history
from gkctl.trail.signatures import BEIJING, Verifying, active_at, check_signatures, normalize_key
from gkctl.trail.sshsig import SigCheck
from gkctl.trail.trees import blobs_in_trees
from gkctl.trail.witness import WitnessLog, read_log, witnessed_times

ADMIN = "admin"
REGISTRAR = "registrar"
REGISTER_PREFIXES = ("applications/", "appeals/")  # the registers: only a registrar's signature counts
_DOC_BATCH = 1000  # documents read from git at a time
# a table of the cache database: the blob at a path of a commit's tree ("" when absent), by
# commit id and path; git objects never change, so neither does a row
TREE_CACHE = "tree_blobs_v1"
DOC_CACHE = "documents-v4.pickle"  # v4: in pieces; v3 front matter only, no bodies (v2 kept bodies, v1 no checksum)


@dataclass(frozen=True, slots=True)
class Actor:
    key: str | None  # the verified signing key (normalised), None when unsigned or bad
    person: Person | None
    problem: str | None  # message key when the commit's signer may not act
    detail: str = ""


def dfs_order(hist: History) -> list[CommitRecord]:
    """Parents before children; of a merge's parents, the later ones' lines come first.

    ``gkctl sync`` (like ``git pull``) merges upstream as the second parent, so the upstream
    side of every merge is judged first: a 索引号 already public upstream keeps its owner.
    """
    if hist.head is None:
        return []
    order = dfs_walk(hist.head, hist.by_id)
    assert order is not None  # without a boundary the walk always finishes
    return order


def dfs_walk(head: str, by_id: Mapping[str, CommitRecord], boundary: str | None = None) -> list[CommitRecord] | None:
    """``dfs_order``'s walk from ``head`` over the commits of ``by_id`` (others are passed over).

    With ``boundary`` (a fold's snapshot head), the first commit met outside ``by_id`` must be
    ``boundary`` itself and nothing may be finished before it, else None: then the boundary's
    whole history is ordered exactly as in its own walk, ahead of every commit returned.
    """
    order: list[CommitRecord] = []
    visited: set[str] = set()
    reached = boundary is None
    stack: list[tuple[str, bool]] = [(head, False)]
    while stack:
        cid, expanded = stack.pop()
        if expanded:
            if not reached:
                return None
            order.append(by_id[cid])
            continue
        if cid in visited:
            continue
        visited.add(cid)
        rec = by_id.get(cid)
        if rec is None:  # outside: with a boundary, a commit of its history
            if not reached and cid != boundary:
                return None
            reached = True
            continue
        stack.append((cid, True))
        stack.extend((parent, False) for parent in rec.parents if parent not in visited)
    return order if reached else None


def front_matter(doc: Document | None) -> Document | None:
    """``doc`` without its body (``with_body`` reads it again where a rule needs it)."""
    if doc is not None and doc.body:
        return Document(doc.path, doc.meta, "", doc.body_line, doc.key_lines)
    return doc


def _front_matter(value: object) -> object:
    """A cached entry as the cache keeps it: a document without its body, anything else as it is."""
    return front_matter(value) if isinstance(value, Document) else value


class Trust:
    """Effective policy and verified actor of every commit of one history.

    ``witnessed`` holds the central repository's receive time of the commits it witnessed:
    where known, that (not the signer's claim) is the commit's date of record.
    """

    def __init__(self, root: Path, hist: History, witnessed: Mapping[str, int] | None = None,
                 witness: WitnessLog | None = None, docs_cache: bool = True, partial: bool = False,
                 verifying: Verifying | None = None) -> None:  # fmt: skip
        self.root = root
        self._verifying = verifying  # the history's signatures, verified since it was read
        self.hist = hist
        # a fold holds only the commits it judges: a tree it did not read is asked of git
        self.partial = partial
        self.witnessed: Mapping[str, int] = witnessed or {}
        self.witness = witness
        self._revoked: dict[str, frozenset[str]] = {}
        self.order = dfs_order(hist)
        self.pos = {rec.id: i for i, rec in enumerate(self.order)}
        self.problems: list[tuple[str, str, str]] = []
        self._blobs: dict[str, bytes] = {}
        self._policies: dict[tuple[tuple[str, str], ...], Policy | None] = {}
        self._eff: dict[str, tuple[tuple[str, str], ...]] = {}
        self._actors: dict[str, Actor] = {}
        self._checks: dict[str, SigCheck] = {}
        self._policy_of: dict[str, Policy | None] = {}
        self._blob_at: dict[tuple[str, str], str | None] = {}
        self._in_tree: dict[tuple[str, str], str | None] = {}  # what a fold worked out of the trees it followed
        # without the shared cache (a run that parses a handful of documents) start empty, save nothing
        self._docs: dict[str, Document | None] | None = None if docs_cache else {}
        # keys of documents read from the cache: front matter only, their bodies are read from git when asked for
        self._lean: set[str] = set()
        self._docs_cache = docs_cache
        self._docs_dirty = False
        self._docs_file = cache_path(root, DOC_CACHE)

    # -- objects ------------------------------------------------------------------------
    def prefetch(self, ids: list[str]) -> None:
        wanted = sorted({i for i in ids if i and i not in self._blobs})
        if wanted:
            self._blobs.update(read_objects(self.root, wanted))

    def blob(self, sha: str) -> bytes | None:
        if sha and sha not in self._blobs:
            self.prefetch([sha])
        return self._blobs.get(sha)

    def blobs_at(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Blob id of each ``(commit, path)`` (absent paths are left out): one git process for
        those the cache does not hold. A lookup in an old commit's tree reads every tree on the
        way, and a year's folder at district size is a 660 KB tree: ~12 ms a pair. A path git's
        line-based batch cannot name (a line break in it) is taken as absent."""
        told = {pair: self._in_tree[pair] for pair in pairs if pair in self._in_tree}
        keys = {pair: f"{pair[0]}:{pair[1]}" for pair in pairs if "\n" not in pair[1] and pair not in told}
        if not keys:
            return {pair: blob for pair, blob in told.items() if blob}
        table = Table(self.root, TREE_CACHE)
        try:
            known = table.get_many(keys.values())
            todo = [key for key in keys.values() if not isinstance(known.get(key), str)]
            if todo:
                out = git_bytes(self.root, "cat-file", "--batch-check=%(objectname) %(objecttype)",
                                input="".join(key + "\n" for key in todo).encode())  # fmt: skip
                # one line per request, ended by "\n" only (a missing path is echoed back, and
                # str.splitlines would also cut it at a carriage return or a U+2028)
                for key, line in zip(todo, out.decode("utf-8", "replace").split("\n"), strict=False):
                    parts = line.split()
                    known[key] = parts[0] if len(parts) == 2 and parts[1] == "blob" else ""
                table.put_many({key: known[key] for key in todo if key in known})
        finally:
            table.close()
        return {**{pair: blob for pair, key in keys.items() if (blob := known.get(key))},
                **{pair: blob for pair, blob in told.items() if blob}}

    def know_in_tree(self, blobs: Mapping[tuple[str, str], str | None]) -> None:
        """``(commit, path) -> blob`` (None: absent) a fold worked out by following a linear run's
        changes from its snapshot's tree, or read in its snapshot's judgment: ``blobs_at`` need not
        ask git of those."""
        self._in_tree.update(blobs)

    def blobs_in_trees(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Blob id of each ``(commit, path)`` present: from the history's own diffs in a full
        pass, from git in a fold (which holds only the commits it judges)."""
        return self.blobs_at(pairs) if self.partial else blobs_in_trees(self.hist.commits, pairs)

    def blob_at(self, sha: str, path: str) -> str | None:
        """Blob of ``path`` in commit ``sha``'s tree, from recorded first-parent changes (no git).

        A tree is its first parent's tree plus the commit's first-parent diff, so the answer is
        the nearest first-parent ancestor that changed ``path``. A ``partial`` trust (a fold)
        holds only some commits' changes, so it reads the tree from git instead: walking
        would stop at the first commit it did not read and say the file is absent.
        """
        if self.partial:
            if (sha, path) not in self._blob_at:
                self._blob_at[(sha, path)] = self.blobs_at([(sha, path)]).get((sha, path))
            return self._blob_at[(sha, path)]
        by_id = self.hist.by_id
        walked: list[str] = []
        found: str | None = None
        current: str | None = sha
        while current is not None:
            key = (current, path)
            if key in self._blob_at:
                found = self._blob_at[key]
                break
            rec = by_id.get(current)
            if rec is None:
                break
            walked.append(current)
            change = rec.changed(path)
            if change is not None:
                found = change.new_blob
                break
            current = rec.parents[0] if rec.parents else None
        for cid in walked:
            self._blob_at[(cid, path)] = found
        return found

    def documents(self, pairs: list[tuple[str, str]], bodies: bool = False) -> None:
        """Parse the documents ``(blob, path)`` not yet known (cached by blob id and path); with
        ``bodies``, also those the cache gave without their bodies."""
        if self._docs is None:
            self._docs = self._load_docs()
        known, lean = self._docs, self._lean if bodies else ()
        todo = [(b, p) for b, p in pairs if b and ((k := f"{b}:{p}") not in known or k in lean)]
        if not todo:
            return
        # read and parsed a batch at a time, and the parsed form kept, not the bytes: at 10,000
        # documents those are ~80 MB, twice over while git's output is cut into objects
        for start in range(0, len(todo), _DOC_BATCH):
            batch = todo[start : start + _DOC_BATCH]
            self.prefetch([b for b, _ in batch])
            for blob, path in batch:
                raw = self._blobs.get(blob)
                doc: Document | None = None
                if raw is not None:
                    try:
                        doc = parse_document(raw, path)
                    except GkctlError:
                        doc = None
                self._docs[f"{blob}:{path}"] = doc
                self._lean.discard(f"{blob}:{path}")
            for blob, _ in batch:
                self._blobs.pop(blob, None)
        self._docs_dirty = True

    def document(self, blob: str | None, path: str) -> Document | None:
        """The parsed document of ``blob`` at ``path``, or None when absent or unparseable.

        Its front matter, that is: the body may be empty when the document came from the cache.
        What reads the body asks ``with_body``."""
        if not blob:
            return None
        self.documents([(blob, path)])
        return self._docs.get(f"{blob}:{path}") if self._docs is not None else None

    def with_body(self, blob: str | None, path: str) -> Document | None:
        """The document of ``blob`` at ``path`` with its body (read again from git when the cache
        kept only its front matter: the bodies of 30,000 versions are ~43 MB a command would hold)."""
        if not blob:
            return None
        self.documents([(blob, path)], bodies=True)
        return self._docs.get(f"{blob}:{path}") if self._docs is not None else None

    def secrecy_codes(self, doc: Document, blob: str, policy: Policy, at: str | None = None) -> frozenset[str]:
        """Codes the secrecy scan finds in ``doc`` under ``policy`` (cached by blob and checks).

        With ``at`` (a commit), the text attachments as they stand in that commit's tree are
        scanned too: an ID number in an attached .txt is as public as one in the body.
        """
        if self._docs is None:
            self._docs = self._load_docs()
        attached = []
        if at is not None:
            for att in doc.attachments:
                norm = safe_repo_path(att.file)
                if norm is not None and file_type(norm) in TEXT_ATTACHMENT_TYPES:
                    att_blob = self.blob_at(at, norm)
                    if att_blob:
                        attached.append((att.line, norm, att_blob))
        digest = hashlib.sha1(repr((policy.secrecy, [(n, b) for _, n, b in attached])).encode()).hexdigest()
        key = f"sec:{blob}:{doc.path}:{digest}"
        if key not in self._docs:
            full = self.with_body(blob, doc.path) or doc
            codes = {f.code for f in secrecy_findings(full, policy)}
            for line, norm, att_blob in attached:
                raw = self.blob(att_blob) or b""
                codes |= {f.code for f in attachment_secrecy_findings(full, line, norm, raw, policy)}
            self._docs[key] = frozenset(codes)  # type: ignore[assignment]
            self._docs_dirty = True
        return self._docs[key]  # type: ignore[return-value]

    def drop_bodies(self) -> None:
        """Keep the parsed documents' front matter only, from now on (``with_body`` reads again)."""
        if self._docs is None:
            return
        for key, value in self._docs.items():
            if isinstance(value, Document) and value.body:
                self._docs[key] = front_matter(value)
                self._lean.add(key)

    def _load_docs(self) -> dict[str, Document | None]:
        data = load_pickled_dict(self._docs_file)  # checksummed: a damaged file reads as nothing cached
        self._lean = {k for k, v in data.items() if isinstance(v, Document)}
        return data

    def save(self) -> None:
        """Keep parsed documents' front matter for next time (a cache we cannot write only costs time).

        Without bodies: pickling them kept a UTF-8 copy of every body alive until the file was
        written (+53 MB at 10,000 documents, a cold pass's peak), and loading them held them all."""
        if not self._docs_dirty or self._docs is None or not self._docs_cache:
            return
        save_pickled_dict(self._docs_file, ((k, _front_matter(v)) for k, v in self._docs.items()))
        self._docs_dirty = False
        for old in ("documents-v1.pickle", "documents-v2.pickle", "documents-v3.pickle"):  # v1 unchecked; with bodies to v2
            (self._docs_file.parent / old).unlink(missing_ok=True)

    def tree_files(self, rev: str, prefix: str) -> dict[str, str]:
        """``{path: blob}`` of the Markdown files under ``prefix`` in ``rev``'s tree."""
        out = git_bytes(self.root, "ls-tree", "-r", "-z", "--full-tree", rev, "--", prefix)
        files = {}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            parts = meta.split()
            name = path.decode("utf-8", "surrogateescape")
            if len(parts) == 3 and parts[1] == b"blob" and name.endswith(".md"):
                files[name] = parts[2].decode()
        return files

    # -- signatures -----------------------------------------------------------------------
    def check(self, recs: list[CommitRecord]) -> None:
        """Verify the signatures of ``recs`` not checked yet (cached by commit id)."""
        if self._verifying is not None:
            self._checks.update(self._verifying.result())
            self._verifying = None
        todo = list({r.id: r for r in recs if r.id not in self._checks}.values())  # each commit once
        if todo:
            self._checks.update(check_signatures(self.root, todo))

    def signing_key(self, rec: CommitRecord) -> str | None:
        """The key that made a good signature on ``rec``, normalised, or None."""
        if rec.id not in self._checks:
            self.check([rec])
        verdict = self._checks[rec.id]
        return normalize_key(verdict.key) if verdict.good and verdict.key else None

    # -- policy -----------------------------------------------------------------------------
    def _policy(self, eff: tuple[tuple[str, str], ...]) -> Policy | None:
        if eff not in self._policies:
            self._policies[eff] = policy_of_files(eff, self.blob)
        return self._policies[eff]

    def effective_files(self, sha: str) -> tuple[tuple[str, str], ...] | None:
        """``(path, blob)`` of the policy files (and site templates) in force after commit ``sha``.

        Only changes an admin of the previous policy signed are in force; None for an unknown commit.
        """
        return self._eff.get(sha)

    def assume_effective(self, files: dict[str, tuple[tuple[str, str], ...]]) -> None:
        """Take the effective files of these commits as known (from a snapshot of a full pass)."""
        self._eff.update(files)

    def assume_revoked(self, keys: dict[str, frozenset[str]]) -> None:
        """Take the keys revoked after these commits as known (from a snapshot of a full pass)."""
        self._revoked.update(keys)

    def revoked_after(self, sha: str) -> frozenset[str]:
        """Keys revoked by ``sha`` or its ancestors (what its descendants may not sign with)."""
        return self._revoked.get(sha, frozenset())

    def policy_of(self, sha: str) -> Policy | None:
        """The effective policy of commit ``sha`` (after it)."""
        if sha not in self._policy_of:
            eff = self._eff.get(sha)
            self._policy_of[sha] = self._policy(eff) if eff is not None else None
        return self._policy_of[sha]

    def parent_policy(self, rec: CommitRecord) -> Policy | None:
        """The effective policy of ``rec``'s first parent (None for a root commit)."""
        return self.policy_of(rec.parents[0]) if rec.parents else None

    def parent_policy_by_id(self, sha: str) -> Policy | None:
        return self.parent_policy(self.hist.by_id[sha])

    @property
    def head_policy(self) -> Policy | None:
        return self._policy(self._eff[self.hist.head]) if self.hist.head in self._eff else None

    def time_of(self, rec: CommitRecord) -> int:
        """The commit's date of record: the witnessed receive time, else the signer's claim."""
        return self.witnessed.get(rec.id, rec.committer_time)

    def revoked_before(self, rec: CommitRecord) -> frozenset[str]:
        """Keys revoked by an ancestor of ``rec``: they sign nothing here, whatever its date says."""
        sets = [self._revoked.get(p, frozenset()) for p in rec.parents]
        if len(sets) == 1:
            return sets[0]
        return frozenset().union(*sets)

    def _note_revocations(self, rec: CommitRecord) -> None:
        """After a policy change, keys whose ``active_until`` is not later than the change's own date
        are revoked for every descendant (revocation by position in history, not by date)."""
        base = self.revoked_before(rec)
        policy = self.policy_of(rec.id)
        if policy is None:
            self._revoked[rec.id] = base
            return
        when = datetime.fromtimestamp(self.time_of(rec), BEIJING).date()
        revoked = set(base)
        for person in policy.people.people:
            ids = {key_identity(k) for k in person.keys}
            if person.active_until is not None and person.active_until <= when:
                revoked |= ids
            else:
                revoked -= ids  # an admin may reinstate a key
        self._revoked[rec.id] = frozenset(revoked) if revoked != base else base

    def actor(self, rec: CommitRecord) -> Actor:
        if rec.id in self._actors:
            return self._actors[rec.id]
        key = self.signing_key(rec)
        policy = self.parent_policy(rec)
        if key is None:
            actor = Actor(None, None, "workflow.bad.unsigned")
        elif policy is None:
            actor = Actor(key, None, "workflow.bad.no_policy")
        else:
            person = policy.people.by_key(key)
            if person is None:
                actor = Actor(key, None, "workflow.bad.unknown_key", key[:40])
            elif not active_at(person, self.time_of(rec)):
                actor = Actor(key, person, "workflow.bad.inactive", person.id)
            elif key_identity(key) in self.revoked_before(rec):  # dated before the revocation, signed after it
                actor = Actor(key, person, "workflow.bad.revoked", person.id)
            else:
                actor = Actor(key, person, None)
        self._actors[rec.id] = actor
        return actor

    def compute(self) -> None:
        """Walk history once, deciding which policy changes an admin authorised."""
        self.check([r for r in self.order
                    if r.step or any(is_policy_path(c.path) or c.path.startswith(("docs/", *REGISTER_PREFIXES))
                                     for c in r.changes)])  # fmt: skip
        self.prefetch([c.new_blob for rec in self.order for c in rec.changes
                       if c.new_blob and is_policy_path(c.path)])  # fmt: skip
        for rec in self.order:
            self.judge_registers(rec)
            self.judge_policy(rec)

    def judge_policy(self, rec: CommitRecord) -> None:
        """The files in force after ``rec`` and the keys revoked after it, from its parents' (known
        already): its policy changes count only when an admin of the parent's policy signed them."""
        pc = [c for c in rec.changes if is_policy_path(c.path)]
        if not rec.parents:
            self._eff[rec.id] = tuple(sorted((c.path, c.new_blob) for c in pc if c.new_blob))
            self._note_revocations(rec)
            return
        base = self._eff.get(rec.parents[0], ())
        if not pc:
            self._eff[rec.id] = base
            self._revoked[rec.id] = self.revoked_before(rec)
            return
        actor = self.actor(rec)
        authorised = actor.problem is None and actor.person is not None and ADMIN in actor.person.roles
        current = dict(base)
        rejected = False
        for c in pc:
            upstream = any(dict(self._eff.get(p, ())).get(c.path) == c.new_blob for p in rec.parents[1:])
            # a merge may not launder a side branch's unauthorised change, even when an admin
            # signs it: content taken unchanged from a parent counts only if it was effective there
            laundered = rec.is_merge and not upstream and any(
                self.blob_at(p, c.path) == c.new_blob for p in rec.parents[1:])
            if upstream or (authorised and not laundered):
                if c.new_blob is None:
                    current.pop(c.path, None)
                else:
                    current[c.path] = c.new_blob
            else:
                rejected = True
        if rejected:
            self.problems.append((rec.id, "workflow.bad.policy_unauthorised", actor.person.id if actor.person else ""))
        self._eff[rec.id] = tuple(sorted(current.items()))
        if self._eff[rec.id] != base:
            self._note_revocations(rec)
        else:
            self._revoked[rec.id] = self.revoked_before(rec)

    def judge_registers(self, rec: CommitRecord) -> None:
        """A change to the applications or appeals register counts only when a registrar signed it.

        A merge is judged only for register content that neither of its other parents had (what
        it takes from a side branch was judged on that branch, commit by commit).
        """
        if not rec.parents:
            return
        touched = [c for c in rec.changes if c.path.startswith(REGISTER_PREFIXES)]
        if rec.is_merge:
            touched = [c for c in touched if not any(self.blob_at(p, c.path) == c.new_blob for p in rec.parents[1:])]
        if not touched:
            return
        actor = self.actor(rec)
        if actor.problem is not None or actor.person is None:
            return  # unsigned, unknown or inactive: reported for the commit already
        if REGISTRAR not in actor.person.roles:
            self.problems.append((rec.id, "workflow.bad.register_unauthorised", actor.person.id))


_PARSED: dict[tuple[tuple[str, str], ...], Policy | None] = {}


def policy_of_files(eff: tuple[tuple[str, str], ...], blob: Callable[[str], bytes | None]) -> Policy | None:
    """The policy these (path, blob id) files make (None: it does not load), parsed once per
    process: blob ids name content, so every reader of the same files gets the same policy.
    A policy is never changed once loaded (its dataclasses are frozen)."""
    if eff in _PARSED:
        return _PARSED[eff]
    files = {path: blob(sha) for path, sha in eff}
    try:
        policy: Policy | None = load_policy_from_files({path: data or b"" for path, data in files.items()})
    except GkctlError:
        policy = None
    if all(data is not None for data in files.values()):  # a file this repository lacks is no answer for another
        _PARSED[eff] = policy
    return policy


def read_history(root: Path, rev: str = "HEAD") -> tuple[History, Verifying | None]:
    """``load_history``, with the signatures of the commits it reads from git verified meanwhile
    (give the second value to ``build_trust``)."""
    started: list[Verifying] = []
    hist = load_history(root, rev, on_read=lambda raws: started.append(Verifying(root, raws)))
    return hist, (started[0] if started else None)


def build_trust(root: Path, hist: History, arriving: Mapping[str, int] | None = None,
                verifying: Verifying | None = None) -> Trust:  # fmt: skip
    """Trust of ``hist``; where the policy pins a witness key, dated by the witness log.

    ``arriving``: commits the central repository is receiving now, with the time it will
    witness them (their date of record once accepted). The pinned keys come from the
    effective policy at the tip, which needs a first pass on claimed dates; only when the
    log dates something is history judged again on witnessed dates.
    """
    trust = Trust(Path(root), hist, verifying=verifying)
    trust.compute()
    policy = trust.head_policy
    keys = policy.org.clock.witness_keys if policy is not None else ()
    if not keys:
        return trust
    log = read_log(Path(root), keys)
    times = witnessed_times(log, hist)
    if arriving:
        times.update((cid, when) for cid, when in arriving.items() if cid not in times)
    if not times:
        trust.witness = log
        return trust
    dated = Trust(Path(root), hist, times, log)
    dated._blobs, dated._checks, dated._policies = trust._blobs, trust._checks, trust._policies
    dated.compute()
    return dated
