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
from gkctl.core.policy import Policy, load_policy_from_files
from gkctl.core.rules import Context, check_document
from gkctl.trail.cache import cache_path, load_marshal, save_marshal
from gkctl.trail.gitutil import find_root, git, git_bytes
from gkctl.trail.history import CommitRecord, History, load_history
from gkctl.trail.signatures import BEIJING, check_signatures
from gkctl.trail.trust import ADMIN, Trust
from gkctl.trail.workflow import DOC_STEPS, analyse

# Clocks of the clerks' machines drift a little; a commit further ahead than this is refused.
FUTURE_SKEW = 10 * 60
OTHER_STEPS = ("people", "calendar", "apply", "appeal")  # steps that are ordinary content commits with trailers

# workflow problem key -> verify code (messages are ours, so every code reads the same everywhere)
_WORKFLOW_CODES = {
    "workflow.bad.unsigned": "GK401",
    "workflow.bad.unknown_key": "GK403",
    "workflow.bad.inactive": "GK404",
    "workflow.bad.no_policy": "GK406",
    "workflow.bad.policy_unauthorised": "GK410",
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
                             "workflow.bad.no_policy"))  # fmt: skip
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
    root: Path, tip: str, scope: set[str] | None = None, anchor: str | None = None, now: float | None = None
) -> VerifyResult:
    """Judge the commits of ``scope`` (all when None) in the history of ``tip``."""
    hist = load_history(root, tip)
    analysis = analyse(root, tip, history=hist)
    trust = analysis.trust
    now = time.time() if now is None else now

    def wanted(cid: str) -> bool:
        return scope is None or cid in scope

    out: list[Violation] = []
    first_root = _first_parent_root(hist)
    anchor_id = _anchor(root, anchor) if anchor else None
    reported: set[tuple[str, str, str | None, int | None]] = set()

    def add(v: Violation) -> None:  # one report per commit, code and place (a step may fail twice)
        if (v.commit, v.code, v.path, v.line) not in reported:
            reported.add((v.commit, v.code, v.path, v.line))
            out.append(v)

    # the anchor and unrelated roots
    for rec in hist:
        if rec.parents:
            continue
        if anchor_id is not None and rec.id != anchor_id:
            add(Violation(rec.id, "GK421", t("GK421", anchor=anchor_id[:10])))
        elif anchor_id is None and rec.id != first_root:
            add(Violation(rec.id, "GK422", t("GK422")))

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
        forged = _forged_trailers(rec)
        if forged:
            add(Violation(rec.id, "GK440", t("GK440", why=forged), document=rec.trailer("Gkctl-Document")))
        broken = _broken_policy(rec, trust)
        if broken is not None:
            add(broken)

    for cid, key, detail in analysis.problems:
        if wanted(cid) and key not in _ACTOR_PROBLEMS:  # those were reported above, once per commit
            add(_workflow_violation(hist.by_id[cid], key, detail))

    for v in _document_findings(root, trust, [r for r in checked if not r.is_merge]):
        add(v)
    order = {rec.id: i for i, rec in enumerate(trust.order)}
    out.sort(key=lambda v: (order.get(v.commit, -1), v.code, v.path or ""))
    root_id = anchor_id if anchor_id is not None else first_root
    return VerifyResult(hist.head, root_id, len(checked), tuple(out))


def _first_parent_root(hist: History) -> str | None:
    cid = hist.head
    while cid is not None and hist.by_id[cid].parents:
        cid = hist.by_id[cid].parents[0]
    return cid


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
    trust.prefetch([ch.new_blob for _, ch, _, _, key in todo if key not in cache and ch.new_blob])
    fresh = False
    out: list[Violation] = []
    for rec, ch, policy, day, key in todo:
        entry = cache.get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2):
            doc_id, findings = _validate_blob(trust.blob(ch.new_blob or "") or b"", ch.path, policy, day)
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


def _validate_blob(raw: bytes, path: str, policy: Policy, day: date) -> tuple[str, list[Finding]]:
    """(document id, validation errors) of one stored document version."""
    fallback = path.rsplit("/", 1)[-1].removesuffix(".md")
    try:
        doc = parse_document(raw, path)
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
