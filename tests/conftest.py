"""Shared fixtures: hermetic git, a gkctl repository with a real signing admin, a CLI runner."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gkctl.core.i18n import set_lang
from gkctl.services.init import init_repository
from helpers.cli import Result, run_cli
from helpers.git import CODE, ORG, hermetic_home
from helpers.sig import SshKey, make_ssh_key, use_ssh_key


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and global git config; system config is off."""
    home = hermetic_home(tmp_path_factory.mktemp("home"), monkeypatch)
    set_lang("zh")
    return home


@pytest.fixture
def admin_key(tmp_path: Path) -> SshKey:
    return make_ssh_key(tmp_path / "keys", "admin")


@pytest.fixture
def repo(tmp_path: Path, admin_key: SshKey) -> Path:
    """A fresh gkctl repository whose git signs as the admin (first commit signed)."""
    root = tmp_path / "bureau"
    root.mkdir()
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True)
    use_ssh_key(root, admin_key)
    init_repository(root, org=ORG, code=CODE, admin_id="admin", admin_name="王主任", admin_key=admin_key.line)
    return root


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def bureau(repo: Path, admin_key: SshKey, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The workflow tests' people registered by the admin, and one draft by the clerk."""
    from helpers.docs import write_doc
    from helpers.workflow import DOC, Bureau

    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    write_doc(repo, DOC, drafter="clerk")
    b.commit_file("clerk", DOC)
    return b
