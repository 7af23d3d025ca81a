"""Hermetic git for tests: a HOME and global config of their own, no system config, no stray GIT_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

CODE = "11500000MB1B37366Q"
ORG = "重庆市綦江区审计局"

GITCONFIG = (
    "[user]\n\tname = Test\n\temail = test@example.org\n"
    "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
)
_CLEARED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GKCTL_LANG", "GKCTL_DEBUG")


def hermetic_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and git's global config at ``home`` (created with a plain identity)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(GITCONFIG)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var in _CLEARED:
        monkeypatch.delenv(var, raising=False)
    return home
