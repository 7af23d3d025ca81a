"""Docs that cannot drift: the README's command reference, help examples, layering, the wheel."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import typer.main

from gkctl.cli.main import app
from helpers.modules import load_module

ROOT = Path(__file__).resolve().parent.parent
cli_reference = load_module(ROOT / "scripts" / "cli_reference.py")


def test_readme_command_reference_is_current() -> None:
    assert cli_reference.updated_readme() == cli_reference.README.read_text(encoding="utf-8"), (
        "README.md command reference is stale: run `make docs`"
    )


@pytest.mark.parametrize("path", cli_reference._paths(typer.main.get_command(app), []), ids=" ".join)
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    text = cli_reference._help(path)
    assert "用法：" in text
    group = typer.main.get_command(app)
    for name in path:
        group = group.commands[name]  # type: ignore[attr-defined]
    if not getattr(group, "commands", None):  # leaf commands carry an example
        assert "示例" in text, f"gkctl {' '.join(path)} --help has no 示例"


def test_core_never_imports_the_terminal() -> None:
    """CLI → services → core: only gkctl.cli may import typer or rich."""
    offenders = []
    for path in (ROOT / "src/gkctl").rglob("*.py"):
        rel = path.relative_to(ROOT / "src/gkctl").as_posix()
        if rel.startswith("cli/") or rel == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("typer", "rich", "click") or name.startswith("gkctl.cli"):
                    offenders.append(f"{rel}: {name}")
    assert offenders == []


def test_readme_quick_start_is_the_two_make_targets() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quick start")[1].split("```sh")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "make test" in ci


@pytest.mark.slow
def test_wheel_ships_templates_and_policies(tmp_path: Path) -> None:
    """Package data must be inside the wheel, not only visible from a source checkout."""
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0 and "No module named build" in proc.stderr:
        pytest.skip("the 'build' package is not installed")
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("gkctl-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("gkctl/policies/workflow.yaml", "gkctl/policies/disclosure.yaml",
                   "gkctl/templates/documents/document.md.j2", "gkctl/messages/core.yaml", "gkctl/cli/main.py"):
        assert needed in names, needed
    assert any(n.startswith("gkctl/templates/site/") for n in names)
