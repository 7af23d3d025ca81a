"""Plain input dataclasses of the site, so rendering never touches git, policy or documents.

``collect`` builds these from git objects at a revision; tests may build them directly.
Every path that ends up in the output is derived here by ``safe_*`` helpers, so no id or
attachment name can produce a path outside the output folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

VALID = "有效"
REPEALED = "废止"
WITHDRAWN = "撤回"

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True, slots=True)
class SiteOrg:
    name: str
    code: str
    site_title: str
    site_url: str  # absolute base URL used by the feed, the sitemap and the manifest ('' = relative)
    topic: str = "审计"  # 主题分类 shown when a category names none
    # Footer conventions of 《政府网站发展指引》 and the supervision channels (gkctl.yaml ``site:``)
    host: str = ""  # 主办单位 ('' = the organisation)
    identifier: str = ""  # 网站标识码
    icp: str = ""  # ICP备案号
    police: str = ""  # 公安机关备案号
    contact: tuple[str, ...] = ()
    supervision: tuple[str, ...] = ()
    feedback: str = ""

    @property
    def police_number(self) -> str:
        """The digits of the 公安机关备案号, which its public query page takes."""
        return "".join(ch for ch in self.police if ch.isdigit())

    @property
    def feedback_href(self) -> str:
        """A link for ``feedback`` when it is an address one can follow ('' for a phone number)."""
        value = self.feedback.strip()
        if value.startswith(("https://", "http://")):
            return value
        if "@" in value and " " not in value:
            return "mailto:" + value
        return ""


@dataclass(frozen=True, slots=True)
class Column:
    """One node of the column tree; ``slug`` is the folder name under ``col/``."""

    slug: str
    name: str
    parent: str | None = None  # slug of the parent column
    intro: str = ""  # plain text shown above the list (e.g. how to apply, for 依申请公开)


@dataclass(frozen=True, slots=True)
class SiteAttachment:
    title: str
    name: str  # output file name (already safe)
    blob: str  # git blob id of the content
    size: int = 0


BodyValue = tuple[str, str, str]  # (html, plain text, search tokens space-separated and sorted)
FetchBodies = Callable[[list[str]], dict[str, BodyValue]]  # sources -> their bodies (every one asked)


class Bodies:
    """Bodies read by source, many at once, each once (collect's read the body cache or render the blob).

    A build whose pages are mostly unchanged renders few of them again; only those need a body.
    Templates never reach this object (it hides behind ``Body._bodies``, and the sandbox refuses
    names with an underscore), so a template cannot ask for a body by a source of its choosing.
    """

    KEEP = 1000  # bodies read and kept at most: pages and the search index ask for them in chunks

    def __init__(self, fetch: FetchBodies, known: dict[str, BodyValue] | None = None) -> None:
        self._fetch = fetch
        self._given: dict[str, BodyValue] = dict(known or {})  # kept for the whole build
        self._read: dict[str, BodyValue] = {}  # the last chunks read (a district's bodies would not fit)

    def prefetch(self, sources: Iterable[str]) -> None:
        missing = sorted({s for s in sources if s not in self._given and s not in self._read})
        if missing:
            got = self._fetch(missing)
            if len(self._read) + len(missing) > self.KEEP:
                self._read.clear()
            self._read.update((s, got[s]) for s in missing)  # a source it did not return is an error

    def get(self, source: str) -> BodyValue:
        found = self._given.get(source) or self._read.get(source)
        if found is None:
            self.prefetch([source])
            found = self._read[source]
        return found


class Body:
    """A document's sanitised HTML, plain text and search tokens: given, or read on first use.

    ``source`` names the content they are a function of (blob id and renderer hash), so the keys
    of pages and search segments stand on it without reading the body; a body given by value
    (tests, withdrawn documents) is keyed by a hash of its value.
    """

    __slots__ = ("_bodies", "_value", "source")

    def __init__(self, html: str = "", text: str = "", tokens: Iterable[str] = (), *, source: str = "",
                 bodies: Bodies | None = None) -> None:  # fmt: skip
        if bodies is not None and not source:
            raise ValueError("a body read on use needs its source")
        self.source = source
        self._bodies = bodies
        self._value: BodyValue | None = None if bodies is not None else (html, text, " ".join(tokens))

    def _get(self) -> BodyValue:
        if self._value is not None:
            return self._value
        assert self._bodies is not None
        return self._bodies.get(self.source)

    @property
    def html(self) -> str:
        return self._get()[0]

    @property
    def text(self) -> str:
        return self._get()[1]

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self._get()[2].split())

    def digest(self) -> str:
        """What a key needs of the body: its source, or a hash of its value."""
        if self.source:
            return "source:" + self.source
        value = json.dumps(self._get(), ensure_ascii=False)
        return "value:" + hashlib.sha256(value.encode()).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Body) and self.digest() == other.digest()

    def __hash__(self) -> int:
        return hash(self.digest())

    def __repr__(self) -> str:
        return f"Body(source={self.source!r})" if self.source else "Body(…)"


NO_BODY = Body()


def prefetch_bodies(docs: Iterable[SiteDocument]) -> None:
    """Read the bodies of ``docs`` that are read on use: one fetch per source of bodies."""
    wanted: dict[int, tuple[Bodies, list[str]]] = {}
    for doc in docs:
        bodies = doc.body._bodies
        if bodies is not None:
            wanted.setdefault(id(bodies), (bodies, []))[1].append(doc.body.source)
    for bodies, sources in wanted.values():
        bodies.prefetch(sources)


@dataclass(frozen=True, slots=True)
class SiteDocument:
    doc_id: str
    index_number: str  # 索引号
    title: str
    doc_number: str  # 发文字号 ('' when none)
    category: str
    column: str  # slug of the column it is listed in
    genre: str  # 体裁分类
    topic: str  # 主题分类
    publisher: str  # 发布机构
    validity: str  # 有效 | 废止 | 撤回
    formed: date | None  # 成文日期
    published_at: date  # 发布日期
    body: Body = NO_BODY  # sanitised HTML, plain text, search tokens (empty when withdrawn)
    summary: str = ""  # 内容概述 for the catalogue
    attachments: tuple[SiteAttachment, ...] = ()
    notice: str = ""  # public withdrawal explanation or repeal notice
    notice_date: date | None = None
    normative: bool = False  # 规范性文件
    # made from doc_id and published_at once: every list of the site reads them, ~4 times a document
    slug: str = field(init=False, repr=False, compare=False)
    url: str = field(init=False, repr=False, compare=False)  # page path relative to the site root

    def __post_init__(self) -> None:
        slug = safe_slug(self.doc_id)
        object.__setattr__(self, "slug", slug)
        object.__setattr__(self, "url", f"doc/{self.published_at.year}/{slug}.html")

    @property
    def body_html(self) -> str:
        """Sanitised HTML ('' when withdrawn)."""
        return self.body.html

    @property
    def text(self) -> str:
        """Plain text of the body, for the search index (when ``tokens`` is empty)."""
        return self.body.text

    @property
    def tokens(self) -> tuple[str, ...]:
        """The body's search tokens, sorted (cached with the rendered body)."""
        return self.body.tokens

    @property
    def withdrawn(self) -> bool:
        return self.validity == WITHDRAWN

    @property
    def repealed(self) -> bool:
        return self.validity == REPEALED

    def attachment_url(self, att: SiteAttachment) -> str:
        return f"files/{self.slug}/{att.name}"


@dataclass(frozen=True, slots=True)
class SiteInput:
    """Everything one build renders, fixed before anything is written."""

    org: SiteOrg
    columns: tuple[Column, ...]
    documents: tuple[SiteDocument, ...]
    build_time: datetime  # the REV's commit date: same REV, same bytes
    rev: str = ""
    base_url: str = ""
    policy_digest: str = ""  # hash of the policy files at REV: part of every page's cache key
    # doc_id -> (fields, whole) digests as rendering makes them, for documents ``collect`` kept from
    # the last build with them (rendering makes the others')
    digests: dict[str, tuple[str, str]] = field(default_factory=dict)


@functools.lru_cache(maxsize=1 << 16)
def safe_slug(value: str) -> str:
    """``value`` when it is a plain ASCII file name, else a stable hash-derived name.

    Kept per value: a build asks for every document's slug on every page that links it."""
    if _SAFE_ID.fullmatch(value) and ".." not in value:
        return value
    return "d-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]


_BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|#%&{}$!'@+`=\s]")


def safe_file_name(name: str, fallback: str) -> str:
    """The last path component of ``name`` with anything a path or URL could abuse replaced.

    Chinese letters stay (a 申请表.docx keeps its name); separators, control characters,
    leading dots and reserved characters do not. ``fallback`` is used when nothing is left.
    """
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _BAD_NAME_CHARS.sub("_", base).lstrip(".")
    if not base or base.strip("_.") == "":
        return fallback
    if len(base.encode("utf-8")) > 180:
        _stem, dot, ext = base.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        digest = hashlib.sha1(base.encode("utf-8")).hexdigest()[:10]
        base = f"{fallback}-{digest}" + (f".{keep}" if keep else "")
    return base


# Files a browser would run as part of the site (same origin): served as plain text instead.
ACTIVE_EXTENSIONS = frozenset({"htm", "html", "shtml", "xhtml", "xht", "svg", "svgz", "xml", "xsl", "js", "mjs", "swf"})


def safe_attachment_name(name: str, fallback: str) -> str:
    """``safe_file_name``, and an attachment that could run script in the site gets ``.txt`` added."""
    base = safe_file_name(name, fallback)
    ext = base.rpartition(".")[2].lower() if "." in base else ""
    return base + ".txt" if ext in ACTIVE_EXTENSIONS else base
