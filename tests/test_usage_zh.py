"""Every sentence a user can meet on a help page or in a usage error is Chinese by default.

The outputs are collected by running gkctl itself: ``--help`` of every command, and the usage
errors clerks actually make (a typo in a command, a word where a year belongs, a missing
argument, an unknown option or value). ``--lang en`` keeps click's English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import typer.main

from gkctl.cli.main import app
from helpers.cli import run_cli

# Words that are names, not English sentences: tools, formats, file and key kinds.
NAMES = {"git", "ssh", "gpg", "OpenPGP", "GnuPG", "json", "text", "html", "md", "yaml", "pdf", "id", "admin",
         "allowed", "signers", "origin", "main", "HEAD", "CI", "YYYY", "MM", "DD", "GKCTL", "LANG", "zh", "en",
         "ed25519", "ssh-keygen", "shell", "pre", "commit", "receive", "url", "www", "http", "https", "COLUMNS"}

USAGE_ERRORS = [
    ["stauts"],
    ["stat"],
    ["report", "annual", "--year", "abc"],
    ["show"],
    ["review"],
    ["people", "add"],
    ["status", "--format", "xml"],
    ["list", "--bogus"],
    ["review", "2026-bgs-001", "--approve", "-m"],
    ["--lang", "fr", "status"],
    ["report"],
    ["show", "a", "b"],
]


def _is_name(word: str) -> bool:
    return word in NAMES or word in COMMANDS or bool(re.search(r"\d", word))


def english_sentences(texts: Iterable[str]) -> list[str]:
    """Runs of two or more English words, once commands, options, placeholders, quoted values
    and names are set aside."""
    found = []
    for text in texts:
        for line in text.splitlines():
            line = re.sub(r"(gkctl|git)( [a-z][\w.-]*)*", " ", line)  # command paths and examples
            line = re.sub(r"(?<![\w-])--?[\w-]+", " ", line)  # options
            line = re.sub(r"<[^>]*>|\{[^}]*\}|'[^']*'|“[^”]*”|\"[^\"]*\"|\S*[/.]\S*", " ", line)
            line = re.sub(r"[A-Za-z][\w-]*", lambda m: " " if _is_name(m.group(0)) else m.group(0), line)
            if re.search(r"[A-Za-z]{2,}[ ,.:;!?]+[A-Za-z]{2,}", line):
                found.append(line.strip())
    return found


def command_paths() -> list[list[str]]:
    def walk(group: object, prefix: list[str]) -> list[list[str]]:
        out = []
        for name, cmd in sorted(getattr(group, "commands", {}).items()):
            out.append([*prefix, name])
            out += walk(cmd, [*prefix, name])
        return out

    return [[], *walk(typer.main.get_command(app), [])]


COMMANDS = {p[-1] for p in command_paths() if p}


def test_the_checker_finds_english() -> None:
    assert english_sentences(["Error: Missing argument 'doc'."]) == ["Error: Missing argument"]
    assert english_sentences(["  -h, --help  Show this message and exit."])
    assert english_sentences(["用法：gkctl show [选项] {文件编号}", "错误：缺少参数“文件编号”。"]) == []


def test_help_pages_and_usage_errors_are_chinese(repo: Path) -> None:
    outputs = {}
    for path in command_paths():
        res = run_cli(*path, "--help", cwd=repo)
        assert res.exit_code == 0, (path, res.output)
        outputs[" ".join([*path, "--help"])] = res.output
    for args in USAGE_ERRORS:
        res = run_cli(*args, cwd=repo)
        assert res.exit_code == 2, (args, res.output)
        outputs[" ".join(args)] = res.output
    bad = [line for v in outputs.values() for line in english_sentences([v])]
    assert bad == []
    assert "错误：没有命令“stauts”。您要输入的是不是“status”？" in outputs["stauts"]
    assert "错误：“--year”的值无效：应为整数" in outputs["report annual --year abc"]
    assert "错误：缺少参数“文件编号”。" in outputs["show"]
    assert "显示本帮助并退出。" in outputs["status --help"]
    assert "用法：gkctl status [选项]" in outputs["status --help"]


@pytest.mark.parametrize("args, english", [
    (["stauts"], "Error: No such command 'stauts'. Did you mean 'status'?"),
    (["show"], "Error: Missing argument 'document'."),
    (["report", "annual", "--year", "abc"], "Error: Invalid value for '--year': 'abc' is not a valid int"),
    (["status", "--help"], "Show this message and exit."),
])  # fmt: skip
def test_lang_en_keeps_clicks_english(repo: Path, args: list[str], english: str) -> None:
    res = run_cli("--lang", "en", *args, cwd=repo)
    assert english in res.output
    assert "Usage: gkctl" in res.output


def test_unknown_language_and_attribute_are_usage_errors(repo: Path) -> None:
    res = run_cli("--lang", "fr", "status", cwd=repo)
    assert res.exit_code == 2 and "“fr”不是支持的语言" in res.output
    res = run_cli("list", "--attribute", "公开", cwd=repo)
    assert res.exit_code == 2 and "公开" in res.output and "主动公开" in res.output
    res = run_cli("list", "--category", "没有这个分类", cwd=repo)
    assert res.exit_code == 2
