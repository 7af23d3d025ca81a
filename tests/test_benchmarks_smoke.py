"""The benchmark generator makes a small repository that git and gkctl accept as genuine.

No timings here (DESIGN §6: timings live in ``benchmarks/``); this only guards the corpus the
timings are measured on: signatures git itself verifies, documents that validate, a history
``gkctl verify`` passes and whose published documents ``gkctl status`` sees.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers.cli import run_cli
from helpers.modules import load_module

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
generate = load_module(BENCH / "generate.py").generate
Signer = load_module(BENCH / "sshsig_sign.py").Signer


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    stats = generate(20, out, seed=7, apps=12, sample=3, quiet=True)
    return out, stats


def test_in_process_signature_is_what_ssh_keygen_makes(tmp_path: Path) -> None:
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "k", "-f", str(key)], check=True)
    (tmp_path / "msg").write_bytes(b"tree 0\n\nhello\n")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "git", "-f", str(key), str(tmp_path / "msg")],
                   check=True, capture_output=True)  # fmt: skip
    assert Signer.from_file(key).sshsig(b"tree 0\n\nhello\n") == (tmp_path / "msg.sig").read_bytes()


def test_small_corpus_has_documents_applications_and_many_commits(corpus: tuple[Path, dict]) -> None:
    root, stats = corpus
    assert stats["documents"] == 20 and stats["applications"] == 12
    assert len(list((root / "docs").rglob("*.md"))) == 20
    assert len(list((root / "applications").rglob("*.yaml"))) == 12
    count = int(subprocess.run(["git", "-C", str(root), "rev-list", "--count", "HEAD"], capture_output=True,
                               text=True, check=True).stdout)  # fmt: skip
    assert count == stats["commits"] and count > 100
    assert subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True).stdout == ""
    fsck = subprocess.run(["git", "-C", str(root), "fsck", "--no-dangling"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr  # the hand-made pack is a well-formed one


def test_git_verifies_every_commit_signature(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    out = subprocess.run(["git", "-C", str(root), "log", "--format=%G?"], capture_output=True, text=True, check=True)
    assert set(out.stdout.split()) == {"G"}
    tip = subprocess.run(["git", "-C", str(root), "verify-commit", "HEAD"], capture_output=True, text=True)
    assert tip.returncode == 0, tip.stderr
    assert 'Good "git" signature' in tip.stderr


def test_gkctl_validate_passes(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    result = run_cli("-C", str(root), "validate", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["errors"] == 0 and data["warnings"] == 0 and data["checked"] >= 20


def test_gkctl_verify_accepts_the_whole_history(corpus: tuple[Path, dict]) -> None:
    root, _ = corpus
    result = run_cli("-C", str(root), "verify", "--format", "json")
    assert result.exit_code == 0, result.output[:2000]


def test_gkctl_status_sees_published_documents(corpus: tuple[Path, dict]) -> None:
    root, stats = corpus
    result = run_cli("-C", str(root), "status", "--format", "json")
    assert result.exit_code == 0, result.output[:2000]
    states = [d["state"] for d in json.loads(result.stdout)["documents"]]
    assert len(states) == stats["documents"]
    assert sum(s in ("published", "withdrawn", "repealed") for s in states) == stats["published"] > 0
