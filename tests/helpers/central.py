"""Pushing to the real central repository in tests, and asserting that its hook refused a push."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.sig import Bureau


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
