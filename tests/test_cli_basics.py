"""The command contract: help, version, exit codes, no tracebacks, language switch."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from gkctl.cli.common import plain_text
from helpers.cli import run_cli


def test_version_and_help() -> None:
    r = run_cli("--version")
    assert r.exit_code == 0 and r.stdout.startswith("gkctl ")
    r = run_cli("--help")
    assert r.exit_code == 0 and "validate" in r.stdout


def test_not_a_repository_is_exit_2_in_chinese(tmp_path: Path) -> None:
    r = run_cli("validate", cwd=tmp_path)
    assert r.exit_code == 2
    assert "不是 gkctl 仓库" in r.stderr
    assert "Traceback" not in r.output


def test_english_on_request(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("--lang", "en", "validate", cwd=tmp_path)
    assert r.exit_code == 2 and "not inside a gkctl repository" in r.stderr
    monkeypatch.setenv("GKCTL_LANG", "en")
    r = run_cli("validate", cwd=tmp_path)
    assert "not inside a gkctl repository" in r.stderr


def test_unknown_option_is_usage_error() -> None:
    r = run_cli("validate", "--no-such-option")
    assert r.exit_code == 2
    assert "Traceback" not in r.output


def test_bug_is_exit_3_without_traceback(repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gkctl.services.validate as v

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("secret body text")

    monkeypatch.setattr(v, "check_repository", boom)
    r = run_cli("validate", cwd=repo)
    assert r.exit_code == 3
    assert "GKCTL_DEBUG=1" in r.stderr
    assert "secret body text" not in r.output and "Traceback" not in r.output


_PLAIN = [
    ("已撤回：2021-bgs-248（提交 8043e38835）", {}),
    ("站点已生成：/work/site（版本 e99054e1e8e8，4219 条信息，31 条已撤回，4722 个页面；写入 5332 个文件，0 个未变，"
     "删除 0 个；用时 14.48 秒）", {"soft_wrap": True, "markup": False}),
    ("trailing spaces   ", {"markup": True}),
    ("两行\n第二行", {}),
    ("", {}),
]
_RICH = [
    ("[yellow]警告[/yellow]", {}),  # markup
    ("docs/a.md [GK101] 缺少标题", {"markup": False}),  # a bracket: left to rich, whatever the option
    ("表情 :smile:", {}),  # an emoji code
    ("制表\t符", {}),
    ("一" * 41, {}),  # might wrap at 80 cells
    ("x", {"end": ""}),  # another option
]


@pytest.mark.parametrize(("text", "options"), _PLAIN + _RICH)
def test_a_plain_line_off_a_terminal_is_written_as_rich_writes_it(
    text: str, options: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI writes a plain line to a pipe itself (rich costs ~15-35 ms to import): the bytes are
    rich's, and anything rich could print otherwise is left to rich."""
    monkeypatch.delenv("COLUMNS", raising=False)
    buf = io.StringIO()
    Console(file=buf, highlight=False).print(text, **options)  # type: ignore[arg-type]
    got = plain_text((text,), options)
    if (text, options) in _PLAIN:
        assert got == buf.getvalue()
    else:
        assert got is None


def test_a_line_piped_from_a_narrow_terminal_is_left_to_rich_which_wraps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal rich still wraps at the width of a terminal on another standard stream."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=0: os.terminal_size((40, 25)))
    text = "审计" * 15  # 60 cells: one line on 80, two on 40
    buf = io.StringIO()
    Console(file=buf, highlight=False).print(text)
    assert buf.getvalue() != text + "\n"  # rich wrapped it
    assert plain_text((text,), {}) is None
