"""Documents: YAML front matter + Markdown body, parsed with precise errors.

A clerk's file is the only input gkctl cannot control, so every way it can be wrong
(GBK, binary, unterminated front matter, duplicate keys, tabs, too large) gets a message
naming the file and line instead of a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.core.yamlio import dump_yaml, load_yaml

MAX_BYTES = 5 * 1024 * 1024
KNOWN_KEYS = (
    "id", "title", "kind", "category", "doc_number", "section", "drafter", "formed", "attribute",
    "basis", "reason", "secrecy", "secrecy_period", "sensitive", "secrecy_determination",
    "attachments", "summary",
)  # fmt: skip
_BOM = b"\xef\xbb\xbf"
# what each front-matter field may be; anything else is refused with its line (a number as a
# title or a datetime as a date would otherwise crash a later step or pass unnoticed)
_TEXT: tuple[type, ...] = (str,)
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str, int), "title": _TEXT, "kind": _TEXT, "category": _TEXT, "doc_number": _TEXT, "section": _TEXT,
    "drafter": _TEXT, "formed": (date, str), "attribute": _TEXT, "basis": (str, list), "reason": _TEXT,
    "secrecy": _TEXT, "secrecy_period": (str, int), "sensitive": (bool,), "secrecy_determination": _TEXT,
    "attachments": (list,), "summary": _TEXT,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attachment:
    file: str
    title: str
    line: int | None = None


@dataclass(frozen=True)
class Document:
    """One document as written: front matter, body and where each key sits in the file."""

    path: str
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)

    def __reduce__(self) -> tuple[Any, ...]:
        # CPython keeps a str's UTF-8 form beside it once pickle asked for it, for the life of
        # the str: a cache of 10,000 documents' bodies pickled kept 56 MB of copies alive
        body = self.body.encode("utf-8", "surrogatepass")
        return (_unpickled, (self.path, self.meta, body, self.body_line, self.key_lines))

    def line_of(self, key: str) -> int:
        """Line of ``key`` in the file, or the first front-matter line when absent."""
        return self.key_lines.get(key, 1)

    @property
    def id(self) -> str:
        value = self.meta.get("id")
        return str(value) if value not in (None, "") else Path(self.path).stem

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "")

    @property
    def category(self) -> str:
        return str(self.meta.get("category") or "")

    @property
    def attribute(self) -> str:
        return str(self.meta.get("attribute") or "")

    @property
    def formed(self) -> date | None:
        value = self.meta.get("formed")
        return value if isinstance(value, date) else None

    @property
    def year(self) -> int | None:
        formed = self.formed
        return formed.year if formed else None

    @property
    def basis(self) -> list[str]:
        value = self.meta.get("basis")
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    @property
    def attachments(self) -> list[Attachment]:
        items = self.meta.get("attachments") or []
        out = []
        base = self.key_lines.get("attachments")
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                out.append(Attachment(str(item.get("file", "")), str(item.get("title", "")), (base or 0) + i + 1))
            elif isinstance(item, str):
                out.append(Attachment(item, Path(item).name, (base or 0) + i + 1))
        return out


def _unpickled(path: str, meta: dict[str, Any], body: bytes, body_line: int, key_lines: dict[str, int]) -> Document:
    return Document(path, meta, body.decode("utf-8", "surrogatepass"), body_line, key_lines)


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text of ``raw`` (BOM accepted); GBK, binary and oversized files are refused."""
    if len(raw) > MAX_BYTES:
        raise InputError(t("doc.too_large", size=len(raw) // 1024 // 1024, limit=MAX_BYTES // 1024 // 1024), path)
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if b"\x00" in raw[:8192]:
        raise InputError(t("doc.binary"), path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(t("doc.not_utf8"), path, line) from None
        raise InputError(t("doc.gbk", path=path), path, line) from None


_FENCE = re.compile(r"^---[ \t]*$")


def parse_document(raw: bytes, path: str) -> Document:
    """Split and parse one document file (``path`` is used in messages and as its identity)."""
    text = decode(raw, path)
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0].rstrip("\r")):
        raise InputError(t("doc.no_front_matter"), path, 1)
    end = None
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i].rstrip("\r")):
            end = i
            break
    if end is None:
        raise InputError(t("doc.unterminated"), path, 1)
    front = "\n".join(lines[1:end])
    loaded = load_yaml(front, path, line_offset=1)
    meta = loaded.data if loaded.data is not None else {}
    if not isinstance(meta, dict):
        raise InputError(t("doc.front_not_mapping"), path, 2)
    key_lines = loaded.top_lines()
    _check_types(meta, loaded, path)
    body = "\n".join(lines[end + 1 :])
    return Document(path=path, meta={str(k): v for k, v in meta.items()}, body=body, body_line=end + 2, key_lines=key_lines)


def _check_types(meta: dict[Any, Any], loaded: Any, path: str) -> None:
    """Refuse a field of the wrong type, naming its line (an empty field is the rules' business)."""
    for key, value in meta.items():
        kinds = FIELD_TYPES.get(str(key))
        if kinds is None or value is None:
            continue
        if not isinstance(value, kinds) or isinstance(value, datetime) or (isinstance(value, bool) and bool not in kinds):
            raise InputError(t("doc.wrong_type", key=key, expected=t(f"doc.type.{kinds[0].__name__}")), path,
                             loaded.line(key))
        if key == "basis" and isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise InputError(t("doc.wrong_type", key=key, expected=t("doc.type.str")), path,
                                     loaded.line(key, i))
        if key == "attachments":
            for i, item in enumerate(value):
                ok = isinstance(item, str) or (isinstance(item, dict) and isinstance(item.get("file"), str)
                                               and isinstance(item.get("title", ""), str))
                if not ok:
                    raise InputError(t("doc.bad_attachment_item"), path, loaded.line(key, i))


def read_document(root: Path, relpath: str) -> Document:
    """Read a document from the working tree (``relpath`` relative to the repository root)."""
    full = root / relpath
    try:
        raw = full.read_bytes()
    except OSError as exc:
        raise InputError(t("doc.unreadable", error=exc.strerror or str(exc)), relpath) from None
    return parse_document(raw, relpath)


def render_document(meta: dict[str, Any], body: str) -> str:
    """The file text for ``meta`` + ``body`` (front matter in the given key order)."""
    return "---\n" + dump_yaml(meta) + "---\n" + body.lstrip("\n")


def document_paths(root: Path) -> list[str]:
    """Repo-relative paths of every document under ``docs/``, sorted."""
    docs = root / "docs"
    if not docs.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in docs.rglob("*.md") if p.is_file())
