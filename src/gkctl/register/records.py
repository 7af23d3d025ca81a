"""Reading the register's YAML records (applications and appeals) with file and line in every finding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from gkctl.core.document import decode
from gkctl.core.errors import InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.yamlio import Loaded, load_yaml

T = TypeVar("T")


def record_paths(root: Path, folder: str) -> list[str]:
    """The register files of ``folder`` (``applications`` or ``appeals``): ``<folder>/<year>/<id>.yaml``."""
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in base.glob("*/*.yaml") if p.is_file())


def duplicate_ids(records: Iterable[Any], code: str) -> list[Finding]:
    """One finding per record whose ``id`` an earlier record already has (naming the other file)."""
    out: list[Finding] = []
    seen: dict[str, str] = {}
    for rec in records:
        if rec.id in seen:
            out.append(finding(code, "error", rec.path, rec.line("id"), id=rec.id, other=seen[rec.id]))
        else:
            seen[rec.id] = rec.path
    return out


def read_yaml_file(root: Path, relpath: str) -> Loaded:
    return load_yaml(decode((root / relpath).read_bytes(), relpath), relpath)


def text_of(value: Any) -> str | None:
    """A stripped string, or None for a missing or empty value."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_records(
    root: Path, paths: Iterable[str], parse: Callable[[Loaded, str], tuple[T | None, list[Finding]]],
    order: Callable[[T], Any],
) -> tuple[list[T], list[Finding]]:
    """Every record of ``paths`` that parses (sorted by ``order``), plus the findings of those that do not."""
    items: list[T] = []
    findings: list[Finding] = []
    for relpath in paths:
        item, found = parse(read_yaml_file(root, relpath), relpath)
        findings.extend(found)
        if item is not None:
            items.append(item)
    items.sort(key=order)
    return items, findings


def refuse_errors(items: list[T], findings: list[Finding]) -> list[T]:
    """``items``, or ``InputError`` (file and line) for the first record that does not parse."""
    for f in findings:
        if f.is_error:
            raise InputError(f.message, f.path, f.line)
    return items
