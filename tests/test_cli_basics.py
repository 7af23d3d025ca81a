"""The command contract: help, version, exit codes, no tracebacks, language switch."""

from __future__ import annotations

from pathlib import Path

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
