"""Signing identity: configured key → person, key normalisation, allowed-signers export."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import set_lang
from gkctl.core.policy import People, Person
from gkctl.trail.history import load_history
from gkctl.trail.signatures import (
    SIG_CACHE,
    SigningKey,
    active_at,
    allowed_signers,
    check_signatures,
    configured_key,
    configured_person,
    normalize_key,
    person_for_key,
)
from gkctl.trail.sshsig import SigCheck
from helpers.sig import GpgKey, SshKey, gpg_key, make_gpg_key, make_ssh_key, ssh_key, use_gpg_key, use_ssh_key

__all__ = ["gpg_key", "ssh_key"]  # fixtures imported for pytest


def _person(pid: str, keys: tuple[str, ...], roles=("drafter",), until: date | None = None) -> Person:
    return Person(id=pid, name="张" + pid, section="办公室", roles=tuple(roles), keys=keys, active_until=until)


def _policy(*people: Person) -> SimpleNamespace:
    """Only the people part of a Policy is read here."""
    return SimpleNamespace(people=People(tuple(people)))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    set_lang("zh")
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_normalize_key_ignores_comment_options_and_prefix(ssh_key: SshKey) -> None:
    kind, b64 = ssh_key.key.split()
    assert normalize_key(ssh_key.line) == ssh_key.key
    assert normalize_key("key::" + ssh_key.line) == ssh_key.key
    assert normalize_key(f'alice namespaces="git" {kind} {b64} laptop') == ssh_key.key
    assert normalize_key("0x" + "ab" * 20) == "AB" * 20
    assert normalize_key("AB12 " * 10) == "AB12" * 10


def test_normalize_key_refuses_type_mismatch_and_garbage(ssh_key: SshKey) -> None:
    _, b64 = ssh_key.key.split()
    assert normalize_key(f"ssh-rsa {b64}") is None  # blob says ed25519
    assert normalize_key("ssh-ed25519 not-base64!!") is None
    assert normalize_key("hello world") is None


def test_configured_ssh_key_from_private_key_path(repo: Path, ssh_key: SshKey) -> None:
    use_ssh_key(repo, ssh_key)
    assert configured_key(repo) == SigningKey("ssh", ssh_key.key)


def test_configured_ssh_key_without_pub_file_is_derived(repo: Path, tmp_path: Path) -> None:
    key = make_ssh_key(tmp_path / "k2", "bob")
    key.public.unlink()
    use_ssh_key(repo, key)
    assert configured_key(repo).key == key.key


def test_configured_ssh_key_literal(repo: Path, ssh_key: SshKey) -> None:
    subprocess.run(["git", "-C", str(repo), "config", "gpg.format", "ssh"], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.signingkey", "key::" + ssh_key.line], check=True)
    assert configured_key(repo).key == ssh_key.key


def test_configured_key_missing_file_names_it(repo: Path, tmp_path: Path) -> None:
    subprocess.run(["git", "-C", str(repo), "config", "gpg.format", "ssh"], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "user.signingkey", str(tmp_path / "nope")], check=True)
    with pytest.raises(InputError) as err:
        configured_key(repo)
    assert err.value.path == str(tmp_path / "nope")
    assert "读不到签名密钥文件" in err.value.message


def test_no_signing_key_configured(repo: Path) -> None:
    subprocess.run(["git", "-C", str(repo), "config", "gpg.format", "ssh"], check=True)
    with pytest.raises(InputError, match="还没有配置签名密钥：请运行 gkctl setup"):
        configured_key(repo)


def test_configured_openpgp_fingerprint(repo: Path, gpg_key: GpgKey) -> None:
    use_gpg_key(repo, gpg_key)
    assert configured_key(repo) == SigningKey("openpgp", gpg_key.fingerprint)


def test_configured_person_and_refusals(repo: Path, ssh_key: SshKey, tmp_path: Path) -> None:
    use_ssh_key(repo, ssh_key)
    alice = _person("alice", (ssh_key.line,), until=date(2026, 12, 31))
    other = _person("bob", (make_ssh_key(tmp_path / "b", "bob").line,))
    assert configured_person(repo, _policy(other, alice), today=date(2026, 11, 26)) == alice
    with pytest.raises(RuleError, match=r"签名权限已于 2026-12-31 到期"):
        configured_person(repo, _policy(alice), today=date(2027, 1, 1))
    with pytest.raises(RuleError, match=r"不属于 policies/people\.yaml 中的任何人"):
        configured_person(repo, _policy(other), today=date(2026, 11, 26))


def test_person_for_openpgp_fingerprint_any_spelling() -> None:
    fpr = "DE862D2F135FFA049349B9FE57D3F5D8E6F005F4"
    p = _person("carol", (" ".join(fpr[i : i + 4] for i in range(0, 40, 4)).lower(),))
    assert person_for_key(_policy(p), fpr) == p


def test_active_until_ends_at_midnight_beijing() -> None:
    p = _person("a", (), until=date(2027, 12, 31))
    end = 1830268799  # 2027-12-31 23:59:59 +0800
    assert active_at(p, end) and not active_at(p, end + 1)


def test_allowed_signers_is_accepted_by_git(repo: Path, ssh_key: SshKey, tmp_path: Path) -> None:
    """git verify-commit with the exported file accepts a commit in the validity window and
    refuses one committed after active_until (committer date is what git checks)."""
    gpg_fpr = "AB" * 20
    alice = _person("alice", (ssh_key.line, gpg_fpr), until=date(2027, 12, 31))
    text = allowed_signers(_policy(alice))
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert lines == [f'alice namespaces="git",valid-before="20271231155959Z" {ssh_key.key}']
    signers = tmp_path / "allowed"
    signers.write_text(text)
    use_ssh_key(repo, ssh_key, allowed_signers=signers)
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x", "HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    for stamp, ok in (("1830268799 +0800", True), ("1830268800 +0800", False)):
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-S", "-m", stamp],
                       check=True, env={**env, "GIT_COMMITTER_DATE": stamp})
        rc = subprocess.run(["git", "-C", str(repo), "verify-commit", "HEAD"], capture_output=True, env=env).returncode
        assert (rc == 0) is ok
        assert active_at(alice, int(stamp.split()[0])) is ok


def _commit(repo: Path, message: str) -> None:
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x", "PATH": "/usr/bin:/bin", "HOME": str(repo.parent / "home")}
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-S", "-m", message], check=True, env=env)


def test_openpgp_commits_go_through_gpg(repo: Path, gpg_key: GpgKey, tmp_path: Path) -> None:
    use_gpg_key(repo, gpg_key)
    _commit(repo, "signed with openpgp")
    raw = subprocess.run(["git", "-C", str(repo), "cat-file", "commit", "HEAD"], capture_output=True).stdout
    forged_raw = raw.replace(b"signed with openpgp", b"signed with 0penpgp")
    forged = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
                            input=forged_raw, capture_output=True, check=True).stdout.decode().strip()
    history = {r.id: r for r in load_history(repo, "HEAD")} | {r.id: r for r in load_history(repo, forged)}
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    checks = check_signatures(repo, history.values())
    assert checks[head] == SigCheck("good", gpg_key.fingerprint)
    assert checks[forged].status == "bad"
    # a verifier whose keyring lacks the key cannot check it, says so, and does not cache that
    empty = make_gpg_key("Nobody", "nobody@example.org")
    try:
        subprocess.run(["git", "-C", str(repo), "config", "gpg.program", str(empty.program)], check=True)
        fresh = check_signatures(repo, [history[head]], use_cache=False)[head]
        assert (fresh.status, fresh.reason, fresh.detail) == ("unsupported", "sshsig.gpg_failed", "NO_PUBKEY")
    finally:
        empty.close()


def test_signature_cache_is_used_and_never_needed(repo: Path, ssh_key: SshKey) -> None:
    use_ssh_key(repo, ssh_key)
    _commit(repo, "one")
    records = list(load_history(repo, "HEAD"))
    first = check_signatures(repo, records)
    cache = repo / ".git" / "gkctl" / "cache.sqlite"
    with sqlite3.connect(cache) as db:
        (stored,) = db.execute(f'SELECT value FROM "{SIG_CACHE}" WHERE key = ?', (records[0].id,)).fetchone()
    assert check_signatures(repo, records) == first
    # a damaged row reads as missing (its checksum fails), never as another verdict
    forged = stored.replace(b"good", b"bad_")
    assert forged != stored
    with sqlite3.connect(cache) as db:
        db.execute(f'UPDATE "{SIG_CACHE}" SET value = ? WHERE key = ?', (forged, records[0].id))
    assert check_signatures(repo, records) == first
    cache.write_bytes(b"\x00garbage")
    assert check_signatures(repo, records) == first == {records[0].id: SigCheck("good", ssh_key.key)}


def test_parallel_check_gives_the_serial_verdicts(tmp_path: Path, monkeypatch) -> None:
    """Splitting a cold check over two processes must not change a single verdict."""
    import subprocess

    import gkctl.trail.signatures as sig
    from gkctl.trail.history import load_history, read_records
    from helpers.sig import make_ssh_key, use_ssh_key

    repo = tmp_path / "r"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    good, other = make_ssh_key(tmp_path / "k", "good"), make_ssh_key(tmp_path / "k", "other")
    for i in range(6):
        use_ssh_key(repo, good if i % 2 else other)
        extra = ["--no-gpg-sign"] if i == 3 else ["-S"]
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", *extra, "-m", f"c{i}"], check=True)
    commits = list(load_history(repo, "HEAD").commits)
    serial = sig.check_signatures(repo, commits, use_cache=False)
    monkeypatch.setattr(sig, "PARALLEL_FROM", 2)
    monkeypatch.setattr(sig, "_CHUNK", 1)  # the worker and the caller each take pieces of the one buffer
    parallel = sig.check_signatures(repo, commits, use_cache=False)
    assert parallel == serial
    held = sig.check_signatures(repo, read_records(repo, [c.id for c in commits]), use_cache=False)
    assert held == serial  # records holding their raw objects: the same verdicts
    assert sorted(c.status for c in serial.values()).count("good") == 5
