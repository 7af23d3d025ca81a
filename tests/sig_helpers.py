"""Throwaway signing identities for tests: real ssh-keygen keys and a real GnuPG home.

Other test modules import these (``from sig_helpers import make_ssh_key, use_ssh_key``), so
the functions stay small and free of pytest fixtures except the two at the bottom.
No mocks: every key is made by the real tool and every signature by git itself.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
