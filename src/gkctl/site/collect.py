"""Gather what one build renders, from git objects at REV only (never the working tree).

Input is what ``publish`` recorded (``gkctl.trail.workflow.publications``): for each published
document the blob that was approved, the commit whose tree holds its attachments, and its
state. A withdrawn document contributes only its 索引号 and public notice: its blob is never
read. As a second line of defence a blob whose front matter is not 主动公开, or whose
category has no column, is left out and reported.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gkctl import __version__
from gkctl.core.document import parse_document
from gkctl.core.errors import RuleError
from gkctl.core.heap import trim
from gkctl.core.i18n import t
from gkctl.core.policy import SITE_TEMPLATE_DIR as TEMPLATE_DIR
from gkctl.core.policy import Policy, load_policy_from_files
from gkctl.core.rules import safe_repo_path
from gkctl.site.cache import BodyCache, Rendered
from gkctl.site.markdown import config_hash, plain_text, render_markdown, summary_of
from gkctl.site.model import (
    NO_BODY,
    REPEALED,
    VALID,
    WITHDRAWN,
    Bodies,
    Body,
    BodyValue,
    Column,
    FetchBodies,
    SiteAttachment,
    SiteDocument,
    SiteInput,
    SiteOrg,
    safe_attachment_name,
)
from gkctl.site.render import Progress, TemplateSet, doc_digests, load_templates
from gkctl.site.search import tokens
from gkctl.trail.cache import load_marshal, save_marshal
from gkctl.trail.gitutil import cat_objects, git, git_bytes, rev_parse
from gkctl.trail.incremental import analyse_head
from gkctl.trail.witness import witness_tip
from gkctl.trail.workflow import Brief, PublicationRecord, Since, brief_of

PUBLIC = "主动公开"
PARALLEL_FROM = 100  # bodies to render before starting worker processes is worth it
SPAWN_FROM = 2000  # bodies to render before fresh worker processes are worth their start-up (see _renderer)
MEMO = "collected-v1.marshal"
MEMO_FORMAT = 4  # bump when ``Memo``'s fields or their meaning change
MEMO_SLACK = 32  # documents changed (or bodies rendered) since the memo before it is written again
MEMO_COMMITS = 64  # commits since the memo before it is written again


@dataclass(frozen=True, slots=True)
class Collected:
    site: SiteInput
    templates: TemplateSet
    policy_digest: str
    warnings: tuple[str, ...]
    fetch_many: Callable[[list[str]], dict[str, bytes]]


def cat_batch(root: Path, names: Iterable[str]) -> list[tuple[str, bytes] | None]:
    """Blobs by name (ids or ``rev:path``), in order: (oid, content), or None when absent or not a blob."""
    return [(f[0], f[2]) if f and f[1] == "blob" else None for f in cat_objects(root, names)]


def blob_sizes(root: Path, names: list[str]) -> list[tuple[str, int] | None]:
    """``--batch-check`` for ``rev:path`` names: (blob id, size) or None when absent."""
    if not names:
        return []
    out = git(root, "cat-file", "--batch-check", input="".join(n + "\n" for n in names))
    results: list[tuple[str, int] | None] = []
    for line in out.splitlines():
        parts = line.split(" ")
        results.append((parts[0], int(parts[2])) if len(parts) == 3 and parts[1] == "blob" else None)
    return results


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def render_blob(raw: bytes, path: str) -> Rendered:
    doc = parse_document(raw, path)
    html = render_markdown(doc.body)
    text = plain_text(html)
    meta = {
        "title": doc.title,
        "doc_number": str(doc.get("doc_number") or ""),
        "category": doc.category,
        "attribute": doc.attribute,
        "formed": _iso(doc.formed),
        "summary": str(doc.get("summary") or "") or summary_of(text),
        "attachments": [[a.file, a.title] for a in doc.attachments],
    }
    return Rendered(html, text, json.dumps(meta, ensure_ascii=False, sort_keys=True), " ".join(sorted(tokens(text))))


def collect(
    root: Path, rev: str = "HEAD", base_url: str = "", cache_dir: Path | None = None, progress: Progress | None = None
) -> Collected:
    """Everything the site shows at ``rev``, read from git objects; bodies via the cache."""

    commit = rev_parse(root, rev)
    build_time = datetime.fromisoformat(git(root, "show", "-s", "--format=%cI", commit).strip())
    # Policy and templates as an admin last put them in force, never a clerk's unauthorised edit.
    analysis = analyse_head(root, commit)
    config = dict(analysis.trust.effective_files(commit) or ())
    blobs = dict(zip(config, cat_batch(root, [config[p] for p in config]), strict=True))
    contents = {p: b[1] for p, b in blobs.items() if b is not None}
    policy = load_policy_from_files({p: d for p, d in contents.items() if not p.startswith(TEMPLATE_DIR)})
    overrides = {p[len(TEMPLATE_DIR) :]: d for p, d in contents.items() if p.startswith(TEMPLATE_DIR)}
    templates = load_templates(overrides)
    policy_digest = hashlib.sha256(
        "".join(f"{p}\0{o}\n" for p, o in sorted(config.items()) if not p.startswith(TEMPLATE_DIR)).encode()
    ).hexdigest()

    memo_tip = witness_tip(root)
    renderer = config_hash()
    memo = _load_memo(cache_dir, memo_tip, renderer)  # (build_site pauses the cyclic collector throughout)
    briefs, read, behind = _briefs(analysis, commit, memo)
    records = [b[2] for b in briefs.values() if b[2] is not None]  # what workflow.publications gives
    _refuse_shared_ids(records)
    docs_tree, private = _non_public(root, analysis, commit, briefs, memo)
    hidden = {blob: path for path, blob in sorted(private.items())}
    del analysis  # hundreds of MB on a big history; bodies rendered next need the room (see _metas)
    live = [r for r in records if r.state != "withdrawn"]
    cache = BodyCache(cache_dir, renderer)
    try:
        metas, fresh, rendered = _metas(root, live, cache, progress, memo.metas if memo is not None else {})
    finally:
        cache.close()
    warnings: list[str] = []
    documents: list[SiteDocument] = []
    sizes = _attachment_blobs(root, records, metas, policy, hidden)
    shown: dict[str, tuple[str, str]] = {}  # source -> (blob, path) of every body the site may show
    # A body's text stays '' as it always has here: search snippets are cut from the HTML without its title.
    bodies = Bodies(_body_fetcher(root, cache_dir, renderer, shown, metas), fresh)
    # A document whose brief is the memo's, under the same policy and renderer, is the memo's
    # document (made from the same record, front matter and attachments), with its digests.
    kept = memo.entries if memo is not None and memo.policy_digest == policy_digest and memo.renderer == renderer else {}
    entries: dict[str, Entry] = {}
    digests: dict[str, tuple[str, str]] = {}
    for path, brief in briefs.items():
        rec = brief[2]
        if rec is None:
            continue
        entry = kept.get(path) if memo is not None and memo.briefs.get(path) is brief else None
        doc = _from_entry(entry, bodies) if entry is not None else None
        if doc is not None and entry is not None:
            entries[path] = entry
            digests[doc.doc_id] = (entry[-2], entry[-1])
        else:
            meta = metas.get(rec.blob) if rec.state != "withdrawn" else None
            body = Body(source=f"{rec.blob}:{renderer}", bodies=bodies)
            doc = _site_document(rec, meta, policy, sizes, warnings, body)
        if doc is not None:
            documents.append(doc)
            if not doc.withdrawn:
                shown[doc.body.source] = (rec.blob, rec.path)
    # A memo a few documents behind serves as well (the analysis names what changed since): it
    # is written again only once that is more than a few, as it is the size of the whole site,
    # or once the commits since it are more than a few dozen (each build reads them all from git
    # to learn what changed: ~1 ms a commit at district size, and register commits change no
    # document, so the memo could fall 400 commits behind).
    if memo is None or memo.renderer != renderer or read is None or read > MEMO_SLACK or rendered > MEMO_SLACK \
            or behind > MEMO_COMMITS or memo.policy_digest != policy_digest:  # fmt: skip
        by_path = {brief[2].doc_id: path for path, brief in briefs.items() if brief[2] is not None}
        for doc in documents:
            path = by_path[doc.doc_id]
            if path not in entries:
                entries[path] = _entry(doc)
        _save_memo(cache_dir, Memo(commit, memo_tip, briefs, renderer, metas, docs_tree, private, policy_digest,
                                   entries))  # fmt: skip
    del briefs
    site = SiteInput(
        org=_org(policy),
        columns=tuple(Column(c.id, c.name, c.parent) for c in policy.columns.columns.values()),
        documents=tuple(documents),
        build_time=build_time,
        rev=commit,
        base_url=base_url,
        policy_digest=policy_digest,
        digests=digests,
    )

    def fetch_many(ids: list[str]) -> dict[str, bytes]:
        found = cat_batch(root, ids)
        missing = [i for i, f in zip(ids, found, strict=True) if f is None]
        if missing:
            raise RuleError(t("site.missing_object", rev=commit[:12], what=missing[0]))
        return {f[0]: f[1] for f in found if f is not None}

    return Collected(site, templates, policy_digest, tuple(warnings), fetch_many)


def _org(policy: Policy) -> SiteOrg:
    org = policy.org
    f = org.footer
    return SiteOrg(
        org.name, org.code, org.site_title, org.site_url, host=f.host or org.name, identifier=f.identifier,
        icp=f.icp, police=f.police, contact=f.contact, supervision=f.supervision, feedback=f.feedback,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Memo:
    """What the last build read at ``commit``, so the next one reads only what changed since.

    ``briefs`` are the analysis' at ``commit`` (with the witness log at ``witness``: a new record
    can re-date old commits); a later build takes them for every document the analysis says
    cannot have changed since. ``metas`` are the front matters of the bodies it showed, by blob
    (a function of the blob and the ``renderer``): the next build reads only new blobs' from the
    body cache.
    """

    commit: str
    witness: str | None
    briefs: dict[str, Brief]
    renderer: str = ""
    metas: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    docs_tree: str = ""  # the tree of ``docs/`` at ``commit``, and its files that are not 主动公开
    private: dict[str, str] = dataclasses.field(default_factory=dict)
    policy_digest: str = ""  # the policy ``entries`` were made under
    entries: dict[str, Entry] = dataclasses.field(default_factory=dict)  # path -> its site document (``_entry``)


def _load_memo(folder: Path | None, witness: str | None, renderer: str) -> Memo | None:
    """The memo (plain values, checksummed), or None when missing, damaged, of another code or log.

    Front matters rendered by another renderer are left out (their summaries may differ)."""
    raw = load_marshal(folder / MEMO) if folder is not None else {}
    try:
        if raw.get("format") != MEMO_FORMAT or raw.get("code") != __version__ or raw.get("witness") != witness:
            return None
        briefs = {p: (b, a, _record(r) if r is not None else None) for p, (b, a, r) in raw["briefs"].items()}
        same = raw.get("renderer") == renderer
        metas = raw["metas"] if same else {}
        if not isinstance(metas, dict) or not all(isinstance(m, dict) for m in metas.values()):
            return None
        private, entries = raw["private"], raw["entries"] if same else {}
        if not isinstance(private, dict) or not isinstance(raw["docs_tree"], str) or not isinstance(entries, dict):
            return None
        return Memo(raw["commit"], witness, briefs, renderer if same else "", metas, raw["docs_tree"], private,
                    str(raw["policy_digest"]), entries)  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


def _save_memo(folder: Path | None, memo: Memo) -> None:
    if folder is None:
        return
    briefs = {p: (b, a, _fields(r) if r is not None else None) for p, (b, a, r) in memo.briefs.items()}
    save_marshal(folder / MEMO, {"format": MEMO_FORMAT, "code": __version__, "commit": memo.commit,
                                 "witness": memo.witness, "briefs": briefs, "renderer": memo.renderer,
                                 "metas": memo.metas, "docs_tree": memo.docs_tree,
                                 "private": memo.private, "policy_digest": memo.policy_digest,
                                 "entries": memo.entries})  # fmt: skip


_DATES = ("published_at", "notice_date", "published_claimed")


def _fields(rec: PublicationRecord) -> tuple[Any, ...]:
    return tuple(getattr(rec, f).toordinal() if f in _DATES and getattr(rec, f) is not None else getattr(rec, f)
                 for f in _RECORD_FIELDS)  # fmt: skip


def _record(values: tuple[Any, ...]) -> PublicationRecord:
    """The record of ``_fields``, made as unpickling makes one (its ``__init__`` costs most here)."""
    if len(values) != len(_RECORD_FIELDS):
        raise ValueError("a publication record of another shape")
    kw = dict(zip(_RECORD_FIELDS, values, strict=True))
    for f in _DATES:
        if kw[f] is not None:
            kw[f] = date.fromordinal(kw[f])
    rec: PublicationRecord = object.__new__(PublicationRecord)
    rec.__dict__.update(kw)
    return rec


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(PublicationRecord))


def _briefs(analysis: Any, commit: str, memo: Memo | None) -> tuple[dict[str, Brief], int | None, int]:
    """Every document's brief (blob, attribute, publication), from the memo where nothing changed,
    how many were read from the analysis (None: all of them), and how many commits lie between
    the memo's and ``commit`` (0 when all were read).

    The analysis names the documents whose state may differ since the memo's commit; when it
    cannot tell (None), or names none of a document the memo lacks, every brief is read.
    """
    if memo is None:
        return dict(analysis.briefs()), None, 0
    since: Since | None = Since(frozenset(), 0)
    if memo.commit != commit:
        since = analysis.changed_since(memo.commit) if analysis.changed_since is not None else None
    order = list(analysis.documents)  # the analysis' order, without reading any state
    if since is None or any(p not in memo.briefs and p not in since.paths for p in order):
        return dict(analysis.briefs()), None, 0
    changed = since.paths
    briefs = {p: brief_of(analysis.documents[p]) if p in changed else memo.briefs[p] for p in order}
    return briefs, len(changed), since.commits


def _metas(
    root: Path, records: list[Any], cache: BodyCache, progress: Progress | None, known: dict[str, dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, BodyValue], int]:
    """Front matter of every record's blob (blob -> fields), the bodies rendered now that the
    cache could not take (by source), and how many were rendered (cache misses).

    ``known`` (the last build's) answers first; a cached body's HTML, text and tokens are not
    read here: only pages rendered again need them. A body rendered now goes to the cache as its
    chunk is done and only its front matter stays (a cold district build held 43,000 bodies).
    """
    wanted = sorted({r.blob for r in records})
    found: dict[str, dict[str, Any] | None] = {b: known[b] for b in wanted if b in known}
    found.update((b, _meta(m)) for b, m in cache.get_meta_many([b for b in wanted if b not in found]).items())
    missing = [b for b in wanted if found.get(b) is None]
    if missing:
        gc.collect()  # what is left of the analysis, freed before rendering bodies (a warm build renders none)
    metas = {b: m for b, m in found.items() if m is not None}
    kept: dict[str, BodyValue] = {}

    def done(chunk: dict[str, Rendered]) -> None:
        if not cache.put_many(chunk):  # no cache: the build keeps the bodies it rendered
            kept.update((f"{b}:{cache.renderer}", (r.html, "", r.tokens)) for b, r in chunk.items())
        metas.update((b, json.loads(r.meta)) for b, r in chunk.items())

    _render_blobs(root, missing, {r.blob: r.path for r in records}, progress, done)
    return metas, kept, len(missing)


def _meta(raw: str) -> dict[str, Any] | None:
    """A cached front matter, or None when it is not what ``render_blob`` writes (the body is rendered again)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _render_blobs(root: Path, blobs: list[str], paths: dict[str, str], progress: Progress | None,
                  done: Callable[[dict[str, Rendered]], None]) -> None:  # fmt: skip
    """Bodies of ``blobs`` rendered and given to ``done`` 500 at a time (a district's would not fit at once)."""
    count = 0
    with _renderer(len(blobs)) as render:
        for start in range(0, len(blobs), 500):
            chunk = blobs[start : start + 500]
            items = []
            for blob, got in zip(chunk, cat_batch(root, chunk), strict=True):
                if got is None:
                    raise RuleError(t("site.missing_object", rev="", what=f"{paths[blob]} ({blob[:12]})"))
                items.append((blob, got[1], paths[blob]))
            done(render(items))
            count += len(chunk)
            if progress:
                progress("bodies", count, len(blobs))


def _body_fetcher(
    root: Path, cache_dir: Path | None, renderer: str, shown: dict[str, tuple[str, str]], metas: dict[str, dict[str, Any]]
) -> FetchBodies:
    """Reads bodies when a page needs them: from the cache when its front matter is the one this
    build checked, else rendered from the blob. Only the bodies of documents the site shows."""

    cache: list[BodyCache] = []  # opened on first use, once: a template may read bodies one by one

    def fetch(sources: list[str]) -> dict[str, BodyValue]:
        unknown = [s for s in sources if s not in shown]
        if unknown:
            raise RuleError(t("site.missing_object", rev="", what=unknown[0]))
        blobs = {shown[s][0]: s for s in sources}
        if not cache:
            cache.append(BodyCache(cache_dir, renderer))
        found = cache[0].get_many(blobs)
        found = {b: r for b, r in found.items() if _meta(r.meta) == metas.get(b)}
        fresh: dict[str, Rendered] = {}
        _render_blobs(root, [b for b in blobs if b not in found], {b: shown[s][1] for b, s in blobs.items()}, None,
                      fresh.update)  # fmt: skip
        cache[0].put_many(fresh)
        for blob, r in fresh.items():
            if json.loads(r.meta) != metas.get(blob):  # the cache changed under this build: its checks do not hold
                raise RuleError(t("site.missing_object", rev="", what=f"{shown[blobs[blob]][1]} ({blob[:12]})"))
        return {blobs[b]: (r.html, "", r.tokens) for b, r in {**found, **fresh}.items()}

    return fetch


def _render_one(item: tuple[str, bytes, str]) -> tuple[str, Rendered]:
    return item[0], render_blob(item[1], item[2])


RenderMany = Callable[[list[tuple[str, bytes, str]]], dict[str, Rendered]]


@contextmanager
def _renderer(count: int) -> Iterator[RenderMany]:
    """What renders ``count`` bodies: this process, or (Markdown is the dominant cost of a cold
    build) worker processes on every core, one pool for all of them.

    Many bodies (a cold build's) go to workers started fresh (``spawn``), each importing the
    renderer (~40 MB, ~0.3 s). Forked, they began as this process, which holds every document's
    state by then, and a worker's reads (a reference count, a pass of the cyclic collector) copy
    the pages it shares: a forked pool kept for a 10k cold build took its peak from 314 to
    350–359 MB. A few hundred (pages asking for bodies the cache lost, a chunk at a time) go to
    forked workers, whose start costs nothing and who live too briefly to copy much.
    """
    workers = min(4, os.cpu_count() or 1)
    if workers < 2 or count < PARALLEL_FROM:
        yield lambda items: dict(map(_render_one, items))
        return
    import multiprocessing  # a warm build renders none: not imported for it
    from concurrent.futures import ProcessPoolExecutor

    forked = count < SPAWN_FROM and "fork" in multiprocessing.get_all_start_methods()
    if forked:
        trim()  # the workers must not each keep copies of pages the build goes on to reuse
    context = multiprocessing.get_context("fork" if forked else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield lambda items: dict(pool.map(_render_one, items, chunksize=32))


def _refuse_shared_ids(records: list[Any]) -> None:
    """Two publications under one document id would share a page: name both files."""
    seen: dict[str, str] = {}
    for rec in records:
        other = seen.setdefault(rec.doc_id, rec.path)
        if other != rec.path:
            raise RuleError(t("site.duplicate_doc_paths", doc=rec.doc_id, first=other, second=rec.path), rec.path)


def _non_public(root: Path, analysis: Any, commit: str, briefs: Any, memo: Memo | None) -> tuple[str, dict[str, str]]:
    """The tree of ``docs/`` at ``commit`` and path → blob of each document in it that is not
    主动公开 (or cannot be read).

    The analysis knows each document's attribute; a file it does not describe as it is in the
    tree is parsed here (the tree, not the analysis, is what the bytes could be copied from).
    An attribute is the blob's own, so the answer is the tree's: the last build's is taken when
    the tree is the same, and brought up to date by the two trees' difference when it is not.
    """
    trust = analysis.trust
    tree = git(root, "rev-parse", "-q", "--verify", f"{commit}:docs", check=False).strip()
    if memo is not None and memo.docs_tree and tree:
        if memo.docs_tree == tree:
            return tree, memo.private
        files = _tree_changes(root, memo.docs_tree, tree)
        private = {p: b for p, b in memo.private.items() if p not in files}
    else:
        files, private = trust.tree_files(commit, "docs/"), {}
    present = {p: b for p, b in files.items() if b is not None}
    trust.documents([(b, p) for p, b in present.items() if p not in briefs or briefs[p][0] != b])
    for path, blob in present.items():
        brief = briefs.get(path)
        if brief is not None and brief[0] == blob:
            attribute = brief[1]
        else:
            doc = trust.document(blob, path)
            attribute = doc.attribute if doc is not None else None
        if attribute != PUBLIC:
            private[path] = blob
    return tree, private


def _tree_changes(root: Path, old: str, new: str) -> dict[str, str | None]:
    """The Markdown files of ``docs/`` that differ between two of its trees: path → new blob,
    None where it is gone (or is no longer a file)."""
    out = git_bytes(root, "diff-tree", "-r", "-z", "--no-renames", old, new)
    fields = out.split(b"\0")
    changes: dict[str, str | None] = {}
    for meta, raw in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        path = "docs/" + raw.decode("utf-8", "surrogateescape")
        if len(parts) == 5 and path.endswith(".md"):
            changes[path] = parts[3].decode() if parts[1] != b"000000" and parts[1] != b"160000" else None
    return changes


def _attachment_blobs(
    root: Path, records: list[Any], metas: dict[str, dict[str, Any]], policy: Policy, hidden: dict[str, str]
) -> dict[str, tuple[str, int]]:
    """Blob id and size of every attachment, ``commit:path`` → (blob, size), in one git call.

    A second line behind validation and the workflow: an attachment outside the attachment
    folder, of a type not allowed, or whose bytes are a non-public document stops the build.
    """
    names: list[str] = []
    owner: dict[str, tuple[str, str]] = {}
    rule = policy.org.attachments
    for rec in records:
        meta = metas.get(rec.blob)
        if rec.state == "withdrawn" or meta is None:
            continue
        for file, _ in meta.get("attachments", []):
            norm = safe_repo_path(file)
            if norm is None or "\n" in norm:
                raise RuleError(t("site.bad_attachment", file=file), rec.path)
            code = rule.problem(norm)
            if code is not None:
                raise RuleError(t(code, file=file, root=rule.root, types="、".join(rule.types)), rec.path)
            names.append(f"{rec.commit}:{norm}")
            owner[f"{rec.commit}:{norm}"] = (rec.path, file)
    names = sorted(set(names))
    found = {n: got for n, got in zip(names, blob_sizes(root, names), strict=True) if got is not None}
    for name, (blob, _) in found.items():
        if blob in hidden:
            path, file = owner[name]
            raise RuleError(t("site.attachment_is_document", file=file, other=hidden[blob]), path)
    return found


def _site_document(
    rec: Any, meta: dict[str, Any] | None, policy: Policy, sizes: dict[str, tuple[str, int]], warnings: list[str],
    body: Body,
) -> SiteDocument | None:
    org = policy.org
    if rec.state == "withdrawn":
        return SiteDocument(
            doc_id=rec.doc_id, index_number=rec.index_number, title="", doc_number="", category="", column="",
            genre="", topic="", publisher=org.name, validity=WITHDRAWN, formed=None, published_at=rec.published_at,
            notice=rec.notice or "", notice_date=rec.notice_date,
        )  # fmt: skip
    if meta is None:
        return None
    if meta.get("attribute") != PUBLIC:
        warnings.append(t("site.skip_not_public", path=rec.path, attribute=meta.get("attribute") or "—"))
        return None
    category = policy.columns.category(meta.get("category", ""))
    if category is None or category.column is None:
        warnings.append(t("site.skip_no_column", path=rec.path, category=meta.get("category") or "—"))
        return None
    formed = meta.get("formed")
    return SiteDocument(
        doc_id=rec.doc_id,
        index_number=rec.index_number,
        title=meta.get("title") or rec.doc_id,
        doc_number=meta.get("doc_number", ""),
        category=category.name,
        column=category.column,
        genre=category.genre,
        topic=category.topic,
        publisher=org.name,
        validity=REPEALED if rec.state == "repealed" else VALID,
        formed=date.fromisoformat(formed) if formed else None,
        published_at=rec.published_at,
        body=body,
        summary=meta.get("summary", ""),
        attachments=_attachments(rec, meta.get("attachments", []), sizes),
        notice=(rec.notice or "") if rec.state == "repealed" else "",
        notice_date=rec.notice_date if rec.state == "repealed" else None,
        normative=category.normative,
    )


def _attachments(rec: Any, items: list[list[str]], sizes: dict[str, tuple[str, int]]) -> tuple[SiteAttachment, ...]:
    out: list[SiteAttachment] = []
    used: set[str] = set()
    for i, (file, title) in enumerate(items, start=1):
        got = sizes.get(f"{rec.commit}:{safe_repo_path(file)}")
        if got is None:
            raise RuleError(t("site.missing_object", rev=rec.commit[:12], what=file), rec.path)
        name = safe_attachment_name(file, f"attachment-{i}")
        if name in used:
            name = f"{i}-{name}"
        used.add(name)
        out.append(SiteAttachment(title or name, name, got[0], got[1]))
    return tuple(out)


Entry = tuple[Any, ...]  # a site document's fields as plain values, its body's source, and its two digests


def _entry(doc: SiteDocument) -> Entry:
    """``doc`` as the memo keeps it (dates by ordinal, attachments as tuples), with ``doc_digests``."""
    fields, whole = doc_digests(doc)
    return (
        doc.doc_id, doc.index_number, doc.title, doc.doc_number, doc.category, doc.column, doc.genre, doc.topic,
        doc.publisher, doc.validity, doc.formed.toordinal() if doc.formed else None, doc.published_at.toordinal(),
        doc.summary, tuple((a.title, a.name, a.blob, a.size) for a in doc.attachments), doc.notice,
        doc.notice_date.toordinal() if doc.notice_date else None, doc.normative, doc.body.source, fields, whole,
    )  # fmt: skip


def _from_entry(entry: Entry, bodies: Bodies) -> SiteDocument | None:
    """The document of ``_entry`` (None when the entry is not one: the document is made again)."""
    try:
        (doc_id, index_number, title, doc_number, category, column, genre, topic, publisher, validity, formed,
         published, summary, attachments, notice, notice_date, normative, source, fields, whole) = entry  # fmt: skip
        if not (isinstance(fields, str) and isinstance(whole, str) and isinstance(source, str)):
            return None
        return SiteDocument(
            doc_id, index_number, title, doc_number, category, column, genre, topic, publisher, validity,
            date.fromordinal(formed) if formed is not None else None, date.fromordinal(published),
            Body(source=source, bodies=bodies) if source else NO_BODY, summary,
            tuple(SiteAttachment(*a) for a in attachments), notice,
            date.fromordinal(notice_date) if notice_date is not None else None, normative,
        )  # fmt: skip
    except (TypeError, ValueError):
        return None
