"""``gkctl hook install`` (the clerk's pre-commit check), ``server init`` and the pre-receive
command's input handling."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gkctl.services.hooks import MARKER, parse_updates
from helpers.cli import Result

Cli = Callable[..., Result]
GOOD = """---
id: 2026-bgs-009
title: 关于开展审计项目的通知
kind: 非公文
category: 工作信息
doc_number: ''
section: 办公室
drafter: admin
formed: 2026-11-16
attribute: 主动公开
basis: [社会广泛知晓]
reason: ''
secrecy: 非密
sensitive: false
attachments: []
---
正文。
"""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)


def test_pre_commit_hook_blocks_invalid_staged_document(repo: Path, cli: Cli) -> None:
    res = cli("hook", "install", "-C", str(repo))
    assert res.exit_code == 0 and "pre-commit" in res.stdout
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert MARKER in hook.read_text() and os.access(hook, os.X_OK)
    doc = repo / "docs" / "2026" / "2026-bgs-009.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(GOOD.replace("attribute: 主动公开", "attribute: 随便公开"), encoding="utf-8")
    _git(repo, "add", str(doc))
    bad = _git(repo, "commit", "-q", "-m", "拟稿")
    assert bad.returncode != 0
    assert "docs/2026/2026-bgs-009.md:10:" in bad.stdout + bad.stderr
    assert "暂存的文件未通过检查" in bad.stderr
    assert _git(repo, "rev-list", "--count", "HEAD").stdout.strip() == "1"
    # the hook reads the index, not the work tree: fixing only the file on disk is not enough
    doc.write_text(GOOD, encoding="utf-8")
    assert _git(repo, "commit", "-q", "-m", "拟稿").returncode != 0
    _git(repo, "add", str(doc))
    ok = _git(repo, "commit", "-q", "-m", "拟稿")
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_hook_install_keeps_a_foreign_hook(repo: Path, cli: Cli) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    res = cli("hook", "install", "-C", str(repo))
    assert res.exit_code == 2 and "--force" in res.stderr and str(hook) in res.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    assert cli("hook", "install", "--force", "-C", str(repo)).exit_code == 0
    assert MARKER in hook.read_text()


def test_server_init_creates_bare_repo_with_hook(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "central.git"
    res = cli("server", "init", str(target))
    assert res.exit_code == 0 and "pre-receive" in res.stdout
    assert _git(target, "rev-parse", "--is-bare-repository").stdout.strip() == "true"
    script = (target / "hooks" / "pre-receive").read_text()
    assert MARKER in script and sys.executable in script and "hook pre-receive" in script
    again = cli("server", "init", str(target))
    assert again.exit_code == 2 and "不是空目录" in again.stderr
    assert cli("server", "init", str(tmp_path / "x.git"), "--root", "abc").exit_code == 2


def test_pre_receive_rejects_garbage_input(tmp_path: Path, cli: Cli, monkeypatch) -> None:
    import io

    target = tmp_path / "central.git"
    cli("server", "init", str(target))
    monkeypatch.setattr(sys, "stdin", io.StringIO("not a push line\n"))
    res = cli("hook", "pre-receive", "-C", str(target))
    assert res.exit_code == 2 and "<stdin>:1" in res.stderr and "无法理解的推送记录" in res.stderr


def test_parse_updates_creation_and_deletion() -> None:
    zero, a = "0" * 40, "a" * 40
    ups = parse_updates(f"{zero} {a} refs/heads/main\n{a} {zero} refs/heads/old\n")
    assert (ups[0].old, ups[0].new, ups[1].new, ups[1].ref) == (None, a, None, "refs/heads/old")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped alarm, on purpose
def test_the_push_budget_holds_when_the_alarm_lands_where_python_drops_it(tmp_path: Path, monkeypatch) -> None:
    """The check's time budget is an alarm that raises; if it fires inside an object's
    ``__del__`` Python prints the exception and carries on. The push must still be refused
    (it was accepted: the budget test failed about one run in three)."""
    import time

    from gkctl.services import hooks

    class DropsTheAlarm:
        def __del__(self) -> None:
            time.sleep(0.3)  # the alarm fires here, and Python ignores what it raises

    def check(root: Path, updates: list, now: float | None = None) -> list:
        DropsTheAlarm()  # made and collected at once: its __del__ runs now
        return []

    monkeypatch.setattr(hooks, "_pre_receive", check)
    monkeypatch.setattr(hooks, "hook_budget", lambda root: 0.05)
    assert [v.code for v in hooks.pre_receive(tmp_path, [])] == ["GK463"]
