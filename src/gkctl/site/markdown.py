"""Markdown → sanitised HTML, and the plain text the search index and the catalogue need.

The ``markdown`` package renders (tables, footnotes, heading ids that keep Chinese); nh3
(Rust's ammonia) then keeps only an allow-list of tags, attributes and URL schemes, so a
body can carry no script, no event handler, no ``javascript:`` link and no raw HTML beyond
plain formatting. Images are dropped: the site copies only declared attachments, so an image
would be a broken or an external (network) reference. ``RENDERER_VERSION`` feeds the body cache key: change it when output changes.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import cache

import markdown as md
import nh3
from markdown.extensions.toc import slugify_unicode

RENDERER_VERSION = "1"

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul",
}  # fmt: skip
_ATTRS = {
    "*": {"id", "title"},
    "a": {"href"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "li": set(),
}
_CLASSES = {"div": {"footnote"}, "a": {"footnote-ref", "footnote-backref"}, "sup": set(), "li": set()}
_SCHEMES = {"http", "https", "mailto"}


@cache
def _converter() -> md.Markdown:
    return md.Markdown(
        extensions=["tables", "footnotes", "toc", "sane_lists"],
        extension_configs={
            "toc": {"slugify": slugify_unicode, "permalink": False},
            "footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处", "SUPERSCRIPT_TEXT": "{}"},
        },
        output_format="html",
    )


def config_hash() -> str:
    """Identifies the renderer: part of every cached body's key."""
    parts = [RENDERER_VERSION, md.__version__, getattr(nh3, "__version__", "?")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def render_markdown(text: str) -> str:
    """Sanitised HTML for one document body."""
    conv = _converter()
    conv.reset()
    raw = conv.convert(text)
    return _demote_headings(sanitise(raw))


_HEADING = re.compile(r"<(/?)h([1-6])\b")


def _demote_headings(clean_html: str) -> str:
    """The page title is the only h1; body headings move one level down (h1 → h2 …)."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", clean_html)


def sanitise(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "textarea"},
        attributes=_ATTRS,
        url_schemes=_SCHEMES,
        allowed_classes=_CLASSES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_text(clean_html: str) -> str:
    """Visible text of sanitised HTML, whitespace collapsed (for search and 内容概述)."""
    text = html.unescape(_TAG.sub(" ", clean_html))
    return _SPACE.sub(" ", text).strip()


def summary_of(text: str, limit: int = 80) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + "…"


_LEADING_HEADING = re.compile(r"\A\s*<h2\b[^>]*>(.*?)</h2>\s*", re.S)


def drop_title(clean_html: str, title: str) -> str:
    """``clean_html`` without a first heading that repeats ``title``.

    ``gkctl new`` starts every body with ``# 标题``; the page already shows the title as its
    heading, so the body's copy would show it twice.
    """
    m = _LEADING_HEADING.match(clean_html)
    if m is None or _SPACE.sub("", html.unescape(_TAG.sub("", m.group(1)))) != _SPACE.sub("", title):
        return clean_html
    return clean_html[m.end() :]
