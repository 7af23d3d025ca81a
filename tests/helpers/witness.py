"""A bureau whose central repository witnesses time: ``server init``, a first push, the admin's pin."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from gkctl.services.server import init_server, pin
from helpers.sig import Bureau, bureau_env


@dataclass
class Witnessed:
    bureau: Bureau  # clone A: the admin's work tree, remote "origin" = central
    central: Path
    key_line: str
    base: Path

    def push(self, b: Bureau | None = None, *args: str) -> subprocess.CompletedProcess[str]:
        work = (b or self.bureau).work
        return subprocess.run(["git", "-C", str(work), "push", "origin", *(args or ("main",))],
                              capture_output=True, text=True)  # fmt: skip

    def refs(self, path: Path | None = None) -> str:
        return subprocess.run(["git", "-C", str(path or self.central), "show-ref"], capture_output=True, text=True).stdout

    def copy_central(self, name: str) -> Path:
        target = self.base / name
        shutil.copytree(self.central, target, symlinks=True)
        return target


def git(path: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@contextmanager
def witnessed_bureau(base: Path) -> Iterator[Witnessed]:
    """Bureau A pushed to a fresh central repository whose witness key the admin pinned and pushed."""
    with pytest.MonkeyPatch.context() as mp:
        for k, v in bureau_env(base / "home").items():
            mp.setenv(k, v)
        b = Bureau.create(base)
        server = init_server(base / "central.git")
        b.git("remote", "add", "origin", str(server.path))
        w = Witnessed(b, server.path, server.key_line, base)
        first = w.push()
        assert first.returncode == 0, first.stderr
        pin(b.act("wang"), server.key_line)
        pinned = w.push()
        assert pinned.returncode == 0, pinned.stderr
        b.git("fetch", "-q", "origin", "refs/gkctl/*:refs/gkctl/*")
        b.git("branch", "-q", "--set-upstream-to=origin/main")
        yield w
