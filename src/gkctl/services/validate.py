"""``gkctl validate``: every rule over the chosen documents, findings sorted by place."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from gkctl.core.document import Document, decode, document_paths
from gkctl.core.errors import GkctlError
from gkctl.core.findings import Finding, finding
from gkctl.core.heap import trim
from gkctl.core.keys import normalize_key
from gkctl.core.policy import POLICY_DIR, load_policy
from gkctl.core.rules import Context, check_document, check_repository
from gkctl.core.yamlio import load_yaml
from gkctl.register.rules import check_records
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


PARALLEL_FROM = 2000  # documents; below this, starting a second process costs more than it saves


def _check_files(repo: Repository, paths: list[str], strict: bool) -> tuple[list[Document], list[Finding], int]:
    """Parse and check ``paths``; documents come back without bodies (all the repo-wide rules need)."""
    docs, problems = repo.documents(paths)
    ctx = Context(policy=repo.policy, root=repo.root, today=repo.today, strict=strict)
    findings = list(problems)
    for doc in docs:
        findings += check_document(doc, ctx)
    return [replace(d, body="") for d in docs], findings, len(problems)


def validate(repo: Repository, paths: list[str] | None = None, strict: bool = False) -> ValidationResult:
    """Check documents (all, and repository-wide rules, when ``paths`` is empty).

    A large repository is checked in two processes (parsing YAML and scanning bodies is CPU
    work); the policy is loaded first so the forked worker inherits it.
    """
    keys = key_findings(repo)
    if not keys:
        load_policy(repo.root)  # the working tree's policy files must read back (file and line, exit 2)
    chosen = expand_paths(repo, paths) if paths else document_paths(repo.root)
    ctx = Context(policy=repo.policy, root=repo.root, today=repo.today, strict=strict)
    repo.drop_analysis()  # the rules read the policy, never the history
    workers = min(2, os.cpu_count() or 1)
    records: list[Finding] = []
    if len(chosen) >= PARALLEL_FROM and workers > 1 and "fork" in mp.get_all_start_methods():
        # this process also checks the registers, so it takes the smaller share of documents
        split = len(chosen) * 2 // 5 if not paths else len(chosen) // 2
        trim()  # the analysis that found the policy is gone: its pages go back before the fork
        with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
            other = pool.submit(_check_files, repo, chosen[split:], strict)
            docs, findings, unreadable = _check_files(repo, chosen[:split], strict)
            if not paths:
                records = _other_records(repo)
            more_docs, more_findings, more_unreadable = other.result()
        docs, findings, unreadable = docs + more_docs, findings + more_findings, unreadable + more_unreadable
    else:
        docs, findings, unreadable = _check_files(repo, chosen, strict)
        if not paths:
            records = _other_records(repo)
    if not paths:
        findings += check_repository(docs, ctx)
        findings += records
    findings += keys
    findings.sort(key=lambda f: (f.path or "", f.line or 0, f.code))
    return ValidationResult(findings, len(chosen), unreadable)


def key_findings(repo: Repository) -> list[Finding]:
    """Keys in the working tree's people.yaml that nobody could sign with (GK210, with their line).

    A broken key line is otherwise silently nobody's key; the policy loader refuses it too, so a
    committed one is refused by verify and the hook.
    """
    rel = f"{POLICY_DIR}/people.yaml"
    try:
        loaded = load_yaml(decode((repo.root / rel).read_bytes(), rel), rel)
    except (OSError, GkctlError):
        return []  # a missing or unparseable file is the policy loader's message
    people = loaded.data.get("people") if isinstance(loaded.data, dict) else None
    out = []
    for i, item in enumerate(people if isinstance(people, list) else []):
        keys = item.get("keys") if isinstance(item, dict) else None
        for j, key in enumerate(keys if isinstance(keys, list) else []):
            if not isinstance(key, str) or normalize_key(key) is None:
                out.append(finding("GK210", "error", rel, loaded.line("people", i, "keys", j),
                                   person=item.get("id", "?"), key=str(key)[:60]))  # fmt: skip
    return out


def _other_records(repo: Repository) -> list[Finding]:
    """Findings of the applications and appeals registers."""
    return check_records(repo.root, repo.policy, repo.today)
