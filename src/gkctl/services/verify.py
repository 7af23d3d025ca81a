"""``gkctl verify``: one verifier for CI, the central repository's hook and auditors.

It reads history once (``history.load_history``) and judges it with the same code the
workflow uses (``workflow.analyse`` and its ``Trust``: effective policy per commit, verified
signer per commit), then adds what only a verifier needs: the trust anchor, unrelated roots,
future committer dates, ``Gkctl-*`` trailers on commits that are not steps, and the
validation of every document a commit touches. Each problem becomes a ``Violation`` naming
the commit, the document and a stable ``GK4xx`` code (``GK1xx`` for document rules).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from gkctl.core.document import parse_document
from gkctl.core.errors import GkctlError, InputError
from gkctl.core.findings import Finding
from gkctl.core.i18n import current_lang, t
from gkctl.core.policy import Clock, Policy, load_policy_from_files
from gkctl.core.rules import Context, check_document
from gkctl.trail.cache import cache_path, load_marshal, save_marshal
from gkctl.trail.gitutil import find_root, git, git_bytes
from gkctl.trail.history import CommitRecord
from gkctl.trail.incremental import fold_push
from gkctl.trail.signatures import BEIJING, check_signatures
from gkctl.trail.trust import ADMIN, Trust, read_history
from gkctl.trail.witness import WITNESS_REF
from gkctl.trail.workflow import DOC_STEPS, Analysis, analyse

# Clocks of the clerks' machines drift a little; a commit further ahead than this is refused.
FUTURE_SKEW = 10 * 60
WITNESS_LATE = 24 * 3600  # a claim more than a day before the central repository saw the commit is reported
OTHER_STEPS = ("people", "calendar", "apply", "appeal")  # steps that are ordinary content commits with trailers

# workflow problem key -> verify code (messages are ours, so every code reads the same everywhere)
_WORKFLOW_CODES = {
    "workflow.bad.unsigned": "GK401",
    "workflow.bad.unknown_key": "GK403",
    "workflow.bad.inactive": "GK404",
    "workflow.bad.revoked": "GK407",
    "workflow.bad.no_policy": "GK406",
    "workflow.bad.policy_unauthorised": "GK410",
    "workflow.bad.register_unauthorised": "GK412",
    "workflow.bad.no_such_step": "GK440",
    "workflow.bad.merge": "GK440",
    "workflow.bad.other_files": "GK440",
    "workflow.bad.verdict": "GK440",
    "workflow.bad.correct_scope": "GK440",
    "workflow.bad.role": "GK441",
    "workflow.bad.self_approval": "GK448",
    "workflow.bad.out_of_order": "GK448",
    "workflow.bad.same_person": "GK448",
    "workflow.bad.unwaived": "GK448",
    "workflow.bad.not_ready": "GK442",
    "workflow.bad.blob": "GK443",
    "workflow.bad.unreadable": "GK444",
    "workflow.bad.attribute": "GK445",
    "workflow.bad.not_published": "GK446",
    "workflow.bad.not_normative": "GK447",
    "workflow.bad.index_taken": "GK450",
    "workflow.bad.index_changed": "GK451",
}
_ACTOR_PROBLEMS = frozenset(("workflow.bad.unsigned", "workflow.bad.unknown_key", "workflow.bad.inactive",
                             "workflow.bad.no_policy", "workflow.bad.revoked"))  # fmt: skip
_SIG_CODES = {"bad": "GK402", "unsupported": "GK405"}


@dataclass(frozen=True, slots=True)
class Violation:
    commit: str
    code: str
    message: str
    path: str | None = None
    line: int | None = None
    document: str | None = None
    severity: str = "error"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class VerifyResult:
    head: str | None
    root: str | None  # the first commit of the verified history (the trust anchor)
    checked: int  # commits judged
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not any(v.severity == "error" for v in self.violations)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok, "head": self.head, "root": self.root, "checked": self.checked,
            "violations": [v.as_dict() for v in self.violations],
        }  # fmt: skip


# -- ranges --------------------------------------------------------------------------------


def resolve_range(root: Path, revrange: str | None) -> tuple[str | None, list[str]]:
    """(tip commit, excluded commits) of ``REV`` or ``A..B``; tip None for an empty repository."""
    spec = revrange or "HEAD"
    out = git_bytes(root, "rev-parse", "--revs-only", spec, check=False).decode().split()
    tips = [x for x in out if not x.startswith("^")]
    if not out or len(tips) != 1:
        if revrange is None:
            return None, []
        raise InputError(t("verify.bad_range", range=spec))
    tip = git_bytes(root, "rev-parse", "--verify", "--quiet", tips[0] + "^{commit}", check=False).decode().strip()
    if not tip:
        raise InputError(t("verify.bad_range", range=spec))
    return tip, [x[1:] for x in out if x.startswith("^")]


def commits_between(root: Path, tip: str, excluded: Iterable[str]) -> set[str]:
    """Commits reachable from ``tip`` but from none of ``excluded`` (one git process)."""
    args = ["rev-list", tip, "--not", *excluded, "--"] if excluded else ["rev-list", tip, "--"]
    return set(git(root, *args).split())


def verify(root: Path, revrange: str | None = None, anchor: str | None = None, now: float | None = None) -> VerifyResult:
    """Judge every commit of ``revrange`` (default: all history of HEAD) in the light of all history."""
    root = Path(root)
    tip, excluded = resolve_range(root, revrange)
    if tip is None:
        return VerifyResult(None, None, 0, ())
    scope = commits_between(root, tip, excluded) if excluded else None
    return verify_tip(root, tip, scope, anchor, now)


# -- the judgement -------------------------------------------------------------------------


def verify_tip(
    root: Path, tip: str, scope: set[str] | None = None, anchor: str | None = None, now: float | None = None,
    pushed: bool = False,
) -> VerifyResult:
    """Judge the commits of ``scope`` (all when None) in the history of ``tip``.

    ``pushed``: the commits are arriving at the central repository now (the hook may refuse
    commits dated too far back, ``witness.max_push_age_days``).
    """
    now = time.time() if now is None else now
    anchor_id = _anchor(root, anchor) if anchor else None
    # a pushed commit's date of record is the moment the central repository receives it
    arriving = dict.fromkeys(scope, int(now)) if pushed and scope else None
    folded = fold_push(root, tip, arriving) if arriving and anchor_id else None
    roots: tuple[str, ...]
    if folded is not None and scope is not None and scope <= folded.new and folded.roots == (anchor_id,):
        # the push folded onto the snapshot of the tip it extends: only its commits are read
        analysis, roots, first_root = folded.analysis, folded.roots, folded.first_root
    else:
        hist, verifying = read_history(root, tip)
        analysis = analyse(root, tip, history=hist, arriving=arriving, verifying=verifying)
        roots, first_root = tuple(rec.id for rec in hist if not rec.parents), hist.first_parent_root()
    trust = analysis.trust
    by_id = trust.hist.by_id

    def wanted(cid: str) -> bool:
        return scope is None or cid in scope

    out: list[Violation] = []
    reported: set[tuple[str, str, str | None, int | None]] = set()

    def add(v: Violation) -> None:  # one report per commit, code and place (a step may fail twice)
        if (v.commit, v.code, v.path, v.line) not in reported:
            reported.add((v.commit, v.code, v.path, v.line))
            out.append(v)

    # the anchor and unrelated roots
    for sha in roots:
        if anchor_id is not None and sha != anchor_id:
            add(Violation(sha, "GK421", t("GK421", anchor=anchor_id[:10])))
        elif anchor_id is None and sha != first_root:
            add(Violation(sha, "GK422", t("GK422")))

    checked = [rec for rec in trust.order if wanted(rec.id)]
    trust.check(checked)  # every signature in one batch (cached by commit id)
    failing = [rec for rec in checked if rec.parents and trust.actor(rec).problem == "workflow.bad.unsigned"]
    sig_detail = check_signatures(root, failing) if failing else {}
    for rec in checked:
        if not rec.parents:
            if anchor_id is None or rec.id != anchor_id:
                for v in _judge_root(rec, trust):
                    add(v)
        else:
            actor = trust.actor(rec)
            if actor.problem is not None:
                detail = _short_key(actor.key) if actor.problem == "workflow.bad.unknown_key" else actor.detail
                add(_actor_violation(rec, actor.problem, detail, sig_detail.get(rec.id)))
        if rec.committer_time > now + FUTURE_SKEW:
            when = datetime.fromtimestamp(rec.committer_time, BEIJING).strftime("%Y-%m-%d %H:%M")
            add(Violation(rec.id, "GK420", t("GK420", when=when)))
        for v in _date_claims(rec, trust, now if pushed else None):
            add(v)
        forged = _forged_trailers(rec)
        if forged:
            add(Violation(rec.id, "GK440", t("GK440", why=forged), document=rec.trailer("Gkctl-Document")))
        broken = _broken_policy(rec, trust)
        if broken is not None:
            add(broken)

    for cid, key, detail in analysis.problems:
        if wanted(cid) and key not in _ACTOR_PROBLEMS:  # those were reported above, once per commit
            add(_workflow_violation(by_id[cid], key, detail))

    for v in _document_findings(root, trust, [r for r in checked if not r.is_merge]):
        add(v)
    for v in _ambiguous_ids(analysis, [r for r in checked if not r.is_merge]):
        add(v)
    if scope is None:
        for v in _witness_findings(root, trust):
            add(v)
    order = {rec.id: i for i, rec in enumerate(trust.order)}
    out.sort(key=lambda v: (order.get(v.commit, -1), v.code, v.path or ""))
    root_id = anchor_id if anchor_id is not None else first_root
    return VerifyResult(analysis.head, root_id, len(checked), tuple(out))


def _ambiguous_ids(analysis: Analysis, records: list[CommitRecord]) -> list[Violation]:
    """Commits that write a second file with the id of a published document (GK452).

    Steps, 索引号 and the site page all hang on the id: two files with one id make it unclear
    which text was approved and published. A rename (the old file removed) is not a second file.
    """
    trust = analysis.trust
    published: dict[str, set[str]] = {}
    for _blob, _attribute, publication in analysis.briefs().values():
        if publication is not None:
            published.setdefault(publication.doc_id, set()).add(publication.path)
    if not published:
        return []
    written = []
    for rec in records:
        for ch in rec.changes:
            if not (ch.new_blob and ch.path.startswith("docs/") and ch.path.endswith(".md")):
                continue
            doc = trust.document(ch.new_blob, ch.path)
            if doc is not None and doc.id in published:
                written.append((rec, ch, doc))
    # which other files with those ids each commit's tree holds (one git process for all)
    present = trust.blobs_at([(rec.id, q) for rec, ch, doc in written for q in sorted(published[doc.id]) if q != ch.path])
    out = []
    for rec, ch, doc in written:
        others = sorted(q for q in published[doc.id] if q != ch.path and (rec.id, q) in present)
        if others:
            out.append(Violation(rec.id, "GK452", t("GK452", id=doc.id, other="、".join(others)), path=ch.path,
                                 line=doc.line_of("id"), document=doc.id))  # fmt: skip
    return out


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M")


def _date_claims(rec: CommitRecord, trust: Trust, pushed_at: float | None) -> list[Violation]:
    """What a commit's dates give away: backdated against its parents, trailers that disagree with
    its own date, a claim the witness contradicts, or (on a push) a date too far back."""
    out: list[Violation] = []
    policy = trust.parent_policy(rec) or trust.policy_of(rec.id)
    clock = policy.org.clock if policy is not None else Clock()
    doc = rec.trailer("Gkctl-Document")
    parents = [trust.hist.by_id[p] for p in rec.parents if p in trust.hist.by_id]
    latest = max(parents, key=lambda p: p.committer_time, default=None)
    if latest is not None and rec.committer_time < latest.committer_time - clock.skew:
        out.append(Violation(rec.id, "GK424", t("GK424", when=_when(rec.committer_time), parent=_when(latest.committer_time),
                                                 skew=clock.skew // 60), document=doc))  # fmt: skip
    if rec.step is not None:
        days = {datetime.fromtimestamp(rec.committer_time + d, BEIJING).date().isoformat() for d in (-clock.skew, 0, clock.skew)}
        # Gkctl-Date of withdraw/repeal is the effective date the clerk chose (--date), not a claim of when
        for trailer in ("Gkctl-Published",):
            claimed = rec.trailer(trailer)
            if claimed is not None and claimed.strip() not in days:
                actual = datetime.fromtimestamp(rec.committer_time, BEIJING).date().isoformat()
                out.append(Violation(rec.id, "GK425", t("GK425", trailer=trailer, claimed=claimed, actual=actual),
                                     path=rec.trailer("Gkctl-Path"), document=doc))  # fmt: skip
    seen = trust.witnessed.get(rec.id)
    if seen is not None and rec.step is not None and seen - rec.committer_time > WITNESS_LATE:
        out.append(Violation(rec.id, "GK426", t("GK426", claimed=_when(rec.committer_time), witnessed=_when(seen)),
                             path=rec.trailer("Gkctl-Path"), document=doc, severity="warning"))  # fmt: skip
    if pushed_at is not None and clock.max_push_age_days and rec.committer_time < pushed_at - clock.max_push_age_days * 86400:
        out.append(Violation(rec.id, "GK427", t("GK427", when=_when(rec.committer_time), days=clock.max_push_age_days),
                             document=doc))  # fmt: skip
    return out


def _witness_findings(root: Path, trust: Trust) -> list[Violation]:
    """The witness log as the pinned keys see it; on the central repository, whether it covers every ref."""
    log = trust.witness
    if log is None:
        return []
    out = []
    for p in log.problems:
        params = dict(p.params)
        if "why" in params:
            params["why"] = t(params["why"], old=params.get("old", ""), ref=params.get("ref", ""))
        if "reason" in params:
            params["reason"] = t(params["reason"], namespace=params.get("detail", ""), detail=params.get("detail", ""),
                                 alg=params.get("detail", ""))  # fmt: skip
        out.append(Violation(p.record, p.code, t(p.code, record=p.record[:10], **params), path=WITNESS_REF))
    if git(root, "rev-parse", "--is-bare-repository").strip() == "true":
        witnessed = log.last_new
        for line in git(root, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/", "refs/tags/").splitlines():
            sha, _, ref = line.partition(" ")
            if witnessed.get(ref) != sha:
                out.append(Violation(log.tip or sha, "GK433", t("GK433", ref=ref, tip=sha[:10]), path=WITNESS_REF))
    return out


def _anchor(root: Path, anchor: str) -> str:
    sha = git_bytes(root, "rev-parse", "--verify", "--quiet", anchor + "^{commit}", check=False).decode().strip()
    if sha:
        return sha
    if len(anchor) == 40 and all(c in "0123456789abcdef" for c in anchor.lower()):
        return anchor.lower()  # a pinned root this repository does not even contain
    raise InputError(t("verify.bad_root", rev=anchor))


def _policy_at(trust: Trust, rec: CommitRecord) -> Policy | None:
    """The effective policy after ``rec`` (what its own tree's rules are, once authorised)."""
    return trust.policy_of(rec.id)


def _judge_root(rec: CommitRecord, trust: Trust) -> list[Violation]:
    """The first commit is trusted on its own policy: it must be signed by one of its admins."""
    key = trust.signing_key(rec)
    if key is None:
        return [Violation(rec.id, "GK423", t("GK423"))]
    policy = _policy_at(trust, rec)
    person = policy.people.by_key(key) if policy is not None else None
    if person is None or ADMIN not in person.roles:
        return [Violation(rec.id, "GK423", t("GK423"))]
    return []


def _short_key(key: str | None) -> str:
    """Enough of a key for a person to recognise it (ed25519 keys share their first 30 characters)."""
    if not key:
        return "-"
    kind, _, b64 = key.partition(" ")
    return f"{kind} …{b64[-16:]}" if b64 else key[-16:]


def _actor_violation(rec: CommitRecord, problem: str, detail: str, sig: object) -> Violation:
    code = _WORKFLOW_CODES.get(problem, "GK401")
    if problem == "workflow.bad.unsigned" and sig is not None:
        status = getattr(sig, "status", "unsigned")
        code = _SIG_CODES.get(status, "GK401")
        if status != "unsigned":
            reason = t(sig.reason, namespace=sig.detail, detail=sig.detail, alg=sig.detail)  # type: ignore[attr-defined]
            return Violation(rec.id, code, t(code, reason=reason))
    return Violation(rec.id, code, t(code, detail=detail, reason=""), document=rec.trailer("Gkctl-Document"))


def _workflow_violation(rec: CommitRecord, problem: str, detail: str) -> Violation:
    code = _WORKFLOW_CODES.get(problem, "GK440")
    why = t(problem, detail=detail, role=detail, step=detail, index=detail, person=detail, category=detail)
    return Violation(rec.id, code, t(code, detail=detail, why=why), path=rec.trailer("Gkctl-Path"),
                     document=rec.trailer("Gkctl-Document"))  # fmt: skip


def _forged_trailers(rec: CommitRecord) -> str | None:
    """Why ``Gkctl-*`` trailers on ``rec`` are not a step gkctl judges (None when fine)."""
    if not any(k.startswith("gkctl-") for k in rec.trailers):
        return None
    step = rec.step
    if step is None:
        return t("verify.why.no_step")
    if step in DOC_STEPS:
        return None if rec.trailer("Gkctl-Path") else t("verify.why.no_path", step=step)
    if step in OTHER_STEPS:
        return None
    return t("verify.why.unknown_step", step=step)


def _broken_policy(rec: CommitRecord, trust: Trust) -> Violation | None:
    """A commit whose authorised policy change leaves a policy that does not load."""
    eff = trust.effective_files(rec.id)
    parent_eff = trust.effective_files(rec.parents[0]) if rec.parents else None
    if eff is None or eff == parent_eff or _policy_at(trust, rec) is not None:
        return None
    try:
        load_policy_from_files({path: trust.blob(blob) or b"" for path, blob in eff})
    except GkctlError as exc:
        return Violation(rec.id, "GK411", t("GK411", error=exc.message), path=exc.path, line=exc.line)
    return None


VALIDATION_CACHE = "verify-docs-v2.marshal"


def _document_findings(root: Path, trust: Trust, records: list[CommitRecord]) -> list[Violation]:
    """Validation errors of every document version a commit wrote (its own effective policy).

    Results are cached under ``.git/gkctl/`` by (blob, path, policy files, day, language):
    all inputs of the rules, so a cached entry is exactly what validating again would give.
    """
    todo = []
    for rec in records:
        docs = [ch for ch in rec.changes if ch.new_blob and ch.path.startswith("docs/") and ch.path.endswith(".md")]
        if not docs:
            continue
        policy = _policy_at(trust, rec)
        if policy is None:
            continue
        day = datetime.fromtimestamp(rec.committer_time, BEIJING).date()
        pkey = _policy_key(trust, rec)
        todo += [(rec, ch, policy, day, f"{ch.new_blob}\0{ch.path}\0{pkey}\0{day}\0{current_lang()}") for ch in docs]
    if not todo:
        return []
    cache_file = cache_path(root, VALIDATION_CACHE)
    cache = load_marshal(cache_file)
    # the chains parsed these versions already: one parse per version for the whole verify
    trust.documents([(ch.new_blob, ch.path) for _, ch, _, _, key in todo if key not in cache and ch.new_blob],
                    bodies=True)  # fmt: skip
    fresh = False
    out: list[Violation] = []
    for rec, ch, policy, day, key in todo:
        entry = cache.get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2):
            doc_id, findings = _validate_blob(trust, ch.new_blob or "", ch.path, policy, day)
            entry = (doc_id, [(f.code, f.severity, f.path, f.line, f.message) for f in findings])
            cache[key] = entry
            fresh = True
        doc_id, rows = entry
        out += [Violation(rec.id, code, msg, path, line, doc_id, sev) for code, sev, path, line, msg in rows]
    if fresh:
        save_marshal(cache_file, cache)
    return out


def _policy_key(trust: Trust, rec: CommitRecord) -> str:
    """A stable name for the policy files in effect after ``rec`` (their paths and blob ids)."""
    eff = trust.effective_files(rec.id) or ()
    return hashlib.sha1(repr(eff).encode()).hexdigest()


def _validate_blob(trust: Trust, blob: str, path: str, policy: Policy, day: date) -> tuple[str, list[Finding]]:
    """(document id, validation errors) of one stored document version."""
    fallback = path.rsplit("/", 1)[-1].removesuffix(".md")
    doc = trust.with_body(blob, path)
    if doc is None:  # absent or unparseable: parse again for the error the clerk is shown
        try:
            doc = parse_document(trust.blob(blob) or b"", path)
        except GkctlError as exc:
            return fallback, [Finding("GK100", "error", exc.path or path, exc.line, t("GK100", error=exc.message))]
    ctx = Context(policy=policy, root=None, today=day)
    return doc.id or fallback, [f for f in check_document(doc, ctx) if f.is_error]


def repository_root(start: Path) -> Path:
    """A gkctl work tree (found upward from ``start``) or any git repository, bare ones included."""
    if not start.is_dir():
        raise InputError(t("repo.no_such_dir", path=str(start)))
    try:
        return find_root(start)
    except InputError:
        if git_bytes(start, "rev-parse", "--git-dir", check=False).strip():
            return start.resolve()
        raise
