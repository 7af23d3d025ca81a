"""``gkctl save``: the drafter's documents and their attachments as signed commits.

A clerk should never need ``git add`` or ``git commit -S``. Save commits one document (with
the attachments it lists) per commit under a standard Chinese subject, so ``log`` reads as
拟稿/修改 lines, and it refuses to make an unsigned commit: an unsigned change counts for
nothing in the review chain and only ``verify`` would say so, much later.
"""

from __future__ import annotations

from dataclasses import dataclass

from gkctl.core.document import Document, read_document
from gkctl.core.errors import GkctlError, InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.rules import Context, check_document
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import commit, config_value, git_bytes
from gkctl.trail.signatures import configured_key


@dataclass(frozen=True)
class Saved:
    doc_id: str
    path: str
    commit: str
    subject: str
    files: tuple[str, ...]


def changed_paths(repo: Repository, paths: list[str] | None = None) -> set[str]:
    """Repo-relative paths that differ from HEAD (modified, new or deleted), under ``paths``."""
    out = git_bytes(repo.root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                    *(paths or ["docs", "attachments"])).decode("utf-8", "surrogateescape")  # fmt: skip
    found: set[str] = set()
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        if len(entry) > 3:
            found.add(entry[3:])
            if entry[0] in "RC":  # a rename carries its old name in the next entry
                i += 1
        i += 1
    return found


def in_head(repo: Repository, path: str) -> bool:
    return bool(git_bytes(repo.root, "ls-tree", "--name-only", "HEAD", "--", path, check=False).strip())


def _targets(repo: Repository, refs: list[str]) -> list[Document]:
    if refs:
        return [repo.find_document(ref) for ref in refs]
    changed = sorted(p for p in changed_paths(repo, ["docs"]) if p.endswith(".md") and (repo.root / p).is_file())
    return [read_document(repo.root, p) for p in changed]


def ensure_signing(repo: Repository) -> None:
    """Refuse before anything is written or staged when git would not sign."""
    if not config_value(repo.root, "user.signingkey"):
        raise InputError(t("sig.not_configured"))
    configured_key(repo.root)  # an unreadable key file fails here too


def save(repo: Repository, refs: list[str], message: str = "") -> list[Saved]:
    """Commit each changed document of ``refs`` (default: every changed one) with its attachments."""
    ensure_signing(repo)
    docs = _targets(repo, refs)
    if not docs:
        raise RuleError(t("save.nothing"))
    ctx = Context(repo.policy, repo.root, repo.today)
    for doc in docs:  # refuse before the first commit, so a batch is saved whole or not at all
        errors = [f for f in check_document(doc, ctx) if f.is_error]
        if errors:
            raise RuleError(t("save.invalid", message=errors[0].message), errors[0].path, errors[0].line)
    results = []
    for doc in docs:
        attachments = [a.file for a in doc.attachments if a.file and (repo.root / a.file).is_file()]
        files = [doc.path, *attachments]
        pending = changed_paths(repo, files)
        if not pending:
            if refs:
                raise RuleError(t("save.unchanged", path=doc.path), doc.path)
            continue
        verb = "save.subject.new" if not in_head(repo, doc.path) else "save.subject.change"
        subject = t(verb, title=doc.title or doc.id)
        # one line behind a Chinese label: a drafter's note can never be read as a step trailer
        note = " ".join(ln.strip() for ln in message.strip().splitlines() if ln.strip())
        text = subject + (f"\n\n{t('save.note', text=note)}" if note else "") + "\n"
        sha = commit(repo.root, text, sorted(pending))
        results.append(Saved(doc.id, doc.path, sha, subject, tuple(sorted(pending))))
    if not results:
        raise RuleError(t("save.nothing"))
    return results


def unsaved_state(repo: Repository, ref: str) -> str | None:
    """``uncommitted`` for a document never saved, ``changed`` for one edited since it was
    saved, None when saved as it is (or when ``ref`` names no file here)."""
    try:
        doc = repo.find_document(ref)
    except GkctlError:
        return None
    if not in_head(repo, doc.path):
        return "uncommitted"
    return "changed" if changed_paths(repo, [doc.path]) else None
