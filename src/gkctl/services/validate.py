"""``gkctl validate``: every rule over the chosen documents, findings sorted by place."""

from __future__ import annotations

from dataclasses import dataclass

from gkctl.document import document_paths
from gkctl.findings import Finding
from gkctl.rules import Context, check_document, check_repository
from gkctl.services.repository import Repository


@dataclass(frozen=True)
class ValidationResult:
    findings: list[Finding]
    checked: int
    unreadable: int  # files that could not be parsed at all (→ exit 2)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if not f.is_error)


def expand_paths(repo: Repository, paths: list[str]) -> list[str]:
    """User paths (files or folders) → repo-relative document paths."""
    out: list[str] = []
    for p in paths:
        rel = repo.relpath(p)
        full = repo.root / rel
        if full.is_dir():
            out += sorted(x.relative_to(repo.root).as_posix() for x in full.rglob("*.md") if x.is_file())
        else:
            out.append(rel)
    return out


def validate(repo: Repository, paths: list[str] | None = None, strict: bool = False) -> ValidationResult:
    """Check documents (all, and repository-wide rules, when ``paths`` is empty)."""
    chosen = expand_paths(repo, paths) if paths else document_paths(repo.root)
    docs, problems = repo.documents(chosen)
    ctx = Context(policy=repo.policy, root=repo.root, today=repo.today, strict=strict)
    findings = list(problems)
    for doc in docs:
        findings += check_document(doc, ctx)
    if not paths:
        findings += check_repository(docs, ctx)
        findings += _other_records(repo)
    findings.sort(key=lambda f: (f.path or "", f.line or 0, f.code))
    return ValidationResult(findings, len(chosen), len(problems))


def _other_records(repo: Repository) -> list[Finding]:
    """Applications and appeals, when that part of gkctl is installed."""
    try:
        from gkctl.applications import check_records  # type: ignore[attr-defined]
    except ImportError:
        return []
    return list(check_records(repo.root, repo.policy, repo.today))
