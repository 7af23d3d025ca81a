"""``gkctl status`` and ``gkctl log``: the workflow state as plain data (the CLI renders it).

The keys of ``status_data`` are the JSON contract of ``gkctl status --format json``:
``{"documents": [{"id", "path", "title", "attribute", "state", "steps", "index_number",
"published_at", "due", "overdue", ...}]}``. ``published_at`` is the date of record: the central
repository's witnessed date where it saw the publication, with the signer's own date kept as
``published_claimed`` when the two differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from gkctl.core.errors import GkctlError, InputError
from gkctl.core.heap import paused_gc
from gkctl.core.i18n import t
from gkctl.core.policy import Policy
from gkctl.services.repository import Repository
from gkctl.services.status_cache import (
    PREFIX,
    RETIRED,
    ROWS_CACHE,
    SEP,
    STATUS_CACHE,
    SUFFIX,
    CachedText,
    cache_key,
    cached_rows,
    is_current,
    read_header,
    read_text,
    status_row,
    write_cached,
    write_text,
)
from gkctl.trail.cache import cache_path
from gkctl.trail.incremental import analyse_head
from gkctl.trail.signatures import BEIJING
from gkctl.trail.workflow import ANY_TIP, PUBLIC_ATTRIBUTE, PUBLIC_STEPS, Analysis, DocState, analyse, step_rule

PUBLICATION_WORKDAYS = 20  # 条例 art. 26: within 20 working days of being formed or changed


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, BEIJING).isoformat(timespec="seconds")


def due_date(doc_state: DocState, policy: Policy | None) -> tuple[date | None, str | None]:
    """The publication deadline of a 主动公开 document, or (None, why not)."""
    doc = doc_state.doc
    if doc is None or doc.attribute != PUBLIC_ATTRIBUTE or policy is None:
        return None, None
    if doc.formed is None:
        return None, t("workflow.status.no_formed")
    try:
        return policy.calendar.add_workdays(doc.formed, PUBLICATION_WORKDAYS), None
    except GkctlError:
        return None, t("workflow.status.due_unknown", year=doc.formed.year)
    except (KeyError, ValueError, NotImplementedError):
        return None, t("workflow.status.due_unknown", year=doc.formed.year)


def _label(policy: Policy | None, step: str) -> str:
    if step == "correct" and (policy is None or "correct" not in policy.workflow.steps):
        return t("workflow.step.correct")
    rule = step_rule(policy, step) if policy else None
    return rule.label if rule else step


def _holders(policy: Policy, role: str, today: date) -> list[str]:
    return [p.name for p in policy.people.people
            if role in p.roles and (p.active_until is None or today <= p.active_until)]  # fmt: skip


def next_step(st: DocState, policy: Policy | None, today: date) -> dict[str, Any] | None:
    """What the document waits for and who may do it: the drafter after a 退回, else the first
    unfinished step of its chain, else publication (主动公开 only); None when nothing is due."""
    if policy is None or st.doc is None or (st.state in ("published", "withdrawn", "repealed")
                                            and not st.unpublished_changes):  # fmt: skip
        return None
    last_change = max((when for _sha, _pid, when in st.changes), default=0)
    judged = [ev for ev in st.events if ev.blob == st.blob and ev.problem is None and ev.time >= last_change
              and ev.step in {s.name for s in st.steps}]  # fmt: skip
    if judged and judged[-1].verdict == "reject":
        drafter = str(st.doc.get("drafter") or "")
        person = policy.people.get(drafter)
        return {"step": "fix", "label": t("status.next.fix"), "who": [person.name if person else drafter]}
    for s in st.steps:
        if not s.done:
            return {"step": s.name, "label": s.label, "who": _holders(policy, s.role, today)}
    if st.steps and st.doc.attribute == PUBLIC_ATTRIBUTE:
        rule = step_rule(policy, "publish")
        if rule is not None:
            return {"step": "publish", "label": rule.label, "who": _holders(policy, rule.role, today)}
    return None


def document_data(st: DocState, analysis: Analysis, today: date) -> dict[str, Any]:
    policy = analysis.trust.head_policy
    problems = analysis.problem_of
    pub = st.publication
    events = []
    for ev in st.events:
        if ev.step in PUBLIC_STEPS or ev.step == "correct":
            valid = ev.problem is None and ev.commit not in problems
        else:
            valid = st.valid.get(ev.commit, False)
        kind, detail = (ev.problem, ev.problem_detail) if ev.problem else problems.get(ev.commit, (None, ""))
        events.append({
            "step": ev.step, "label": _label(policy, ev.step), "person": ev.person, "name": ev.name,
            "when": _when(ev.time), "verdict": ev.verdict, "valid": bool(valid), "commit": ev.commit,
            "message": ev.message, "opinion": _opinion(ev.message), "problem": t(kind, detail=detail) if kind else None,
            "reference": (ev.trailers.get("gkctl-reference") or (None,))[-1],
            "waived": list(ev.trailers.get("gkctl-waive", ())),
        })  # fmt: skip
    due, due_note = due_date(st, policy)
    published_at = pub.published_at if pub else None
    overdue = bool(due and (published_at or today) > due)
    doc = st.doc
    return {
        "id": st.doc_id,
        "path": st.path,
        "title": doc.title if doc else "",
        "attribute": doc.attribute if doc else "",
        "category": doc.category if doc else "",
        "state": st.state,
        "state_label": t(f"workflow.state.{st.state}"),
        "blob": st.blob,
        "steps": events,
        "chain": [
            {"step": s.name, "label": s.label, "role": s.role, "needed": s.needed, "done": s.done,
             "approvals": [{"person": a.person, "name": a.name, "when": _when(a.time)} for a in s.approvals]}
            for s in st.steps
        ],
        "index_number": pub.index_number if pub else None,
        "published_at": published_at,
        **({"published_claimed": pub.published_claimed} if pub and pub.published_claimed else {}),
        "publication_state": pub.state if pub else None,
        "notice": pub.notice if pub and pub.state != "published" else None,
        "notice_date": pub.notice_date if pub else None,
        "unpublished_changes": st.unpublished_changes,
        "formed": doc.formed if doc else None,
        "due": due,
        "due_note": due_note,
        "overdue": overdue,
        "next": next_step(st, policy, today),
    }


def _body(message: str) -> str:
    """The paragraph after the subject, unless it is the trailer block."""
    parts = message.split("\n\n")
    return parts[1].strip() if len(parts) > 2 or (len(parts) == 2 and not parts[1].startswith("Gkctl-")) else ""


def _opinion(text: str) -> str:
    """A step's 意见 as the reviewer wrote it (the commit labels it ``意见：``)."""
    first = (text or "").strip().split("\n")[0]
    for label in ("意见：", "Opinion: ", "理由：", "Reason: ", "说明：", "Note: "):
        if first.startswith(label):
            return first[len(label):].strip()
    return first


def _iso(value: Any) -> str:
    """json's fallback for what it cannot write: the dates of the description, as ISO text."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _cache_key(repo: Repository, today: date) -> tuple[str, dict[str, Any]]:
    return cache_key(repo.root, today)


def _refresh(repo: Repository, today: date, rebuild: bool = False) -> bytes | None:
    """Make the cached ``status --format json`` text, and the table rows beside it, current for
    HEAD, day and language.

    Returns the text when it had to be made in memory (no commit yet, or the cache could not be
    written), else None: the cache file holds it. Each document is described on its own line;
    when the analysis was folded from an ancestor's, the lines of the documents the new commits
    did not touch are copied from that ancestor's file by offset, never read or decoded.
    ``rebuild``: describe every document and write both anew, whatever the index says (it is
    current, but a part of it is gone or damaged).
    """
    head, key = _cache_key(repo, today)
    cache_file, rows_file = cache_path(repo.root, STATUS_CACHE), cache_path(repo.root, ROWS_CACHE)
    if head and not rebuild and is_current(cache_file, key):
        if not is_current(rows_file, key):  # the rows were lost, or an older gkctl wrote the text
            _rows_from_text(cache_file, rows_file, key)
        return None
    analysis = repo.analysis
    docs = analysis.documents  # a folded analysis reads a state only when asked for it
    # a text of a fold's base (or of this head when the log grew since), made under one of the log's tips since
    witnesses = analysis.base_witnesses
    base = analysis.base if analysis.base is not None else \
        (frozenset({head}), frozenset()) if witnesses is not None else None  # fmt: skip
    old = read_header(cache_file, key, heads=base[0], witnesses=witnesses) if base is not None and not rebuild else None
    changed = base[1] if old is not None and base is not None else None
    if old is None and analysis.changed_since is not None and not rebuild:
        # a text of an older commit than the snapshot's (a fold was saved since it was written)
        # with no witness key pinned the log's tip changes nothing: a text made under another serves
        older = read_header(cache_file, key, any_head=True, witnesses=ANY_TIP if witnesses is ANY_TIP else None)
        found = analysis.changed_since(older.head) if older is not None and older.head else None
        old, changed = (older, found.paths) if found is not None else (None, None)

    def both(path: str) -> tuple[bytes, bytes]:
        """The document's line and its table row (its data is not kept: 10,000 of them are big)."""
        data = document_data(docs[path], analysis, today)
        return _dumps(data), _dumps(status_row(data))

    paths = list(docs)
    lines: list[bytes | int] = []
    rows: list[bytes | int] = []
    # the rows beside it: of the same commit, made under the same tip (``changed`` is about that text)
    old_rows = read_header(rows_file, key, heads=frozenset({old.head}), witnesses=frozenset({old.witness}),
                           beside=old) if old is not None else None  # fmt: skip
    with paused_gc():
        if old is not None and changed is not None and old_rows is not None and old.paths == paths == old_rows.paths:
            # the same documents, the rows beside the text: every line is the old one's but the changed
            lines, rows = list(range(len(paths))), list(range(len(paths)))
            for at_line in [i for i, p in enumerate(paths) if p in changed]:  # a document gone since is in neither
                lines[at_line], rows[at_line] = both(paths[at_line])
        elif old is not None and changed is not None:
            at = dict(zip(old.paths, range(len(old.paths)), strict=True))
            # the rows are written with the text: line i's row is row i, unless they were lost
            row_at = at if old_rows is not None and old_rows.paths == old.paths else \
                dict(zip(old_rows.paths, range(len(old_rows.paths)), strict=True)) if old_rows is not None else {}  # fmt: skip
            for p in paths:
                i = at.get(p) if p not in changed else None
                if i is None:
                    line, row = both(p)
                    lines.append(line)
                    rows.append(row)
                else:
                    lines.append(i)
                    j = row_at.get(p)
                    rows.append(j if j is not None else _old_row(old, i) or both(p)[1])
        else:
            old = old_rows = None
            for p in paths:
                line, row = both(p)
                lines.append(line)
                rows.append(row)
    if head:
        write_text(rows_file, key, paths, rows, old_rows)  # only slower next time when it fails
        if write_text(cache_file, key, paths, lines, old):
            for name in RETIRED:
                cache_path(repo.root, name).unlink(missing_ok=True)
            return None
    full = [x if isinstance(x, bytes) else both(p)[0] for p, x in zip(paths, lines, strict=True)]
    if head and old is not None and write_text(cache_file, key, paths, full):
        return None  # an old part was gone or damaged: the text is whole again, described anew
    return PREFIX + SEP.join(full) + SUFFIX if full else PREFIX + SUFFIX


def _old_row(old: CachedText, i: int) -> bytes | None:
    """The row of an older text's line ``i`` (None when its part is gone or damaged)."""
    try:
        return _dumps(status_row(json.loads(old.line(i))))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_iso).encode()


def _rows_from_text(text_file: Path, rows_file: Path, key: dict[str, Any]) -> None:
    """The rows of a current text, decoded from it once (only slower when it cannot be written)."""
    header, text = read_header(text_file, key), read_text(text_file, key)
    if header is None or text is None:
        return
    try:
        docs = json.loads(text)["documents"]
    except (ValueError, KeyError):
        return
    if len(docs) == len(header.paths):
        write_text(rows_file, key, header.paths, [_dumps(status_row(d)) for d in docs])


def status_rows(repo: Repository, today: date | None = None) -> list[dict[str, Any]]:
    """What ``gkctl status`` shows of every document in its table (``status_row`` of each)."""
    today = today or datetime.now(BEIJING).date()
    rows, made = _cached_or_made(repo, today, lambda: cached_rows(repo.root, today))
    if rows is not None:
        return rows
    return [status_row(d) for d in json.loads(made or _refresh_in_memory(repo, today))["documents"]]


def _all_bytes(repo: Repository, today: date) -> bytes:
    """``{"documents": [...]}`` for every document at HEAD as UTF-8 (the cached text when current)."""
    text, made = _cached_or_made(repo, today, lambda: read_text(cache_path(repo.root, STATUS_CACHE),
                                                                 _cache_key(repo, today)[1]))  # fmt: skip
    return text if text is not None else made or _refresh_in_memory(repo, today)


T = TypeVar("T")


def _cached_or_made(repo: Repository, today: date, read: Callable[[], T | None]) -> tuple[T | None, bytes | None]:
    """``read()`` of the cache made current; (None, the text) when it had to be made in memory.

    An index that says current over a part that is gone or damaged is written whole again, once:
    without that, every later status would describe every document in memory.
    """
    for rebuild in (False, True):
        made = _refresh(repo, today, rebuild)
        if made is not None:
            return None, made
        got = read()
        if got is not None:
            return got, None
    return None, None


def _refresh_in_memory(repo: Repository, today: date) -> bytes:
    """The text without the cache (it changed under us between writing and reading it)."""
    analysis = analyse_head(repo.root)
    docs = analysis.documents
    parts = [_dumps(document_data(docs[p], analysis, today)) for p in docs]
    return PREFIX + SEP.join(parts) + SUFFIX


def write_status_json(repo: Repository, out: BinaryIO, today: date | None = None, tried: bool = False) -> None:
    """``status --format json`` of every document to ``out`` (the cached bytes when current;
    ``tried``: the caller found them not current a moment ago)."""
    today = today or datetime.now(BEIJING).date()
    if not tried and write_cached(repo.root, out, today):
        return
    done, made = _cached_or_made(repo, today, lambda: write_cached(repo.root, out, today) or None)
    if not done:
        out.write(made if made is not None else _refresh_in_memory(repo, today))


def status_json(repo: Repository, ref: str | None = None, today: date | None = None) -> str:
    """``status --format json`` text; for all documents it is the cached text itself."""
    today = today or datetime.now(BEIJING).date()
    if ref is None:
        return _all_bytes(repo, today).decode("utf-8")
    return json.dumps(status_data(repo, ref, today), ensure_ascii=False) + "\n"


def status_data(repo: Repository, ref: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Every document's status (or the one ``ref`` names), dates as ISO strings."""
    today = today or datetime.now(BEIJING).date()
    docs = json.loads(_all_bytes(repo, today))["documents"]
    if ref is not None:
        docs = [_pick(repo, docs, ref)]
    return {"documents": docs}


def _pick(repo: Repository, docs: list[dict[str, Any]], ref: str) -> dict[str, Any]:
    for d in docs:
        if d["id"] == ref or d["path"] == ref:
            return d
    try:
        path = repo.relpath(ref)
    except InputError:
        path = ref
    for d in docs:
        if d["path"] == path:
            return d
    raise InputError(t("repo.no_document", ref=ref))


def _resolve(repo: Repository, analysis: Analysis, ref: str) -> DocState:
    by_id = analysis.by_id(ref)
    if by_id is not None:
        return by_id
    try:
        path = repo.relpath(ref)
    except InputError:
        path = ref
    if path in analysis.documents:
        return analysis.documents[path]
    raise InputError(t("repo.no_document", ref=ref))


def log_data(repo: Repository, ref: str) -> dict[str, Any]:
    """The document's history: content changes and steps, oldest first, each with its signer."""
    analysis = analyse(repo.root)
    st = _resolve(repo, analysis, ref)
    trust = analysis.trust
    policy = trust.head_policy
    problems = analysis.problem_of
    entries = []
    for sha, _pid, _time in st.changes:
        rec = trust.hist.by_id[sha]
        actor = trust.actor(rec)
        entries.append((trust.pos[sha], {
            "commit": sha, "when": _when(rec.committer_time), "kind": "change", "step": rec.step,
            "label": t("workflow.log.change") if rec.step != "correct" else _label(policy, "correct"),
            "person": actor.person.id if actor.person else None,
            "name": actor.person.name if actor.person else None,
            "verdict": None, "subject": rec.subject, "opinion": _opinion(_body(rec.message)),
            "signature": "good" if actor.key else "bad",
            "problem": t(actor.problem, detail=actor.detail) if actor.problem else None,
        }))  # fmt: skip
    seen = {sha for sha, _, _ in st.changes}
    for ev in st.events:
        if ev.commit in seen:
            continue
        rec = trust.hist.by_id[ev.commit]
        actor = trust.actor(rec)
        kind, detail = (ev.problem, ev.problem_detail) if ev.problem else problems.get(ev.commit, (None, ""))
        entries.append((trust.pos[ev.commit], {
            "commit": ev.commit, "when": _when(ev.time), "kind": "step", "step": ev.step,
            "label": _label(policy, ev.step), "person": ev.person, "name": ev.name, "verdict": ev.verdict,
            "subject": rec.subject, "signature": "good" if actor.key else "bad",
            "problem": t(kind, detail=detail) if kind else None, "opinion": _opinion(ev.message),
        }))  # fmt: skip
    entries.sort(key=lambda e: e[0])
    return {"id": st.doc_id, "path": st.path, "entries": [e for _, e in entries]}
