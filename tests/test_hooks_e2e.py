"""The central repository's gate, end to end: real keys, real signed commits, real ``git push``
to a bare repository whose pre-receive hook is the one ``gkctl server init`` installs.

One honest bureau is built per module; every attack starts from a copy of its clone, pushes,
and must be refused with a Chinese reason on the pusher's screen, leaving the central
repository's refs exactly as they were.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from gkctl.gitutil import commit
from gkctl.services.hooks import init_server
from gkctl.services.init import init_repository
from gkctl.services.new import NewDocument, create_document
from gkctl.services.people import add_person
from gkctl.services.repository import Repository
from gkctl.services.steps import decide, publish
from sig_helpers import SshKey, make_ssh_key, use_ssh_key

STAMP = "2026-11-20T09:00:00+08:00"
PEOPLE = (
    ("zhang", "张三", ("drafter",)),
    ("li", "李四", ("reviewer",)),
    ("sun", "孙八", ("signer",)),
    ("zhou", "周九", ("office",)),
    ("p1", "校对一", ("proofreader",)),
    ("p2", "校对二", ("proofreader",)),
    ("p3", "校对三", ("proofreader",)),
)


def _env(home: Path, stamp: str = STAMP) -> dict[str, str]:
    return {
        "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GKCTL_LANG": "zh",
    }  # fmt: skip


@dataclass
class Bureau:
    base: Path
    keys: dict[str, SshKey]
    central: Path

    def clone(self, name: str) -> Path:
        target = self.base / name
        shutil.copytree(self.base / "work", target, symlinks=True)
        return target

    def act(self, work: Path, pid: str) -> Repository:
        use_ssh_key(work, self.keys[pid])
        return Repository(work, today=date(2026, 11, 20))

    def draft(self, work: Path, title: str) -> str:
        repo = self.act(work, "zhang")
        spec = NewDocument(title=title, category="工作信息", attribute="主动公开", kind="非公文", section="办公室",
                           drafter="zhang", formed=date(2026, 11, 16), basis=("社会广泛知晓",))  # fmt: skip
        rel = create_document(repo, spec)
        commit(work, f"拟稿：{title}", [rel])
        return rel

    def approve_all(self, work: Path, rel: str) -> None:
        for pid, step in (("li", "review"), ("sun", "sign"), ("zhou", "check"),
                          ("p1", "proofread"), ("p2", "proofread"), ("p3", "proofread")):  # fmt: skip
            decide(self.act(work, pid), rel, step, True, "同意")

    def publish(self, work: Path, rel: str) -> None:
        publish(self.act(work, "wang"), [rel], fetch=False)

    def push(self, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(work), "push", "origin", *args], capture_output=True, text=True)

    def refs(self) -> str:
        return subprocess.run(["git", "-C", str(self.central), "show-ref"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    base = tmp_path_factory.mktemp("bureau")
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Clerk\n\temail = clerk@example.org\n"
                                     "[init]\n\tdefaultBranch = main\n")  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        for k, v in _env(home).items():
            mp.setenv(k, v)
        keys = {pid: make_ssh_key(base / "keys", pid) for pid in ("wang", *(p[0] for p in PEOPLE), "mallory")}
        work = base / "work"
        work.mkdir()
        subprocess.run(["git", "init", "-q", str(work)], check=True)
        use_ssh_key(work, keys["wang"])
        init_repository(work, org="重庆市綦江区审计局", code="11500000MB1B37366Q", admin_id="wang",
                        admin_name="王主任", admin_key=keys["wang"].line)  # fmt: skip
        admin = Repository(work)
        for pid, name, roles in PEOPLE:
            add_person(admin, pid, name, "办公室", list(roles), keys[pid].line)
        central = init_server(base / "central.git")
        b = Bureau(base, keys, central)
        subprocess.run(["git", "-C", str(work), "remote", "add", "origin", str(central)], check=True)
        yield b


def test_honest_chain_is_accepted(bureau: Bureau) -> None:
    work = bureau.base / "work"
    rel = bureau.draft(work, "关于开展2026年度审计项目计划的通知")
    bureau.approve_all(work, rel)
    proc = bureau.push(work, "main")
    assert proc.returncode == 0, proc.stderr
    assert "main" in bureau.refs()
    pinned = subprocess.run(["git", "-C", str(bureau.central), "config", "gkctl.root"], capture_output=True, text=True)
    first = subprocess.run(["git", "-C", str(work), "rev-list", "--max-parents=0", "HEAD"], capture_output=True,
                           text=True).stdout.strip()  # fmt: skip
    assert pinned.stdout.strip() == first


def _refused(bureau: Bureau, work: Path, code: str, *push_args: str) -> str:
    before = bureau.refs()
    proc = bureau.push(work, *(push_args or ("main",)))
    assert proc.returncode != 0, proc.stderr
    assert "gkctl 拒绝了这次推送" in proc.stderr and f"[{code}]" in proc.stderr, proc.stderr
    assert bureau.refs() == before
    return proc.stderr


def test_unsigned_commit_is_refused(bureau: Bureau) -> None:
    work = bureau.clone("unsigned")
    bureau.act(work, "zhang")
    (work / "docs" / "note.md").write_text("x", encoding="utf-8")
    commit(work, "随手改一下", ["docs/note.md"], sign=False)
    out = _refused(bureau, work, "GK401")
    assert "提交没有签名" in out


def test_unknown_key_is_refused(bureau: Bureau) -> None:
    work = bureau.clone("unknown")
    use_ssh_key(work, bureau.keys["mallory"])
    commit(work, "来历不明的提交", [], allow_empty=True)
    _refused(bureau, work, "GK403")
