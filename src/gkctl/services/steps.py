"""The workflow steps as signed commits: review, sign, check, external, proofread, publish,
withdraw, repeal, and the reviewer's attribute correction.

Every step refuses *before* committing when it would count for nothing in ``status`` (wrong
role, unknown or revoked key, author approving their own text, out of order, uncommitted
changes), so a refused command leaves history untouched. The rules are the same ones
``gkctl.trail.workflow`` judges history by; the message says which one, in Chinese.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gkctl.core.document import Document, parse_document
from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.policy import Person, Policy
from gkctl.core.rules import Context, attachments_secrecy, check_document, secrecy_findings
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import blob_id_of_file, commit, git, git_bytes, is_dirty
from gkctl.trail.history import load_history
from gkctl.trail.incremental import analyse_head
from gkctl.trail.signatures import BEIJING, configured_person
from gkctl.trail.workflow import (
    APPROVAL_STEPS,
    PUBLIC_ATTRIBUTE,
    Analysis,
    DocState,
    next_index_number,
    step_rule,
)  # fmt: skip


@dataclass(frozen=True)
class StepResult:
    commit: str
    doc_id: str
    path: str
    step: str
    verdict: str | None = None
    index_number: str | None = None
    label: str = ""  # the step's name in the policy (审稿, 签发 …), for messages


@dataclass(frozen=True)
class _Ctx:
    analysis: Analysis
    policy: Policy
    person: Person
    state: DocState
    doc: Document


def today_beijing() -> date:
    """Today in Beijing, or the day of ``GIT_COMMITTER_DATE`` when set: a step's dates (the
    publication date, a withdrawal's effect) agree with the date of the commit recording it."""
    stamp = os.environ.get("GIT_COMMITTER_DATE", "").strip()
    if stamp:
        try:
            if stamp.lstrip("@").split()[0].isdigit():
                return datetime.fromtimestamp(int(stamp.lstrip("@").split()[0]), BEIJING).date()
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return (when.astimezone(BEIJING) if when.tzinfo else when).date()
        except (ValueError, OverflowError, OSError):
            pass
    return datetime.now(BEIJING).date()


def _one_paragraph(text: str) -> str:
    """User text as one paragraph, so it can never be mistaken for trailers."""
    lines = [ln.rstrip() for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines)


def _message(subject: str, body: str, trailers: list[tuple[str, str]]) -> str:
    parts = [subject.replace("\n", " ")]
    if body.strip():
        parts.append(_one_paragraph(body))
    parts.append("\n".join(f"{k}: {v}" for k, v in trailers))
    return "\n\n".join(parts) + "\n"


def _doc_path(repo: Repository, ref: str) -> str:
    return repo.find_document(ref).path


def _prepare(repo: Repository, ref: str, analysis: Analysis | None = None) -> _Ctx:
    """The committed document, its state, the effective policy and the acting person."""
    analysis = analysis or analyse_head(repo.root)
    # an id the analysis knows names its committed file: no need to parse every working-tree document
    known = analysis.by_id(ref) if not ref.endswith(".md") else None
    path = known.path if known is not None else _doc_path(repo, ref)
    if is_dirty(repo.root, [path]):
        raise RuleError(t("workflow.refuse.dirty"), path)
    staged = git(repo.root, "diff", "--cached", "--name-only", "-z").split("\0")
    if any(staged):
        # a step commit takes whatever is staged; one that changes other files counts for nothing
        raise RuleError(t("workflow.refuse.staged", paths="、".join(p for p in staged if p)))
    state = analysis.documents.get(path)
    policy = analysis.trust.head_policy
    if state is None:
        raise RuleError(t("status.uncommitted"), path)
    if policy is None:
        raise RuleError(t("workflow.refuse.no_policy"))
    if state.doc is None:
        raise RuleError(t("workflow.refuse.unreadable"), path)
    docs = analysis.documents
    twins = sorted(p for p in analysis.paths_of(state.doc_id) if p != path and docs[p].blob)
    if twins:
        # steps bind to the id too: a second file with it would share (or steal) the approvals
        raise RuleError(t("workflow.refuse.duplicate_id", id=state.doc_id, other="、".join(twins)), path,
                        state.doc.line_of("id"))
    person = configured_person(repo.root, policy)
    # the analysis keeps front matter only: the checks below (secrecy scan) read the whole text
    doc = parse_document(git_bytes(repo.root, "cat-file", "blob", state.blob), path)
    return _Ctx(analysis, policy, person, state, doc)


def _require_role(ctx: _Ctx, step: str) -> None:
    rule = step_rule(ctx.policy, step)
    if rule is None:
        raise RuleError(t("workflow.refuse.no_step", step=step))
    if rule.role not in ctx.person.roles:
        role = ctx.policy.workflow.roles.get(rule.role, rule.role)
        raise RuleError(t("workflow.refuse.role", person=ctx.person.id, name=ctx.person.name, step=rule.label, role=role))


def _trailers(ctx: _Ctx, step: str, blob: str | None = None) -> list[tuple[str, str]]:
    return [("Gkctl-Step", step), ("Gkctl-Document", ctx.state.doc_id), ("Gkctl-Path", ctx.state.path),
            ("Gkctl-Blob", blob or ctx.state.blob)]  # fmt: skip


def _changed_text(ctx: _Ctx, sha: str, path: str) -> bool:
    """Whether commit ``sha`` changed the document file itself (not only an attachment).

    A folded analysis holds only the newest commits, so an older one is asked of git.
    """
    rec = ctx.analysis.trust.hist.by_id.get(sha)
    if rec is not None:
        return rec.changed(path) is not None
    root = ctx.analysis.trust.root
    parent = git(root, "rev-parse", "--verify", "--quiet", sha + "^1", check=False).strip()
    if parent:
        return bool(git(root, "diff", "--name-only", parent, sha, "--", path).strip())
    return bool(git(root, "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", sha, "--", path).strip())


def _check_approval(ctx: _Ctx, step: str) -> None:
    """Refuse an approval that ``workflow`` would not count."""
    wf = ctx.policy.workflow
    me = ctx.person.id
    state = ctx.state
    if state.state in ("published", "withdrawn", "repealed") and not state.unpublished_changes:
        raise RuleError(t("workflow.refuse.final", state=t(f"workflow.state.{state.state}")), state.path)
    if wf.drafter_may_not_approve and str(ctx.doc.get("drafter") or "") == me:
        raise RuleError(t("workflow.refuse.drafter", person=me), state.path, ctx.doc.line_of("drafter"))
    correct_ids = {e.commit for e in state.events if e.step == "correct" and e.problem is None}
    # whoever only committed an attachment is not an author of the text (the workflow agrees)
    if any(pid == me and sha not in correct_ids and _changed_text(ctx, sha, state.path)
           for sha, pid, _ in state.changes):  # fmt: skip
        raise RuleError(t("workflow.refuse.author", person=me), state.path)
    steps = {s.name: s for s in state.steps}
    for s in state.steps:
        if s.name == step:
            break
        if not s.done:
            raise RuleError(t("workflow.refuse.order", step=s.label), state.path)
    mine = steps[step]
    if mine.done:
        raise RuleError(t("workflow.refuse.done", step=mine.label), state.path)
    if any(a.person == me for a in mine.approvals):
        raise RuleError(t("workflow.refuse.twice", step=mine.label), state.path)
    for a_step, b_step in wf.distinct_pairs:
        for here, other in ((a_step, b_step), (b_step, a_step)):
            if here == step and other in steps and any(a.person == me for a in steps[other].approvals):
                raise RuleError(t("workflow.refuse.distinct", step=mine.label, other=steps[other].label), state.path)


def decide(
    repo: Repository, ref: str, step: str, approve: bool, message: str,
    waive: tuple[str, ...] = (), reference: str | None = None,
) -> StepResult:  # fmt: skip
    """``review``/``sign``/``check``/``external``/``proofread``: one signed, empty commit."""
    if step not in APPROVAL_STEPS:
        raise InputError(t("workflow.refuse.no_step", step=step))
    if not message.strip():
        raise InputError(t("workflow.refuse.no_message"))
    ctx = _prepare(repo, ref)
    _require_role(ctx, step)
    chain = [s.name for s in ctx.state.steps]
    if step not in chain:
        raise RuleError(t("workflow.refuse.not_in_chain", step=ctx.policy.workflow.steps[step].label,
                          category=ctx.doc.category or "-"), ctx.state.path)  # fmt: skip
    trailers = _trailers(ctx, step)
    trailers.append(("Gkctl-Verdict", "approve" if approve else "reject"))
    if step == "external":
        if not (reference or "").strip():
            raise InputError(t("workflow.refuse.no_reference"))
        trailers.append(("Gkctl-Reference", _one_paragraph(reference or "").replace("\n", " ")))
    secrecy_note = ""
    if approve:
        _check_approval(ctx, step)
        if step == "check":
            hits = secrecy_findings(ctx.doc, ctx.policy) + attachments_secrecy(ctx.doc, ctx.policy, repo.root)
            open_hits = [f for f in hits if f.code not in waive]
            if open_hits:
                first = open_hits[0]
                codes = "、".join(sorted({f.code for f in open_hits}))
                raise RuleError(t("workflow.refuse.secrecy", codes=codes, message=first.message), first.path, first.line)
            trailers += [("Gkctl-Waive", code) for code in waive if code in {f.code for f in hits}]
            secrecy_note = (t("workflow.secrecy.waived", codes="、".join(sorted({f.code for f in hits})))
                            if hits else t("workflow.secrecy.clean"))  # fmt: skip
    rule = ctx.policy.workflow.steps[step]
    verdict = t("workflow.verdict.approve" if approve else "workflow.verdict.reject")
    subject = t("workflow.subject", step=rule.label, verdict=verdict, title=ctx.doc.title or ctx.state.doc_id)
    body = t("workflow.opinion", text=_one_paragraph(message)) + (f"\n{secrecy_note}" if secrecy_note else "")
    sha = commit(repo.root, _message(subject, body, trailers), [], allow_empty=True)
    return StepResult(sha, ctx.state.doc_id, ctx.state.path, step, "approve" if approve else "reject", label=rule.label)


def _set_key(front: str, key: str, value: str) -> str:
    """Replace the top-level ``key:`` line of a front matter (appending it when absent)."""
    line = re.compile(rf"^{re.escape(key)}:.*$", re.M)
    text = f"{key}: {value}"
    return line.sub(lambda _m: text, front, count=1) if line.search(front) else front + "\n" + text


def _flow(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def correct_attribute(
    repo: Repository, ref: str, attribute: str, reason: str,
    basis: list[str] | None = None, exemption: str | None = None,
) -> StepResult:  # fmt: skip
    """The reviewer corrects the disclosure attribute (seed art. 8) — with its basis or exemption
    reason when the new attribute needs one — as a ``correct`` commit changing only those keys."""
    if not reason.strip():
        raise InputError(t("workflow.refuse.no_message"))
    ctx = _prepare(repo, ref)
    _require_role(ctx, "correct")
    if attribute not in ctx.policy.disclosure.attributes:
        raise InputError(t("workflow.refuse.bad_attribute", attribute=attribute,
                           allowed="、".join(ctx.policy.disclosure.attributes)))  # fmt: skip
    if attribute == ctx.doc.attribute and not basis and not exemption:
        raise RuleError(t("workflow.refuse.same_attribute", attribute=attribute), ctx.state.path)
    full = repo.root / ctx.state.path
    original = full.read_bytes()
    text = original.decode("utf-8")
    end = text.find("\n---", 3)
    front, rest = text[:end], text[end:]
    front = _set_key(front, "attribute", attribute)
    if basis:
        front = _set_key(front, "basis", _flow(basis))
    if exemption:
        front = _set_key(front, "reason", json.dumps(exemption, ensure_ascii=False))
    new_text = front + rest
    new_doc = parse_document(new_text.encode(), ctx.state.path)
    ctx_rules = Context(ctx.policy, repo.root, today_beijing())
    before = {f.code for f in check_document(ctx.doc, ctx_rules) if f.is_error}
    errors = [f for f in check_document(new_doc, ctx_rules) if f.is_error and f.code not in before]
    if errors:  # refuse only what the correction itself breaks (e.g. 主动公开 without a basis)
        raise RuleError(t("workflow.refuse.correction_invalid", message=errors[0].message), errors[0].path, errors[0].line)
    try:
        full.write_text(new_text, encoding="utf-8")
        blob = blob_id_of_file(repo.root, ctx.state.path)
        subject = t("workflow.subject.correct", step=ctx.policy.workflow.steps["review"].label,
                    old=ctx.doc.attribute or "-", new=attribute, title=ctx.doc.title or ctx.state.doc_id)
        trailers = _trailers(ctx, "correct", blob)
        sha = commit(repo.root, _message(subject, t("workflow.reason", text=reason), trailers), [ctx.state.path])
    except Exception:
        full.write_bytes(original)  # a refused signature leaves the file as it was
        raise
    return StepResult(sha, ctx.state.doc_id, ctx.state.path, "correct")


# -- publication ---------------------------------------------------------------------------


def _used_indexes(repo: Repository, analysis: Analysis) -> set[str]:
    """Every 索引号 written in a publish commit here or on any remote-tracking branch."""
    used = set(analysis.used_indexes)
    refs = git(repo.root, "for-each-ref", "--format=%(refname)", "refs/remotes").split()
    for ref in refs:
        if ref.endswith("/HEAD"):
            continue
        for rec in load_history(repo.root, ref):
            if rec.step == "publish" and rec.trailer("Gkctl-Index"):
                used.add(rec.trailer("Gkctl-Index") or "")
    return used


def _fetch_quietly(root: Path) -> None:
    """Learn the numbers others already used; offline publishing still works (sync renumbers)."""
    if git(root, "remote", check=False).strip():
        git_bytes(root, "fetch", "--quiet", "--all", check=False)


def publishable(repo: Repository, ctx: _Ctx) -> None:
    state, doc = ctx.state, ctx.doc
    if doc.attribute != PUBLIC_ATTRIBUTE:
        raise RuleError(t("workflow.refuse.attribute", attribute=doc.attribute or "-"), state.path, doc.line_of("attribute"))
    if state.state == "published" and not state.unpublished_changes:
        raise RuleError(t("workflow.refuse.already_published", index=state.publication.index_number), state.path)  # type: ignore[union-attr]
    missing = [s.label for s in state.steps if not s.done]
    if missing:
        raise RuleError(t("workflow.refuse.not_ready", steps="、".join(missing)), state.path)
    # secrecy hits the office waived in its (valid) signed check do not block publication
    waived = {code for s in state.steps if s.name == "check" for a in s.approvals for code in a.trailers.get("gkctl-waive", ())}
    errors = [f for f in check_document(doc, Context(ctx.policy, repo.root, today_beijing()))
              if f.is_error and f.code not in waived]  # fmt: skip
    if errors:
        raise RuleError(t("workflow.refuse.invalid", message=errors[0].message), errors[0].path, errors[0].line)


def publish(repo: Repository, refs: list[str], ready: bool = False, fetch: bool = True) -> list[StepResult]:
    """Publish documents (or every ``ready`` 主动公开 one): one signed commit each, with 索引号."""
    if fetch:
        _fetch_quietly(repo.root)
    analysis = analyse_head(repo.root)
    if ready:
        refs = [s.path for s in analysis.documents.values()
                if s.doc is not None and s.doc.attribute == PUBLIC_ATTRIBUTE
                and all(x.done for x in s.steps) and s.steps
                and (s.publication is None or s.unpublished_changes) and s.state != "withdrawn"]  # fmt: skip
    if not refs:
        raise RuleError(t("workflow.refuse.nothing_ready"))
    used = _used_indexes(repo, analysis)
    today = today_beijing()
    results = []
    done: set[str] = set()
    # One analysis serves the whole batch: publishing one document changes no other's state, and
    # the numbers handed out are tracked in ``used`` (re-analysing per document cost seconds each
    # on a large history).
    for ref in refs:
        ctx = _prepare(repo, ref, analysis)
        if ctx.state.path in done:
            continue  # named twice
        done.add(ctx.state.path)
        _require_role(ctx, "publish")
        publishable(repo, ctx)
        if ctx.state.publication is not None:
            number = ctx.state.publication.index_number  # never renumbered
        else:
            number = next_index_number(ctx.policy, used, today.year)
            used.add(number)
        trailers = [*_trailers(ctx, "publish"), ("Gkctl-Index", number), ("Gkctl-Published", today.isoformat())]
        subject = t("workflow.subject.publish", title=ctx.doc.title or ctx.state.doc_id)
        sha = commit(repo.root, _message(subject, t("workflow.index_line", index=number), trailers), [], allow_empty=True)
        results.append(StepResult(sha, ctx.state.doc_id, ctx.state.path, "publish", None, number))
    return results


def end_publication(repo: Repository, ref: str, step: str, reason: str, when: date | None = None) -> StepResult:
    """``withdraw`` (撤回, public explanation) or ``repeal`` (废止 of a 规范性文件, seed art. 13)."""
    if not reason.strip():
        raise InputError(t("workflow.refuse.no_reason"))
    ctx = _prepare(repo, ref)
    _require_role(ctx, step)
    pub = ctx.state.publication
    if pub is None or pub.state != "published":
        raise RuleError(t("workflow.refuse.not_published"), ctx.state.path)
    if step == "repeal":
        category = ctx.policy.columns.category(ctx.doc.category)
        if not (category and category.normative):
            raise RuleError(t("workflow.refuse.not_normative", category=ctx.doc.category or "-"), ctx.state.path,
                            ctx.doc.line_of("category"))  # fmt: skip
    when = when or today_beijing()
    trailers = [*_trailers(ctx, step), ("Gkctl-Date", when.isoformat())]
    rule = ctx.policy.workflow.steps[step]
    subject = t("workflow.subject.end", step=rule.label, title=ctx.doc.title or ctx.state.doc_id)
    sha = commit(repo.root, _message(subject, reason, trailers), [], allow_empty=True)
    return StepResult(sha, ctx.state.doc_id, ctx.state.path, step)
