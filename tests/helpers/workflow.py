"""Hermetic git for the workflow tests: a HOME of their own, fixed identity, no system config.

``gkctl.trail.gitutil`` strips inherited ``GIT_*`` variables (so gkctl behaves the same inside a
hook), which means tests isolate git through ``HOME`` rather than ``GIT_CONFIG_GLOBAL``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def run_git(repo: Path, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def git_home(hermetic_git: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """conftest's hermetic HOME, plus fixed author and committer dates for reproducible ids."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-26T09:00:00+08:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-26T09:00:00+08:00")
    return hermetic_git


PEOPLE = {
    "clerk": ("张三", "办公室", ["drafter"]),
    "reviewer": ("李四", "办公室", ["reviewer"]),
    "signer": ("王局", "局领导", ["signer", "reviewer"]),
    "office": ("赵办", "办公室", ["office"]),
    "p1": ("校对一", "办公室", ["proofreader"]),
    "p2": ("校对二", "办公室", ["proofreader"]),
    "p3": ("校对三", "办公室", ["proofreader", "office"]),
    "publisher": ("钱主任", "办公室", ["publisher"]),
}


class Bureau:
    """A gkctl repository whose admin added the people above, each with a real ssh key."""

    def __init__(self, root: Path, admin_key, keys_dir: Path) -> None:
        from gkctl.core.yamlio import dump_yaml
        from helpers.sig import make_ssh_key, use_ssh_key

        self.root = root
        self.keys = {"admin": admin_key}
        self._use = use_ssh_key
        # one admin-signed commit adding everyone (``gkctl people add`` is tested on its own)
        people_file = root / "policies/people.yaml"
        entries = []
        for pid, (name, section, roles) in PEOPLE.items():
            key = make_ssh_key(keys_dir, pid)
            self.keys[pid] = key
            entries.append({"id": pid, "name": name, "section": section, "roles": roles, "keys": [key.line]})
        people_file.write_text(people_file.read_text(encoding="utf-8") + dump_yaml(entries), encoding="utf-8")
        self.commit_file("admin", "policies/people.yaml", "人员变更：新增审核人员")

    @property
    def repo(self):
        from gkctl.services.repository import Repository

        return Repository(self.root)

    def as_(self, pid: str) -> Bureau:
        self._use(self.root, self.keys[pid])
        return self

    def commit_file(self, pid: str, rel: str, message: str = "拟稿") -> str:
        self.as_(pid)
        run_git(self.root, "add", rel)
        run_git(self.root, "commit", "-q", "-S", "-m", message)
        return run_git(self.root, "rev-parse", "HEAD").strip()

    def state(self, rel: str):
        from gkctl.trail.workflow import analyse

        return analyse(self.root).documents[rel]


DOC = "docs/2026/2026-bgs-001.md"


def full_chain(b: Bureau, ref: str = DOC) -> None:
    """审稿 → 签发 → 复核 → 三校, each by the right person, through gkctl's own step service."""
    from gkctl.services import steps

    steps.decide(b.as_("reviewer").repo, ref, "review", True, "公开属性准确")
    steps.decide(b.as_("signer").repo, ref, "sign", True, "同意")
    steps.decide(b.as_("office").repo, ref, "check", True, "复核无误，不涉密")
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, ref, "proofread", True, "校对无误")


def new_bureau(root: Path, keys: Path) -> Bureau:
    """``gkctl init`` in ``root`` by an admin with a fresh key, then the people of ``PEOPLE``."""
    from gkctl.services.init import init_repository
    from helpers.git import CODE, ORG
    from helpers.sig import make_ssh_key, use_ssh_key

    root.mkdir()
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True)
    admin = make_ssh_key(keys, "admin")
    use_ssh_key(root, admin)
    init_repository(root, org=ORG, code=CODE, admin_id="admin", admin_name="王主任", admin_key=admin.line)
    return Bureau(root, admin, keys / "people")
