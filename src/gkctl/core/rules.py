"""Validation rules: each a stable code (``GK1xx``) and a Chinese message with file and line.

Rules never raise for bad content; they return ``Finding``s so that a clerk sees every
problem of every file at once.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gkctl.core.document import KNOWN_KEYS, Document
from gkctl.core.findings import Finding, Severity, finding
from gkctl.core.policy import TEXT_ATTACHMENT_TYPES, Policy, file_type
from gkctl.core.secrecy import scan

KINDS = ("公文", "非公文")
GUIDE_CATEGORY = "政府信息公开指南"
APPLICATION_FORM_WORD = "申请表"
_DOC_NUMBER = re.compile(r"^\S+〔(\d{4})〕(\d+)号$")
_WRONG_BRACKETS = re.compile(r"[\[【(（]\s*\d{4}\s*[\]】)）]")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Context:
    """What a document rule may look at besides the document."""

    policy: Policy
    root: Path | None  # None when checking content out of git objects
    today: date
    strict: bool = False
    existing_files: frozenset[str] | None = None  # repo paths, when checking a commit's tree


BODY_PLACEHOLDER = "（在此撰写正文。）"  # what ``gkctl new`` writes as the body


def _check_content(doc: Document) -> list[Finding]:
    """Warnings for what ``new`` left to fill in: the placeholder body, a missing 内容概述."""
    out = []
    if BODY_PLACEHOLDER in doc.body:
        line = doc.body_line + doc.body[: doc.body.index(BODY_PLACEHOLDER)].count("\n")
        out.append(finding("GK126", "warning", doc.path, line))
    if doc.attribute == "主动公开" and not str(doc.get("summary") or "").strip():
        out.append(finding("GK127", "warning", doc.path, doc.key_lines.get("summary") or doc.line_of("title")))
    return out


def check_document(doc: Document, ctx: Context) -> list[Finding]:
    """All findings for one document."""
    out: list[Finding] = []
    out += _check_content(doc)
    out += _check_keys(doc, ctx)
    out += _check_identity(doc, ctx)
    out += _check_attribute(doc, ctx)
    out += _check_secrecy_fields(doc, ctx)
    out += _check_dates(doc, ctx)
    out += _check_attachments(doc, ctx)
    out += secrecy_findings(doc, ctx.policy)
    return out


def secrecy_findings(doc: Document, policy: Policy) -> list[Finding]:
    """Scan hits: errors in a 主动公开 body (it is going to the public), warnings elsewhere."""
    severity: Severity = "error" if doc.attribute == "主动公开" else "warning"
    text = doc.title + "\n" + doc.body
    out = []
    for hit in scan(text, policy.secrecy):
        line = doc.line_of("title") if hit.line == 1 else doc.body_line + hit.line - 2
        out.append(finding(hit.code, severity, doc.path, line, name=hit.name, excerpt=hit.excerpt))
    return out


MAX_ATTACHMENT_TEXT = 8 * 1024 * 1024  # a docx larger than this unpacked is not read, and is refused


def attachment_text(path: str, raw: bytes) -> str | None:
    """The text of a text attachment (txt, csv, md, docx) for the secrecy scan; None for other types."""
    kind = file_type(path)
    if kind not in TEXT_ATTACHMENT_TYPES:
        return None
    if kind == "docx":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                info = z.getinfo("word/document.xml")
                if info.file_size > MAX_ATTACHMENT_TEXT:
                    return ""
                xml = z.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
            return ""
        xml = re.sub(r"</w:p>", "\n", xml)
        return re.sub(r"<[^>]+>", "", xml)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def attachment_secrecy_findings(doc: Document, line: int | None, path: str, raw: bytes, policy: Policy) -> list[Finding]:
    """Scan hits in one text attachment, judged like the body it belongs to (found at its line)."""
    text = attachment_text(path, raw)
    if not text:
        return []
    severity: Severity = "error" if doc.attribute == "主动公开" else "warning"
    return [finding(hit.code, severity, doc.path, line, name=hit.name, excerpt=f"{path}: {hit.excerpt}")
            for hit in scan(text, policy.secrecy)]  # fmt: skip


def attachments_secrecy(doc: Document, policy: Policy, root: Path) -> list[Finding]:
    """Scan hits in the document's text attachments as they stand in the work tree ``root``."""
    out: list[Finding] = []
    for att in doc.attachments:
        norm = safe_repo_path(att.file)
        if norm is None or policy.org.attachments.problem(norm) or file_type(norm) not in TEXT_ATTACHMENT_TYPES:
            continue
        target = root / norm
        if target.is_file() and not target.is_symlink():
            out += attachment_secrecy_findings(doc, att.line, norm, target.read_bytes(), policy)
    return out


def _check_keys(doc: Document, ctx: Context) -> list[Finding]:
    severity: Severity = "error" if ctx.strict else "warning"
    return [finding("GK124", severity, doc.path, doc.line_of(k), key=k) for k in doc.meta if k not in KNOWN_KEYS]


def _check_identity(doc: Document, ctx: Context) -> list[Finding]:
    out = []
    p = doc.path
    if not _SAFE_ID.match(doc.id):
        out.append(finding("GK125", "error", p, doc.line_of("id"), id=doc.id))
    if not doc.title.strip():
        out.append(finding("GK115", "error", p, doc.line_of("title")))
    kind = doc.get("kind")
    if kind not in KINDS:
        out.append(finding("GK114", "error", p, doc.line_of("kind"), value=kind or ""))
    if not doc.category:
        out.append(finding("GK118", "error", p, doc.line_of("category"), value=""))
    elif ctx.policy.columns.category(doc.category) is None:
        out.append(finding("GK118", "error", p, doc.line_of("category"), value=doc.category))
    number = str(doc.get("doc_number") or "").strip()
    if number:
        if _WRONG_BRACKETS.search(number):
            out.append(finding("GK113", "error", p, doc.line_of("doc_number"), value=number))
        elif not _DOC_NUMBER.match(number):
            out.append(finding("GK112", "error", p, doc.line_of("doc_number"), value=number))
    elif kind == "公文":
        out.append(finding("GK111", "error", p, doc.line_of("doc_number")))
    drafter = doc.get("drafter")
    if not drafter or ctx.policy.people.get(str(drafter)) is None:
        out.append(finding("GK119", "error", p, doc.line_of("drafter"), value=drafter or ""))
    section = doc.get("section")
    sections = ctx.policy.org.sections
    if not section or (sections and str(section) not in sections):
        out.append(finding("GK120", "error", p, doc.line_of("section"), value=section or ""))
    return out


def _check_attribute(doc: Document, ctx: Context) -> list[Finding]:
    p = doc.path
    disclosure = ctx.policy.disclosure
    attr = doc.attribute
    if not attr:
        return [finding("GK101", "error", p, doc.line_of("attribute"))]
    if attr not in disclosure.attributes:
        return [finding("GK102", "error", p, doc.line_of("attribute"), value=attr)]
    out = []
    if attr == "主动公开":
        if not doc.basis:
            out.append(finding("GK103", "error", p, doc.line_of("basis")))
        for b in doc.basis:
            if b not in disclosure.bases:
                out.append(finding("GK104", "error", p, doc.line_of("basis"), value=b, known="、".join(disclosure.bases)))
    reason = doc.get("reason")
    if attr == "不予公开" and not reason:
        out.append(finding("GK105", "error", p, doc.line_of("reason")))
    if reason and str(reason) not in disclosure.reasons:
        out.append(finding("GK106", "error", p, doc.line_of("reason"), value=reason, known="、".join(disclosure.reasons)))
    return out


def _check_secrecy_fields(doc: Document, ctx: Context) -> list[Finding]:
    p = doc.path
    level = str(doc.get("secrecy") or "非密")
    levels = ctx.policy.disclosure.secrecy_levels
    out = []
    if level not in levels:
        return [finding("GK109", "error", p, doc.line_of("secrecy"), value=level)]
    if doc.attribute and doc.attribute not in levels[level]:
        out.append(finding("GK107", "error", p, doc.line_of("attribute"), level=level, attribute=doc.attribute))
    if level != "非密" and not doc.get("secrecy_period"):
        out.append(finding("GK108", "error", p, doc.line_of("secrecy"), level=level))
    if doc.get("sensitive") is True and not doc.get("secrecy_determination"):
        out.append(finding("GK110", "error", p, doc.line_of("sensitive")))
    return out


def _check_dates(doc: Document, ctx: Context) -> list[Finding]:
    value = doc.get("formed")
    if value is None:
        return [finding("GK116", "error", doc.path, doc.line_of("formed"), value="")]
    if not isinstance(value, date):
        return [finding("GK116", "error", doc.path, doc.line_of("formed"), value=value)]
    if value > ctx.today:
        return [finding("GK117", "error", doc.path, doc.line_of("formed"), value=value.isoformat())]
    return []


def safe_repo_path(relpath: str) -> str | None:
    """Normalised repo path, or None when it is absolute or escapes the repository."""
    if not relpath or relpath.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relpath) or "\\" in relpath:
        return None
    norm = posixpath.normpath(relpath)
    if norm.startswith("../") or norm == ".." or norm.startswith(".git/") or norm == ".":
        return None
    return norm


def _check_attachments(doc: Document, ctx: Context) -> list[Finding]:
    out = []
    rule = ctx.policy.org.attachments
    for att in doc.attachments:
        norm = safe_repo_path(att.file)
        if norm is None:
            out.append(finding("GK123", "error", doc.path, att.line, file=att.file))
            continue
        code = rule.problem(norm)
        if code is not None:
            out.append(finding(code, "error", doc.path, att.line, file=att.file, root=rule.root,
                               types="、".join(rule.types)))  # fmt: skip
            continue
        if ctx.existing_files is not None:
            exists = norm in ctx.existing_files
        elif ctx.root is not None:
            target = (ctx.root / norm).resolve()
            inside = target.is_relative_to(ctx.root.resolve())
            if not inside:
                out.append(finding("GK123", "error", doc.path, att.line, file=att.file))
                continue
            exists = target.is_file()
            if exists and file_type(norm) in TEXT_ATTACHMENT_TYPES:
                out += attachment_secrecy_findings(doc, att.line, norm, target.read_bytes(), ctx.policy)
        else:
            exists = True
        if not exists:
            out.append(finding("GK122", "error", doc.path, att.line, file=att.file))
    return out


def check_repository(docs: Iterable[Document], ctx: Context) -> list[Finding]:
    """Rules across documents: unique ids, this year's 公开指南 with the application form."""
    out: list[Finding] = []
    seen: dict[str, Document] = {}
    guide_ok = False
    for doc in docs:
        if doc.id in seen:
            out.append(finding("GK121", "error", doc.path, doc.line_of("id"), id=doc.id, other=seen[doc.id].path))
        else:
            seen[doc.id] = doc
        if (
            doc.category == GUIDE_CATEGORY
            and doc.attribute == "主动公开"
            and doc.year == ctx.today.year
            and any(APPLICATION_FORM_WORD in (a.title + a.file) for a in doc.attachments)
        ):
            guide_ok = True
    if not guide_ok:
        out.append(finding("GK130", "error", None, None, year=ctx.today.year))
    return out
