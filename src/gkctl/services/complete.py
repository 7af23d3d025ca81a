"""Shell completion values read straight from the work tree: cheap enough to run on every <Tab>.

Nothing here parses documents or history; a completion that fails (no repository here, a
broken file) offers nothing rather than an error in the middle of the user's command line.
"""

from __future__ import annotations

from pathlib import Path

from gkctl.core.errors import GkctlError
from gkctl.core.policy import POLICY_DIR
from gkctl.core.yamlio import load_yaml
from gkctl.trail.gitutil import find_root


def _root(repo: str | None) -> Path | None:
    try:
        return find_root(repo)
    except GkctlError:
        return None


def document_ids(incomplete: str, repo: str | None = None) -> list[str]:
    """Document ids (file names under docs/) starting with ``incomplete``."""
    root = _root(repo)
    if root is None:
        return []
    return sorted(p.stem for p in (root / "docs").rglob("*.md") if p.stem.startswith(incomplete))


def _policy_list(root: Path, name: str, key: str, field: str) -> list[str]:
    try:
        data = load_yaml((root / POLICY_DIR / name).read_text(encoding="utf-8"), name).data or {}
    except (OSError, GkctlError):
        return []
    return [str(item.get(field)) for item in data.get(key) or [] if isinstance(item, dict) and item.get(field)]


def person_ids(incomplete: str, repo: str | None = None) -> list[str]:
    root = _root(repo)
    return [] if root is None else [p for p in _policy_list(root, "people.yaml", "people", "id") if p.startswith(incomplete)]


def categories(incomplete: str, repo: str | None = None) -> list[str]:
    """The column names (信息分类) of policies/columns.yaml."""
    root = _root(repo)
    found = [] if root is None else _policy_list(root, "columns.yaml", "categories", "name")
    return [c for c in found if c.startswith(incomplete)]
