"""Shared fixtures: hermetic git, a gkctl repository with a real signing admin, a CLI runner."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test helper modules (sig_helpers …)

from gkctl.cli.main import run
from gkctl.core.i18n import set_lang
from gkctl.services.init import init_repository
from sig_helpers import SshKey, make_ssh_key, use_ssh_key

CODE = "11500000MB1B37366Q"
ORG = "重庆市綦江区审计局"


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME and global git config; system config is off."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test\n\temail = test@example.org\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GKCTL_LANG", "GKCTL_DEBUG"):
        monkeypatch.delenv(var, raising=False)
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


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, cwd: Path | None = None) -> Result:
    """Run ``gkctl ARGS`` in-process through the console-script entry (error mapping included)."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    code = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(old)
        set_lang("zh")
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., Result]:
    return run_cli


@pytest.fixture
def bureau(repo: Path, admin_key: SshKey, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The workflow tests' people registered by the admin, and one draft by the clerk."""
    from docs_helpers import write_doc
    from workflow_helpers import DOC, Bureau

    b = Bureau(repo, admin_key, tmp_path / "people-keys")
    write_doc(repo, DOC, drafter="clerk")
    b.commit_file("clerk", DOC)
    return b
