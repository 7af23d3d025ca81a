"""Opening a gkctl repository: its root, its policy, its documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from gkctl.core.document import Document, document_paths, read_document
from gkctl.core.errors import GkctlError, InputError
from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.policy import Policy, is_policy_path, load_policy, load_policy_from_files
from gkctl.services.status_cache import today_beijing
from gkctl.trail.cache import cache_path, load_marshal, save_marshal
from gkctl.trail.gitutil import find_root, git, git_bytes, read_objects
from gkctl.trail.incremental import analyse_head
from gkctl.trail.workflow import Analysis


@dataclass
class Repository:
    root: Path
    today: date = field(default_factory=today_beijing)  # the bureau's day, whatever the machine's zone

    @cached_property
    def policy(self) -> Policy:
        """The effective policy at HEAD: roles and rules as an admin last signed them.

        Never the working tree's: an uncommitted (or unauthorised) edit granting oneself a role
        must not work. Before the first commit there is nothing else to read.
        """
        return effective_policy(self.root, lambda: self.analysis)

    def __getstate__(self) -> dict[str, object]:
        # a worker process is sent the root and the policy, not HEAD's analysis
        return {k: v for k, v in self.__dict__.items() if k != "analysis"}

    @cached_property
    def analysis(self) -> Analysis:
        """HEAD's analysis (folded from the snapshot when it can be), once per command."""
        return analyse_head(self.root)

    def drop_analysis(self) -> None:
        """Let HEAD's analysis go once the command needs only the policy: after a cold pass it
        is the largest thing the process holds (~100 MB at 10,000 documents)."""
        self.__dict__.pop("analysis", None)

    def documents(self, paths: list[str] | None = None) -> tuple[list[Document], list[Finding]]:
        """Parse documents (all under docs/ by default); unreadable ones become GK100 findings."""
        docs: list[Document] = []
        problems: list[Finding] = []
        for rel in paths if paths is not None else document_paths(self.root):
            try:
                docs.append(read_document(self.root, rel))
            except GkctlError as exc:
                problems.append(finding("GK100", "error", exc.path or rel, exc.line, error=exc.message))
        return docs, problems

    def find_document(self, ref: str) -> Document:
        """A document by id or by path (relative to the repository or the current folder)."""
        for candidate in (Path(ref), Path.cwd() / ref, self.root / ref):
            if candidate.suffix == ".md" and candidate.is_file():
                rel = candidate.resolve().relative_to(self.root.resolve()).as_posix()
                return read_document(self.root, rel)
        docs, _ = self.documents()
        for doc in docs:
            if doc.id == ref:
                return doc
        raise InputError(t("repo.no_document", ref=ref))

    def relpath(self, path: str) -> str:
        """Repo-relative posix path for a user-given path (cwd-relative or repo-relative)."""
        for candidate in (Path.cwd() / path, self.root / path):
            if candidate.exists():
                try:
                    return candidate.resolve().relative_to(self.root.resolve()).as_posix()
                except ValueError:
                    break
        raise InputError(t("repo.no_such_path", path=path))


EFFECTIVE_CACHE = "effective-policy-v1.marshal"


def effective_policy(root: Path, analysis: Callable[[], Analysis] | None = None) -> Policy:
    """The policy in force at HEAD (the working tree's only in a repository without commits).

    Which policy files are in force is cached by commit id under ``.git/gkctl/``; a commit that
    touches no policy file inherits its parent's entry, so an everyday command reads no history.
    """
    head = git_bytes(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).decode().strip()
    if not head:
        return load_policy(root)
    file = cache_path(root, EFFECTIVE_CACHE)
    cache = load_marshal(file)
    eff = cache.get(head)
    if not isinstance(eff, tuple):
        eff = _inherited(root, head, cache)
    if not isinstance(eff, tuple):
        # the folded analysis knows it (a linear run of commits that change no policy file keeps
        # its snapshot's); anything else is the full pass's answer, which analyse_head gives too
        found = analysis() if analysis is not None else analyse_head(root, head)
        eff = found.trust.effective_files(head) if found.head == head else None
        eff = eff or ()
    if cache.get(head) != eff:
        cache[head] = eff
        save_marshal(file, cache)
    blobs = read_objects(root, [blob for _, blob in eff])
    try:
        return load_policy_from_files({path: blobs.get(blob, b"") for path, blob in eff})
    except InputError as exc:
        raise InputError(t("repo.no_effective_policy", error=exc.message), exc.path, exc.line) from None


def _inherited(root: Path, head: str, cache: dict[object, object]) -> tuple[tuple[str, str], ...] | None:
    """The parent's cached entry when ``head`` is an ordinary commit that changes no policy file."""
    ids = git(root, "rev-list", "--parents", "-n", "1", head).split()
    if len(ids) != 2 or not isinstance(cache.get(ids[1]), tuple):
        return None
    changed = git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", head).split("\0")
    return None if any(is_policy_path(p) for p in changed if p) else cache[ids[1]]  # type: ignore[return-value]


def open_repository(repo: str | None = None) -> Repository:
    """The repository at ``repo`` (``-C``) or found upward from the current folder."""
    if repo is not None and not Path(repo).is_dir():
        raise InputError(t("repo.no_such_dir", path=repo))
    return Repository(find_root(repo))
