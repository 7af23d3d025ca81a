"""Writing documents for tests: a valid 主动公开 document, with any key overridden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gkctl.core.document import render_document

VALID: dict[str, Any] = {
    "id": "2026-bgs-001",
    "title": "关于印发政务信息公开工作制度的通知",
    "kind": "公文",
    "category": "规范性文件",
    "doc_number": "綦审发〔2026〕12号",
    "section": "办公室",
    "drafter": "admin",
    "formed": "2026-06-29",
    "attribute": "主动公开",
    "basis": ["公民切身利益"],
    "secrecy": "非密",
    "summary": "印发本局政务信息公开工作制度。",
}
_DROP = object()


def doc_text(body: str = "# 正文\n\n各科室：现印发制度。\n", **overrides: Any) -> str:
    meta = {k: v for k, v in {**VALID, **overrides}.items() if v is not _DROP}
    text = render_document(meta, body)
    # dates as YAML dates, not quoted strings
    return text.replace("'2026-06-29'", "2026-06-29").replace(f"'{meta.get('formed')}'", str(meta.get("formed")))


def write_doc(root: Path, rel: str = "docs/2026/2026-bgs-001.md", body: str | None = None, **overrides: Any) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc_text(body, **overrides) if body is not None else doc_text(**overrides), encoding="utf-8")
    return path


DROP = _DROP
