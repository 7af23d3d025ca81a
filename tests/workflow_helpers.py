"""Hermetic git for the workflow tests: a HOME of their own, fixed identity, no system config.

``gkctl.gitutil`` strips inherited ``GIT_*`` variables (so gkctl behaves the same inside a
hook), which means tests isolate git through ``HOME`` rather than ``GIT_CONFIG_GLOBAL``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def run_git(repo: Path, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME with a fixed git identity; system config switched off."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.org\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-26T09:00:00+08:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-26T09:00:00+08:00")
    return home
