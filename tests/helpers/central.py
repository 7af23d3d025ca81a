"""Pushing to the real central repository in tests, and asserting that its hook refused a push."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gkctl.services.server import init_server
from helpers.sig import Bureau, published_bureau


def push(b: Bureau, *args: str) -> subprocess.CompletedProcess[str]:
    """``git push origin ARGS`` (``main`` by default) from the bureau's work tree."""
    return subprocess.run(["git", "-C", str(b.work), "push", "origin", *(args or ("main",))],
                          capture_output=True, text=True)  # fmt: skip


def refs(server: Path) -> str:
    return subprocess.run(["git", "-C", str(server), "show-ref"], capture_output=True, text=True).stdout


def assert_refused(server: Path, b: Bureau, code: str, *push_args: str) -> str:
    """Push, and assert the hook refused it with ``code`` and left every central ref where it was."""
    before = refs(server)
    proc = push(b, *push_args)
    assert proc.returncode != 0, proc.stderr
    assert "gkctl 拒绝了这次推送" in proc.stderr, proc.stderr
    assert f"[{code}]" in proc.stderr, proc.stderr
    assert refs(server) == before
    return proc.stderr


@dataclass
class Central:
    """A real bare central repository (``server init``, its hooks) and the bureau that pushed to it."""

    path: Path
    honest: Bureau
    base: Path
    published: str  # repo path of the published document
    first_push: subprocess.CompletedProcess[str] | None = None

    def refs(self) -> str:
        return refs(self.path)

    def clone(self, name: str) -> Bureau:
        return self.honest.copy(self.base / name)


@contextmanager
def central_repository(base: Path) -> Iterator[Central]:
    """A bureau with one published document, pushed once to a fresh central repository."""
    with published_bureau(base) as (b, rel):
        server = init_server(base / "central.git").path
        b.git("remote", "add", "origin", str(server))
        yield Central(server, b, base, rel, push(b))
