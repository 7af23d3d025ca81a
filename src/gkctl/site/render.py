"""Pages of the site from a ``SiteInput``: jinja2 with autoescape everywhere, relative links.

Every link is relative (``root`` is ``../`` per folder level), so the site opens from a
folder, a USB stick or any path on the portal. Output is a function of the input only:
lists are sorted, JSON keys are sorted, the one date shown is the REV's commit date.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import operator
import re
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import markupsafe
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from gkctl import __version__
from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.resources import data_dir
from gkctl.site import items, manifest, search
from gkctl.site.cache import CompiledTemplates
from gkctl.site.loops import LoopRows
from gkctl.site.manifest import Encoded
from gkctl.site.markdown import drop_title, plain_text
from gkctl.site.model import Column, SiteAttachment, SiteDocument, SiteInput, SiteOrg, prefetch_bodies, safe_slug
from gkctl.site.output import Staging, check_rel_path

PAGE_SIZE = 20
HOME_ITEMS = 8
FEED_ITEMS = 50
APPLICATION_FORM_WORD = "申请表"  # an attachment so named is offered on the 依申请公开 page
GOV_MARK = "static/dzjg.png"  # the 党政机关网站标识 image, when the bureau adds it to its templates
BEIJING = timezone(timedelta(hours=8))

Progress = Callable[[str, int, int], None]  # (phase, done, total): "bodies" then "pages"
FetchMany = Callable[[list[str]], dict[str, bytes]]


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """The site templates and static files: the package's, overridden by the bureau's."""

    files: dict[str, bytes]
    digest: str


def load_templates(overrides: dict[str, bytes] | None = None) -> TemplateSet:
    """Package ``templates/site/`` merged with ``overrides`` (paths relative to that folder)."""
    base = data_dir("templates") / "site"
    files = {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}
    for name, data in (overrides or {}).items():
        files[check_rel_path(name)] = data
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return TemplateSet(files, h.hexdigest())


@dataclass(frozen=True, slots=True)
class ColumnView:
    slug: str
    name: str
    url: str
    depth: int
    count: int
    intro: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class RenderStats:
    pages: int
    documents: int
    withdrawn: int
    attachments: int
    rendered: int  # pages actually rendered (the others' inputs were unchanged)
    rendered_pages: tuple[str, ...] = ()
    search_segments: int = 0  # search segments inverted again (the others came from the cache)


def _filesize(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _plain_names(cls: type) -> frozenset[str]:
    """The public data attributes of one of the site's dataclasses: its fields and properties."""
    names = {f.name for f in dataclasses.fields(cls)} | {n for n, v in vars(cls).items() if isinstance(v, property)}
    return frozenset(n for n in names if not n.startswith("_"))


_DICT_NAMES = frozenset(dir(dict))


_new_str = str.__new__


def _escape(value: Any) -> Markup:
    """``markupsafe.escape``, the same result, a third of the time for a plain string.

    Every ``{{ }}`` of an autoescaping template calls it; a column page ~170 times. markupsafe's
    own builds its result through ``Markup.__new__`` (Python); a plain string's escaped text is
    made here with the replacements markupsafe's pure-Python fallback makes, in its order, and
    wrapped as a ``Markup`` directly. Anything else (``Markup``, numbers, dates) is markupsafe's.
    """
    if type(value) is str:
        text = value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        return _new_str(Markup, text.replace("'", "&#39;").replace('"', "&#34;"))
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A compiled template whose output expressions escape with ``_escape``.

    The compiled code binds jinja2's runtime ``escape`` (markupsafe's) in its module namespace;
    only that name is replaced, so a jinja2 that binds it otherwise keeps its own.
    """

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any, globals: Any) -> jinja2.Template:
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = _escape
        return super()._from_namespace(environment, namespace, globals)


class _Sandbox(SandboxedEnvironment):
    """The sandbox, answering ahead what it would answer for the site's own plain values.

    Its check of every attribute a template reads was most of the time spent rendering a
    list page. A field or property of the site's dataclasses (or a date's year, month, day) is
    never internal, never starts with an underscore and never holds ``str.format``, so the check
    would pass it: it is read directly. A dict's key that is not a dict attribute is looked up as
    the sandbox would after failing the attribute. Anything else takes the sandbox's own path.
    """

    template_class = _Template
    guard_bodies = False  # while set, a template reading a document's body raises ``BodyRead``

    def getattr(self, obj: Any, attribute: str) -> Any:
        cls = type(obj)
        names = _PLAIN.get(cls)
        if names is not None and attribute in names:
            if self.guard_bodies and cls is SiteDocument and attribute in _BODY_NAMES:
                raise BodyRead(attribute)
            return getattr(obj, attribute)
        if cls is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except LookupError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """The sandbox's answer; a body read by subscript or ``attr`` is guarded as ``getattr`` guards it."""
        if self.guard_bodies and type(obj) is SiteDocument and attr in _BODY_NAMES:
            raise BodyRead(attr)
        return bool(super().is_safe_attribute(obj, attr, value))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A date's ``isoformat()`` is called directly (it takes no context and is safe)."""
        if type(__obj) is types.BuiltinMethodType and type(__obj.__self__) is date and __obj.__name__ == "isoformat":
            kwargs.pop("_block_vars", None)  # what the context's call would drop
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)


class BodyRead(Exception):
    """A page keyed without documents' bodies read one: its keys must take the bodies."""


_BODY_NAMES = frozenset({"body", "body_html", "text", "tokens"})


def _env(templates: TemplateSet, cache_dir: Path | None = None) -> _Sandbox:
    """Autoescaping and sandboxed: a bureau's template override is content, not code.

    A clerk who commits ``templates/site/x.html`` must not reach Python (and through it the
    working tree or non-public blobs) from a template expression. With ``cache_dir`` the
    compiled templates are kept there by their source's digest (compiling them was ~0.1 s of
    every build); the sandbox is the environment's at run time, not the compiled code's.
    """
    sources = {n: d.decode("utf-8") for n, d in templates.files.items() if not n.startswith("static/")}
    folder = cache_dir / f"templates-{__version__}-{jinja2.__version__}" if cache_dir is not None else None
    env = _Sandbox(
        loader=jinja2.DictLoader(sources),
        bytecode_cache=CompiledTemplates(folder) if folder is not None else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["filesize"] = _filesize
    return env


def _render(env: jinja2.Environment, name: str, ctx: dict[str, object], loops: LoopRows | None = None) -> bytes:
    """One template, its errors (a bureau's override may be wrong) as ``InputError`` with file:line.

    With ``loops``, its long simple loops come an iteration at a time from the kept rows.
    """
    try:
        if loops is not None:
            return loops.render(name, ctx).encode("utf-8")
        return env.get_template(name).render(ctx).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/site/{exc.name or name}"
        raise InputError(t("site.template_error", path=where, detail=exc.message), where, exc.lineno) from None
    except jinja2.TemplateError as exc:
        where = f"templates/site/{name}"
        raise InputError(t("site.template_error", path=where, detail=str(exc)), where) from None


def _root(rel: str) -> str:
    return "../" * rel.count("/")


class _Site:
    """Derived views of one ``SiteInput`` (column tree, lists) shared by every page."""

    def __init__(self, site: SiteInput) -> None:
        self.site = site
        self.columns: dict[str, Column] = {}
        self._ancestry: dict[str, tuple[str, ...]] = {}
        for col in site.columns:
            if safe_slug(col.slug) != col.slug or col.slug in self.columns:
                raise RuleError(t("site.bad_column", column=col.slug))
            self.columns[col.slug] = col
        for col in site.columns:
            if col.parent is not None and col.parent not in self.columns:
                raise RuleError(t("site.bad_column", column=col.parent))
        self.children: dict[str | None, list[str]] = {}
        for col in site.columns:
            self.children.setdefault(col.parent, []).append(col.slug)
        seen: set[str] = set()
        for doc in site.documents:
            if doc.slug in seen:
                raise RuleError(t("site.duplicate_doc", doc=doc.doc_id))
            seen.add(doc.slug)
            if not doc.withdrawn and doc.column not in self.columns:
                raise RuleError(t("site.unknown_column", doc=doc.doc_id, column=doc.column))
        order = sorted(site.documents, key=lambda d: (d.published_at, d.index_number, d.doc_id), reverse=True)
        self.listed = [d for d in order if not d.withdrawn]
        self.withdrawn = [d for d in order if d.withdrawn]
        self.subtree_docs: dict[str, list[SiteDocument]] = {slug: [] for slug in self.columns}
        for doc in self.listed:
            for slug in self.ancestry(doc.column):
                self.subtree_docs[slug].append(doc)
        self.views = {slug: self._view(slug) for slug in self.columns}
        self.ancestry_text = {slug: " ".join(self.ancestry(slug)) for slug in self.columns}  # as lists show it
        self.tree_order = list(self._walk(None))
        self.top = [self.views[s] for s in self.children.get(None, [])]
        base = site.base_url or site.org.site_url
        self.base = base if not base or base.endswith("/") else base + "/"
        # the navigation as every page shows it: column counts only where a page shows them
        nav = json.dumps(
            [_nav_fields(v) for v in self.views.values()] + [dataclasses.asdict(site.org), self.base],
            ensure_ascii=False,
            sort_keys=True,
        )
        self.nav_digest = hashlib.sha256(nav.encode()).hexdigest()

    def ancestry(self, slug: str) -> tuple[str, ...]:
        """The column and its parents, nearest first (asked for several times per document)."""
        got = self._ancestry.get(slug)
        if got is None:
            out: list[str] = []
            cur: str | None = slug
            while cur is not None and cur not in out:
                out.append(cur)
                cur = self.columns[cur].parent
            got = self._ancestry[slug] = tuple(out)
        return got

    def _walk(self, parent: str | None) -> Iterable[str]:
        for slug in self.children.get(parent, []):
            yield slug
            yield from self._walk(slug)

    def _view(self, slug: str) -> ColumnView:
        col = self.columns[slug]
        return ColumnView(
            slug, col.name, f"col/{slug}/index.html", len(self.ancestry(slug)) - 1,
            len(self.subtree_docs[slug]), col.intro, col.parent,
        )  # fmt: skip

    def crumbs(self, slug: str) -> list[dict[str, str]]:
        return [{"name": self.views[s].name, "url": self.views[s].url} for s in reversed(self.ancestry(slug))]


_PLAIN: dict[type, frozenset[str]] = {cls: _plain_names(cls) for cls in (SiteDocument, SiteAttachment, SiteOrg, Column, ColumnView)}
_PLAIN[date] = frozenset({"year", "month", "day", "isoformat"})

COUNT_PAGES = ("column.html", "sitemap.html")  # they show counts of the views they are given, keyed by them
LOOP_PAGES = ("catalogue.html", "sitemap.xml")  # they list every document: their loops are rendered a row at a time


def _nav_fields(view: ColumnView) -> dict[str, object]:
    """A column as the navigation shows it (without the count of its documents)."""
    return {k: v for k, v in dataclasses.asdict(view).items() if k != "count"}


def render_site(
    site: SiteInput,
    templates: TemplateSet,
    staging: Staging,
    fetch_many: FetchMany,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> RenderStats:
    """Render every page of ``site`` into ``staging`` (which skips unchanged bytes).

    ``cache_dir`` holds the search segments' postings (optional: without it they are computed).
    """
    marker = cache_dir / f"{BODY_READS}-{templates.digest}" if cache_dir is not None else None
    listed = any(_BODY_READ.search(data) for name, data in templates.files.items()
                 if name.endswith((".html", ".xml")) and name not in BODY_PAGES)  # fmt: skip
    if not listed and marker is not None and marker.exists():
        listed = True  # a read seen while an earlier build rendered these templates
    try:
        return _render_site(site, templates, staging, fetch_many, progress, cache_dir, listed)
    except BodyRead:  # a body read that no spelling above shows: every page it wrote is written again
        if marker is not None:  # and the next build with these templates starts so (a lost marker costs a pass)
            with contextlib.suppress(OSError):
                for stale in marker.parent.glob(f"{BODY_READS}-*"):
                    stale.unlink()
                marker.touch()
        return _render_site(site, templates, staging, fetch_many, progress, cache_dir, True)


def _render_site(site: SiteInput, templates: TemplateSet, staging: Staging, fetch_many: FetchMany,
                 progress: Progress | None, cache_dir: Path | None, bodies_listed: bool) -> RenderStats:  # fmt: skip
    """``render_site``; with ``bodies_listed`` False, pages but a document's own are keyed without
    the documents' bodies and any read of one raises ``BodyRead``."""
    s = _Site(site)
    env = _env(templates, cache_dir)
    common = {
        "org": site.org,
        "top_columns": s.top,
        "gov_mark": GOV_MARK if GOV_MARK in templates.files else "",
    }
    pages = 0
    rendered: list[str] = []
    page_salt = templates.digest + s.nav_digest + site.policy_digest
    # A page's key is a hash of everything its template is given (a document by the hash of all
    # its fields), so a page is rendered again exactly when something it could show changed. The
    # body is shown on the document's own page; no other page of the package's templates reads it,
    # so their keys take a document without it (an edit of the text alone re-renders no list), unless
    # a bureau's template reads a body elsewhere.
    given = site.digests
    both = {d.doc_id: given.get(d.doc_id) or doc_digests(d) for d in site.documents}
    digests = {doc_id: whole for doc_id, (_, whole) in both.items()}
    listed = digests if bodies_listed else {doc_id: fields for doc_id, (fields, _) in both.items()}
    del both

    encoded: dict[object, object] = {}  # column views and such recur on every page: encode each once

    def encode(value: object) -> object:
        if isinstance(value, SiteDocument):
            return listed[value.doc_id]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            if value not in encoded:  # frozen dataclasses: equal values, equal encoding
                encoded[value] = dataclasses.asdict(value)
            return encoded[value]
        return str(value)

    # A page is keyed by what it shows. The default templates show a column's count only on the
    # column pages and the site map (views they are given), so one withdrawal does not touch every page's key through
    # the navigation; a bureau's templates that read ``count`` anywhere else key every page by it.
    counts_everywhere = any(re.search(rb"\.count\b|\[.count.\]", data) for name, data in templates.files.items()
                            if name.endswith(".html") and (name not in COUNT_PAGES or b"top_columns" in data))
    top_key = s.top if counts_everywhere else [_nav_fields(v) for v in s.top]

    # What every page is given alike is encoded (and hashed) once; a page's key adds what it is given itself.
    common_inputs = json.dumps({**common, "top_columns": top_key}, ensure_ascii=False, sort_keys=True, default=encode)
    head = hashlib.sha256((page_salt + common_inputs).encode())  # a key is a copy of it, updated

    def prepare(rel: str, template: str, keyed: dict[str, object] | None = None,
                **ctx: object) -> tuple[str, dict[str, object]] | None:  # fmt: skip
        """The page's context and key; None (and the page kept) when it was built from that key.

        ``keyed``: some of ``ctx``'s values as ``encode`` would give them, made once for many pages."""
        nonlocal pages
        pages += 1
        own = {"root": _root(rel), "crumbs": [], "active_columns": (), "page_kind": "", "page_url": s.base + rel,
               **ctx}  # fmt: skip
        inputs = json.dumps([template, {**own, **keyed} if keyed else own], ensure_ascii=False, sort_keys=True,
                            default=encode)  # fmt: skip
        h = head.copy()
        h.update(inputs.encode())
        key = h.hexdigest()
        return None if staging.reuse(rel, key) else (key, {**common, **own})

    rows = LoopRows(env, templates.digest, cache_dir, encode,
                    lambda v: listed[v.doc_id] if isinstance(v, SiteDocument) else None)  # fmt: skip

    def page(rel: str, template: str, keyed: dict[str, object] | None = None, **ctx: object) -> None:
        todo = prepare(rel, template, keyed, **ctx)
        if todo is not None:  # no list page of the package's templates shows a body: none is read here
            env.guard_bodies = not bodies_listed
            try:
                data = _render(env, template, todo[1], rows if template in LOOP_PAGES else None)
            finally:
                env.guard_bodies = False
            staging.write(rel, data, todo[0])
            rendered.append(rel)

    # A document page is given its column's context (the same for every document of the
    # column: encoded once) and the document (by its digest); its path gives ``root`` and ``page_url``.
    doc_parts: dict[tuple[bool, str], str] = {}

    def prepare_doc(doc: SiteDocument) -> str | None:
        nonlocal pages
        pages += 1
        part = doc_parts.get((doc.withdrawn, doc.column))
        if part is None:
            part = doc_parts[(doc.withdrawn, doc.column)] = json.dumps(
                [_doc_template(doc), _doc_context(s, doc)], ensure_ascii=False, sort_keys=True, default=encode
            )
        rel = doc.url
        h = head.copy()
        h.update("\0".join(("", part, rel, digests[doc.doc_id])).encode())
        key = h.hexdigest()
        return None if staging.reuse(rel, key) else key

    # Document pages: keys first, then the bodies of the pages to render in one read, then those.
    total = len(site.documents)
    todo: list[tuple[SiteDocument, str]] = []
    for doc in s.listed + s.withdrawn:
        got = prepare_doc(doc)
        if got is not None:
            todo.append((doc, got))
    done = total - len(todo)
    for start in range(0, len(todo), 200):
        chunk = todo[start : start + 200]
        prefetch_bodies(doc for doc, _ in chunk)
        for doc, key in chunk:  # the page's own context is made only now (a district's would not fit)
            ctx = {**common, **_doc_context(s, doc), "root": _root(doc.url), "page_url": s.base + doc.url, "doc": doc}
            if not doc.withdrawn:  # the body is the document's (keyed by it); the heading already shows the title
                ctx["body"] = Markup(drop_title(doc.body_html, doc.title))
            staging.write(doc.url, _render(env, _doc_template(doc), ctx), key)
            rendered.append(doc.url)
            done += 1
            if progress and (done % 50 == 0 or done == total):
                progress("pages", done, total)
    if progress and not todo and total:
        progress("pages", total, total)

    attachments = _write_attachments(s.listed, staging, fetch_many)

    blocks = [{"column": v, "docs": s.subtree_docs[v.slug][:HOME_ITEMS]} for v in s.top]
    # Only the home page and the 网站地图 show the REV's date (its Beijing calendar day, the same on
    # both): every other page changes only when what it shows does.
    build_date = site.build_time.astimezone(BEIJING).date().isoformat()
    page("index.html", "home.html", blocks=blocks, page_kind="home", build_date=build_date)
    forms = [
        {"doc": d, "attachment": a}
        for d in s.listed
        if not d.repealed
        for a in d.attachments
        if APPLICATION_FORM_WORD in a.title + a.name
    ][:3]
    for slug in s.tree_order:
        _column_pages(s, slug, page, forms, lambda docs: [listed[d.doc_id] for d in docs], encode)
    listing = [{"doc": d, "columns": s.ancestry_text[d.column]} for d in s.listed]
    years = sorted({d.published_at.year for d in s.listed}, reverse=True)
    all_columns = [s.views[slug] for slug in s.tree_order]
    page("xxgkml/index.html", "catalogue.html", rows=listing, years=years, all_columns=all_columns,
         page_kind="catalogue", crumbs=[{"name": "政府信息公开目录", "url": ""}])  # fmt: skip
    page("search.html", "search.html", page_kind="search", crumbs=[{"name": "站内搜索", "url": ""}],
         all_columns=all_columns, years=years)  # fmt: skip
    page("sitemap.html", "sitemap.html", page_kind="sitemap", crumbs=[{"name": "网站地图", "url": ""}],
         tree=_tree(s, None), build_date=build_date)  # fmt: skip
    notices = sorted(s.withdrawn, key=_notice_order, reverse=True)
    repealed = sorted((d for d in s.listed if d.repealed), key=_notice_order, reverse=True)
    page("notices/index.html", "notices.html", page_kind="notices", withdrawn=notices, repealed=repealed,
         crumbs=[{"name": "撤回和废止信息", "url": ""}])  # fmt: skip
    # The 404 page is served for any missing path, at any depth: its links start at the site's root.
    page("404.html", "404.html", root=urlsplit(s.base).path or "/")
    paths = {slug: "/".join(s.views[c].name for c in reversed(s.ancestry(slug))) for slug in s.views}
    lines = items.listed(s.listed + s.withdrawn, lambda d: paths[d.column], lambda d: listed[d.doc_id], cache_dir)
    machine = _write_machine_files(s, env, staging, lines, rows, page_salt)
    pages += len(machine.files)
    rendered.extend(machine.rendered)
    for name, data in sorted(templates.files.items()):
        if name.startswith("static/"):
            staging.write(name, data)
    salt = json.dumps([s.nav_digest])  # no template shapes the index: a new look re-inverts nothing
    by_id = {d.doc_id: d for d in s.listed}
    segments = search.write_index(staging, list(_search_entries(s, digests)), salt, cache_dir,
                                  prefetch=lambda ids: prefetch_bodies(by_id[i] for i in ids))  # fmt: skip
    manifest.write(staging, _manifest_head(s, lines.items), cache_dir)
    rows.save()
    pages += 1
    return RenderStats(
        pages, len(s.listed), len(s.withdrawn), attachments, len(rendered), tuple(rendered), segments
    )


def _doc_template(doc: SiteDocument) -> str:
    return "withdrawn.html" if doc.withdrawn else "document.html"


def _doc_context(s: _Site, doc: SiteDocument) -> dict[str, object]:
    """What a document's page is given besides the document and what its path gives."""
    if doc.withdrawn:
        return {"crumbs": [{"name": "信息已撤回", "url": ""}], "active_columns": (), "page_kind": ""}
    crumbs = [*s.crumbs(doc.column), {"name": "正文", "url": ""}]
    return {"crumbs": crumbs, "active_columns": s.ancestry(doc.column), "page_kind": "document"}


def _notice_order(doc: SiteDocument) -> tuple[date, str]:
    return (doc.notice_date or doc.published_at, doc.index_number)


def _tree(s: _Site, parent: str | None) -> list[dict[str, object]]:
    return [{"view": s.views[c], "children": _tree(s, c)} for c in s.children.get(parent, [])]


_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(SiteDocument) if f.init and f.name != "body")
_doc_values = operator.attrgetter(*_DOC_FIELDS)


def doc_digests(doc: SiteDocument) -> tuple[str, str]:
    """Hash of every field of ``doc`` but the body, and of them and the body. The body is taken
    by its source (the content ids it is made from), so an unchanged document's key needs no
    body. ``repr`` of str, date, bool, None and of the attachments' dataclasses names each value
    exactly."""
    fields = hashlib.sha256(repr(_doc_values(doc)).encode()).hexdigest()
    return fields, hashlib.sha256(f"{fields}\0{doc.body.digest()}".encode()).hexdigest()


BODY_PAGES = ("document.html", "withdrawn.html")  # a document's own page: keyed by its whole digest
BODY_READS = "body-reads"  # a file named by a template set's digest: its lists read bodies
# A template reading a document's body (or its text or search tokens) by any spelling jinja2 has.
_BODY_READ = re.compile(rb"""\.\s*(body|body_html|text|tokens)\b|\[\s*['"](body|body_html|text|tokens)['"]|"""
                        rb"""attr\(\s*['"](body|body_html|text|tokens)['"]""")  # fmt: skip


def _column_pages(s: _Site, slug: str, page: Callable[..., None], forms: list[dict[str, object]],
                  named: Callable[[list[SiteDocument]], list[str]], encode: Callable[[object], object]) -> None:  # fmt: skip
    """Every page of a column's list. Each page's key is given what all the column's pages are
    given as ``encode`` makes it (once for them all) and the page's documents by their digests
    (``named``): a district column has hundreds of pages, each a few dozen calls of ``encode``."""
    view = s.views[slug]
    docs = s.subtree_docs[slug]
    count = max(1, -(-len(docs) // PAGE_SIZE))
    children = [s.views[c] for c in s.children.get(slug, [])]
    crumbs = s.crumbs(slug)
    crumbs[-1] = {"name": view.name, "url": ""}
    given = {"column": view, "children": children, "crumbs": crumbs, "forms": forms, "active_columns": s.ancestry(slug)}
    shared = json.loads(json.dumps(given, ensure_ascii=False, default=encode))  # the same JSON, without a call to ``encode``
    for n in range(1, count + 1):
        rel = view.url if n == 1 else f"col/{slug}/page-{n}.html"
        pager = {
            "number": n,
            "pages": count,
            "docs": docs[(n - 1) * PAGE_SIZE : n * PAGE_SIZE],
            "prev": (view.url if n == 2 else f"col/{slug}/page-{n - 1}.html") if n > 1 else "",
            "next": f"col/{slug}/page-{n + 1}.html" if n < count else "",
        }
        keyed = {**shared, "pager": {**pager, "docs": named(pager["docs"])}}  # type: ignore[arg-type]
        page(rel, "column.html", keyed, pager=pager, page_kind="column", **given)


def _write_attachments(docs: list[SiteDocument], staging: Staging, fetch_many: FetchMany) -> int:
    missing: list[tuple[str, str]] = []
    count = 0
    for doc in docs:
        for att in doc.attachments:
            count += 1
            rel = check_rel_path(doc.attachment_url(att))
            if not staging.reuse(rel, "blob:" + att.blob):
                missing.append((rel, att.blob))
    for start in range(0, len(missing), 200):
        chunk = missing[start : start + 200]
        data = fetch_many(sorted({b for _, b in chunk}))
        for rel, blob in chunk:
            staging.write(rel, data[blob], key="blob:" + blob)
    return count


def _stamp(d: date) -> str:
    return f"{d.isoformat()}T00:00:00+08:00"


@dataclasses.dataclass(frozen=True, slots=True)
class _Written:
    files: tuple[str, ...]  # every file written
    rendered: tuple[str, ...]  # those of them rendered from a template again (not reused by their key)


def _write_machine_files(
    s: _Site, env: jinja2.Environment, staging: Staging, lines: items.Listed, rows: LoopRows, salt: str
) -> _Written:
    """feed.xml, sitemap.xml (rendered again only when a path or a date it lists changed) and manifest.csv."""
    site = s.site
    feed_id = s.base + "feed.xml" if s.base else f"urn:gkctl:{site.org.code or 'site'}:feed"
    entries = [
        {
            "doc": d,
            "id": s.base + d.url if s.base else f"urn:gkctl:{site.org.code or 'site'}:{d.slug}",
            "published": _stamp(d.published_at),
            "updated": _stamp(d.notice_date if d.repealed and d.notice_date else d.published_at),
        }
        for d in s.listed[:FEED_ITEMS]
    ]
    # Withdrawals are news too: the public notice, dated the day it was given.
    notices = [
        {
            "doc": d,
            "id": (s.base + d.url if s.base else f"urn:gkctl:{site.org.code or 'site'}:{d.slug}") + "#withdrawn",
            "published": _stamp(d.notice_date or d.published_at),
            "updated": _stamp(d.notice_date or d.published_at),
        }
        for d in s.withdrawn
    ]
    entries = sorted(entries + notices, key=lambda e: (e["updated"], e["id"]), reverse=True)[:FEED_ITEMS]
    updated = site.build_time.isoformat(timespec="seconds")
    feed = {"org": site.org, "base": s.base, "feed_id": feed_id, "entries": entries, "updated": updated}
    staging.write("feed.xml", _render(env, "feed.xml", feed))
    urls = [{"path": "index.html", "lastmod": ""}, {"path": "xxgkml/index.html", "lastmod": ""}]
    urls += [{"path": s.views[slug].url, "lastmod": ""} for slug in s.tree_order]
    urls += [{"path": p, "lastmod": ""} for p in ("notices/index.html", "sitemap.html")]
    urls += [{"path": d.url, "lastmod": (d.notice_date or d.published_at).isoformat()} for d in s.listed + s.withdrawn]
    # each path by its length (so no path can run into the next), then its date ('' or ISO)
    listed = "".join(f"{len(u['path'])}:{u['path']}{u['lastmod']};" for u in urls)
    key = hashlib.sha256(json.dumps([salt, s.base, listed], ensure_ascii=False).encode()).hexdigest()
    fresh: tuple[str, ...] = ()
    if not staging.reuse("sitemap.xml", key):
        staging.write("sitemap.xml", _render(env, "sitemap.xml", {"base": s.base, "urls": urls}, rows), key)
        fresh = ("sitemap.xml",)

    staging.write("manifest.csv", lines.csv())
    return _Written(("feed.xml", "sitemap.xml", "manifest.csv"), fresh)


def _manifest_head(s: _Site, items: Encoded) -> dict[str, object]:
    site = s.site
    return {"site": site.org.site_title, "org": site.org.name, "rev": site.rev,
            "generated": site.build_time.isoformat(timespec="seconds"), "base_url": s.base,
            "items": items}  # fmt: skip


def _search_entries(s: _Site, digests: dict[str, str]) -> Iterable[search.Entry]:
    """Per listed document: its result record, and (lazily) its tokens and plain text."""
    for d in s.listed:
        column = s.views[d.column].name
        record = [d.url, d.title + ("（已废止）" if d.repealed else ""), column, d.published_at.isoformat(),
                  d.index_number, d.doc_number, s.ancestry_text[d.column]]  # fmt: skip

        def terms(d: SiteDocument = d) -> set[str]:
            head = search.tokens(" ".join([d.title, d.doc_number, d.index_number, *(a.title for a in d.attachments)]))
            body = d.tokens  # read (and split) once
            return head.union(body) if body else head | search.tokens(d.text)

        def text(d: SiteDocument = d) -> str:
            return d.text or plain_text(drop_title(d.body_html, d.title))

        yield search.Entry(d.doc_id, digests[d.doc_id] + column, record, terms, text)
