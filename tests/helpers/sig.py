"""Throwaway signing identities for tests: real ssh-keygen keys and a real GnuPG home.

Other test modules import these (``from helpers.sig import make_ssh_key, use_ssh_key``), so
the functions stay small and free of pytest fixtures except the two at the bottom.
No mocks: every key is made by the real tool and every signature by git itself.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True, slots=True)
class SshKey:
    private: Path      # private key file (no passphrase); what ``user.signingkey`` points at
    public: Path       # ``private`` + ``.pub``
    line: str          # the public key line: ``ssh-ed25519 AAAA... comment``

    @property
    def key(self) -> str:
        """``type base64`` without the comment: the form people.yaml comparisons use."""
        return " ".join(self.line.split()[:2])


@dataclass(frozen=True, slots=True)
class GpgKey:
    home: Path         # the GnuPG home (short path under /tmp: agent sockets have a length limit)
    fingerprint: str   # 40 upper-case hex digits of the primary key
    program: Path      # a wrapper script running gpg with ``--homedir home``; use as gpg.program

    def close(self) -> None:
        """Stop the agent of this home and delete it."""
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "all"], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)

    def export_public(self) -> bytes:
        return _gpg(self.home, "--armor", "--export", self.fingerprint).stdout


def _run(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(list(args), input=input, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stderr.decode(errors='replace')}")
    return proc


def _gpg(home: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return _run("gpg", "--batch", "--homedir", str(home), *args, input=input)


def make_ssh_key(folder: Path, name: str = "key", kind: str = "ed25519") -> SshKey:
    """A new passphrase-less ssh key pair ``folder/name`` (``kind``: ed25519, rsa, ecdsa)."""
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / name
    extra = ["-b", "256"] if kind == "ecdsa" else (["-b", "2048"] if kind == "rsa" else [])
    _run("ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", name, "-f", str(private))
    public = private.with_name(name + ".pub")
    return SshKey(private, public, public.read_text().strip())


def use_ssh_key(repo: Path, key: SshKey, allowed_signers: Path | None = None) -> None:
    """Configure ``repo`` to sign with ``key`` (repository-local config, like a user would)."""
    _git_config(repo, "gpg.format", "ssh")
    _git_config(repo, "user.signingkey", str(key.private))
    if allowed_signers is not None:
        _git_config(repo, "gpg.ssh.allowedSignersFile", str(allowed_signers))


def allowed_signers_line(principal: str, key: SshKey, valid_before: str | None = None) -> str:
    """One line of git's allowed-signers file for ``key``."""
    opts = 'namespaces="git"' + (f',valid-before="{valid_before}"' if valid_before else "")
    return f"{principal} {opts} {key.key}"


def make_gpg_key(name: str = "Test Signer", email: str = "signer@example.org") -> GpgKey:
    """A throwaway GnuPG home holding one ed25519 signing key without passphrase."""
    home = Path(tempfile.mkdtemp(prefix="gkg", dir="/tmp"))
    home.chmod(0o700)
    _gpg(home, "--passphrase", "", "--pinentry-mode", "loopback",
         "--quick-gen-key", f"{name} <{email}>", "ed25519", "sign", "never")
    colons = _gpg(home, "--with-colons", "--list-secret-keys").stdout.decode()
    fpr = next(line.split(":")[9] for line in colons.splitlines() if line.startswith("fpr:"))
    program = home / "gpg-wrapper.sh"
    program.write_text(f'#!/bin/sh\nexec gpg --homedir "{home}" "$@"\n')
    program.chmod(0o755)
    return GpgKey(home, fpr.upper(), program)


def use_gpg_key(repo: Path, key: GpgKey) -> None:
    """Configure ``repo`` to sign with ``key`` through its wrapper (no GNUPGHOME needed)."""
    _git_config(repo, "gpg.format", "openpgp")
    _git_config(repo, "user.signingkey", key.fingerprint)
    _git_config(repo, "gpg.program", str(key.program))


def _git_config(repo: Path, name: str, value: str) -> None:
    _run("git", "-C", str(repo), "config", name, value)


@pytest.fixture
def ssh_key(tmp_path: Path) -> SshKey:
    """One ed25519 key under ``tmp_path/keys``."""
    return make_ssh_key(tmp_path / "keys", "alice")


@pytest.fixture
def gpg_key() -> Iterator[GpgKey]:
    """One throwaway GnuPG key; its agent is stopped afterwards."""
    key = make_gpg_key()
    try:
        yield key
    finally:
        key.close()


# -- a small honest bureau, for verification and hook tests ----------------------------------

BUREAU_PEOPLE = (
    ("zhang", "张三", ("drafter",)),
    ("li", "李四", ("reviewer",)),
    ("sun", "孙八", ("signer",)),
    ("zhou", "周九", ("office",)),
    ("p1", "校对一", ("proofreader",)),
    ("p2", "校对二", ("proofreader",)),
    ("p3", "校对三", ("proofreader",)),
)
BUREAU_STAMP = "2026-11-20T09:00:00+08:00"


def bureau_env(home: Path, stamp: str = BUREAU_STAMP) -> dict[str, str]:
    """Hermetic git for a bureau: its own HOME and global config, fixed dates, Chinese output."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / ".gitconfig"
    if not cfg.exists():
        cfg.write_text("[user]\n\tname = Clerk\n\temail = clerk@example.org\n[init]\n\tdefaultBranch = main\n")
    return {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GKCTL_LANG": "zh"}  # fmt: skip


@dataclass
class Bureau:
    """A work tree of a real gkctl repository: admin ``wang`` (admin + publisher), the people of
    ``BUREAU_PEOPLE``, and a ``mallory`` key nobody registered. Call with ``bureau_env`` set."""

    work: Path
    keys: dict[str, SshKey]

    @classmethod
    def create(cls, base: Path) -> Bureau:
        from gkctl.services.init import init_repository
        from gkctl.services.people import add_person
        from gkctl.services.repository import Repository

        keys = {pid: make_ssh_key(base / "keys", pid) for pid in ("wang", *(p[0] for p in BUREAU_PEOPLE), "mallory")}
        work = base / "work"
        work.mkdir(parents=True)
        _run("git", "init", "-q", str(work))
        use_ssh_key(work, keys["wang"])
        init_repository(work, org="重庆市綦江区审计局", code="11500000MB1B37366Q", admin_id="wang",
                        admin_name="王主任", admin_key=keys["wang"].line)  # fmt: skip
        admin = Repository(work)
        for pid, name, roles in BUREAU_PEOPLE:
            add_person(admin, pid, name, "办公室", list(roles), keys[pid].line)
        _make_publisher(work, keys["wang"])
        return cls(work, keys)

    def copy(self, target: Path) -> Bureau:
        shutil.copytree(self.work, target, symlinks=True)
        return Bureau(target, self.keys)

    def act(self, pid: str) -> Any:
        from gkctl.services.repository import Repository

        use_ssh_key(self.work, self.keys[pid])
        return Repository(self.work, today=date(2026, 11, 20))

    def draft(self, title: str) -> str:
        from gkctl.services.new import NewDocument, create_document
        from gkctl.trail.gitutil import commit

        spec = NewDocument(title=title, category="工作信息", attribute="主动公开", kind="非公文", section="办公室",
                           drafter="zhang", formed=date(2026, 11, 16), basis=("社会广泛知晓",))  # fmt: skip
        rel = create_document(self.act("zhang"), spec)
        commit(self.work, f"拟稿：{title}", [rel])
        return rel

    def approve_all(self, rel: str) -> None:
        from gkctl.services.steps import decide

        for pid, step in (("li", "review"), ("sun", "sign"), ("zhou", "check"),
                          ("p1", "proofread"), ("p2", "proofread"), ("p3", "proofread")):  # fmt: skip
            decide(self.act(pid), rel, step, True, "同意")

    def publish(self, rel: str) -> None:
        from gkctl.services.steps import publish

        publish(self.act("wang"), [rel], fetch=False)

    def git(self, *args: str) -> str:
        return _run("git", "-C", str(self.work), *args).stdout.decode()

    def blob(self, rel: str) -> str:
        return self.git("rev-parse", f"HEAD:{rel}").strip()


def _make_publisher(work: Path, admin: SshKey) -> None:
    """Give the admin the publisher role too (a signed admin commit, as gkctl people would)."""
    import yaml

    from gkctl.core.yamlio import dump_yaml
    from gkctl.trail.gitutil import commit

    people = work / "policies" / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    data["people"][0]["roles"].append("publisher")
    people.write_text(dump_yaml(data), encoding="utf-8")
    use_ssh_key(work, admin)
    commit(work, "人员：王主任兼任发布人\n\nGkctl-Step: people", ["policies/people.yaml"])


PUBLISHED_TITLE = "关于开展2026年度审计项目计划的通知"


@contextmanager
def published_bureau(base: Path) -> Iterator[tuple[Bureau, str]]:
    """A bureau (in its own hermetic environment) with one document through the whole chain."""
    with pytest.MonkeyPatch.context() as mp:
        for k, v in bureau_env(base / "home").items():
            mp.setenv(k, v)
        b = Bureau.create(base)
        rel = b.draft(PUBLISHED_TITLE)
        b.approve_all(rel)
        b.publish(rel)
        yield b, rel
