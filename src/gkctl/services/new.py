"""``gkctl new``: a document file from the template, with a fresh stable id."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.core.resources import data_dir
from gkctl.core.rules import BODY_PLACEHOLDER
from gkctl.services.repository import Repository


@dataclass(frozen=True)
class NewDocument:
    title: str
    category: str
    attribute: str
    kind: str
    section: str
    drafter: str
    formed: date
    doc_number: str = ""
    basis: tuple[str, ...] = ()
    reason: str = ""
    summary: str = ""


def _inline(value: object) -> str:
    """A YAML scalar or flow list on one line (JSON is YAML), for the commented template."""
    if isinstance(value, str) and value and re.fullmatch(r"[^\s:#\[\]{},&*!|>'\"%@`-][^:#]*", value):
        return value
    return json.dumps(value, ensure_ascii=False)


def next_id(repo: Repository, year: int, section: str) -> str:
    code = repo.policy.org.section_codes.get(section) or "doc"
    prefix = f"{year}-{code}-"
    taken = [0]
    folder = repo.root / "docs" / str(year)
    if folder.is_dir():
        for p in folder.glob(f"{prefix}*.md"):
            m = re.fullmatch(re.escape(prefix) + r"(\d+)", p.stem)
            if m:
                taken.append(int(m.group(1)))
    return f"{prefix}{max(taken) + 1:03d}"


def create_document(repo: Repository, spec: NewDocument) -> str:
    """Write ``docs/<year>/<id>.md``; returns its repo-relative path."""
    if not spec.title.strip():
        raise InputError(t("new.no_title"))
    doc_id = next_id(repo, spec.formed.year, spec.section)
    rel = f"docs/{spec.formed.year}/{doc_id}.md"
    target = repo.root / rel
    if target.exists():
        raise InputError(t("new.exists", path=rel))
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # only when writing a document

    env = Environment(loader=FileSystemLoader(str(data_dir("templates") / "documents")), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)  # fmt: skip
    text = env.get_template("document.md.j2").render(
        id=doc_id, title=_inline(spec.title), kind=spec.kind, category=_inline(spec.category),
        doc_number=_inline(spec.doc_number), section=_inline(spec.section), drafter=spec.drafter,
        formed=spec.formed.isoformat(), attribute=spec.attribute,
        basis=_inline(list(spec.basis)), reason=_inline(spec.reason),
        year=spec.formed.year, summary=_inline(spec.summary), placeholder=BODY_PLACEHOLDER,
    )  # fmt: skip
    Path(target.parent).mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return rel
