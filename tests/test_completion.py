"""Shell completion offers the repository's own values: document ids, people, column names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.docs import write_doc


def complete(root: Path, words: str) -> list[str]:
    env = {**os.environ, "_GKCTL_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "gkctl"], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completion_of_ids_people_and_columns(repo: Path) -> None:
    write_doc(repo, "docs/2026/2026-bgs-001.md")
    write_doc(repo, "docs/2026/2026-bgs-002.md", id="2026-bgs-002")
    assert complete(repo, "gkctl status 2026-bgs") == ["2026-bgs-001", "2026-bgs-002"]
    assert complete(repo, "gkctl review 2026-bgs-00") == ["2026-bgs-001", "2026-bgs-002"]
    assert complete(repo, "gkctl people grant ad") == ["admin"]
    assert complete(repo, "gkctl new --category 审计") == ["审计结果公告", "审计查出问题整改情况"]
    assert complete(repo, "gkctl stat") == ["status"]


def test_completion_outside_a_repository_offers_nothing(tmp_path: Path) -> None:
    assert complete(tmp_path, "gkctl status 20") == []


def test_install_and_show_completion_are_offered(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "gkctl", "--show-completion", "bash"], cwd=repo,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0 and "_GKCTL_COMPLETE" in proc.stdout
