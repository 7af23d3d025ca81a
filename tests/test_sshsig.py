"""In-process SSHSIG verification agrees with ``git verify-commit`` on real signed commits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gkctl.trail.sshsig import split_signed_commit, verify_commit
from helpers.sig import SshKey, allowed_signers_line, make_ssh_key, use_ssh_key
from helpers.workflow import git_home, run_git

__all__ = ["git_home"]


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, SshKey]:
    folder = tmp_path / "keys"
    return {name: make_ssh_key(folder, name, kind) for name, kind in
            (("alice", "ed25519"), ("mallory", "ed25519"), ("rsa", "rsa"), ("ec", "ecdsa"))}


@pytest.fixture
def repo(git_home: Path, tmp_path: Path, keys: dict[str, SshKey]) -> Path:
    root = tmp_path / "repo"
    run_git(tmp_path, "init", "-q", str(root))
    signers = tmp_path / "allowed_signers"
    signers.write_text("".join(allowed_signers_line(n, keys[n]) + "\n" for n in ("alice", "rsa", "ec")))
    use_ssh_key(root, keys["alice"], allowed_signers=signers)
    return root


def _raw(repo: Path, rev: str = "HEAD") -> bytes:
    return subprocess.run(["git", "-C", str(repo), "cat-file", "commit", rev], capture_output=True, check=True).stdout


def _store(repo: Path, raw: bytes) -> str:
    proc = subprocess.run(["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
                          input=raw, capture_output=True, check=True)
    return proc.stdout.decode().strip()


def _with_signature(payload: bytes, armored: bytes) -> bytes:
    head, _, body = payload.partition(b"\n\n")
    header = b"gpgsig " + b"\n ".join(armored.rstrip(b"\n").split(b"\n"))
    return head + b"\n" + header + b"\n\n" + body


def _ssh_sign(key: SshKey, payload: bytes, namespace: str = "git", *opts: str) -> bytes:
    proc = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", str(key.private), *opts],
                          input=payload, capture_output=True, check=True)
    return proc.stdout


def _git_accepts(repo: Path, sha: str) -> bool:
    return subprocess.run(["git", "-C", str(repo), "verify-commit", sha], capture_output=True).returncode == 0


def _agree(repo: Path, sha: str, allowed: set[str]) -> tuple[bool, str]:
    check = verify_commit(_raw(repo, sha))
    ours = check.good and check.key in allowed
    assert ours == _git_accepts(repo, sha), (check, sha)
    return ours, check.status


def _allowed(keys: dict[str, SshKey]) -> set[str]:
    return {keys[n].key for n in ("alice", "rsa", "ec")}


def test_split_matches_git_payload(repo: Path) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", "审稿通过\n\nGkctl-Step: review")
    payload, signature = split_signed_commit(_raw(repo))
    assert signature is not None and signature.startswith(b"-----BEGIN SSH SIGNATURE-----\n")
    assert signature.endswith(b"-----END SSH SIGNATURE-----\n")
    assert b"gpgsig" not in payload and payload.endswith("审稿通过\n\nGkctl-Step: review\n".encode())
    head, _, body = _raw(repo).partition(b"\n\n")
    kept = [ln for ln in head.split(b"\n") if not ln.startswith((b"gpgsig ", b" "))]
    assert payload == b"\n".join(kept) + b"\n\n" + body


def test_good_signatures_of_each_key_type(repo: Path, keys: dict[str, SshKey]) -> None:
    for name in ("alice", "rsa", "ec"):
        use_ssh_key(repo, keys[name])
        run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", f"by {name}")
        check = verify_commit(_raw(repo))
        assert check.status == "good" and check.key == keys[name].key
        assert _agree(repo, "HEAD", _allowed(keys)) == (True, "good")


def test_sha256_hash_algorithm(repo: Path, keys: dict[str, SshKey]) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "plain")
    payload = _raw(repo)
    sha = _store(repo, _with_signature(payload, _ssh_sign(keys["alice"], payload, "git", "-O", "hashalg=sha256")))
    assert _agree(repo, sha, _allowed(keys)) == (True, "good")


def test_tampered_commit_is_bad(repo: Path, keys: dict[str, SshKey]) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", "审稿通过\n\nGkctl-Verdict: reject")
    forged = _raw(repo).replace(b"Gkctl-Verdict: reject", b"Gkctl-Verdict: approve")
    sha = _store(repo, forged)
    assert _agree(repo, sha, _allowed(keys)) == (False, "bad")
    assert verify_commit(forged).reason == "sshsig.bad"


def test_signature_moved_to_another_commit_is_bad(repo: Path, keys: dict[str, SshKey]) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", "one")
    _, sig = split_signed_commit(_raw(repo))
    run_git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "two")
    sha = _store(repo, _with_signature(_raw(repo), sig or b""))
    assert _agree(repo, sha, _allowed(keys)) == (False, "bad")


def test_wrong_namespace_is_refused(repo: Path, keys: dict[str, SshKey]) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "plain")
    payload = _raw(repo)
    sha = _store(repo, _with_signature(payload, _ssh_sign(keys["alice"], payload, "file")))
    check = verify_commit(_raw(repo, sha))
    assert (check.status, check.reason, check.detail) == ("bad", "sshsig.namespace", "file")
    assert _agree(repo, sha, _allowed(keys)) == (False, "bad")


def test_unknown_key_is_good_crypto_but_not_allowed(repo: Path, keys: dict[str, SshKey]) -> None:
    use_ssh_key(repo, keys["mallory"])
    run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", "by mallory")
    check = verify_commit(_raw(repo))
    assert check.status == "good" and check.key == keys["mallory"].key
    assert _agree(repo, "HEAD", _allowed(keys)) == (False, "good")


def test_unsigned_and_garbage(repo: Path, keys: dict[str, SshKey]) -> None:
    run_git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "plain")
    assert _agree(repo, "HEAD", _allowed(keys)) == (False, "unsigned")
    junk = b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n"
    sha = _store(repo, _with_signature(_raw(repo), junk))
    check = verify_commit(_raw(repo, sha))
    assert (check.status, check.reason) == ("bad", "sshsig.malformed")
    assert not _git_accepts(repo, sha)


def test_other_signature_header_is_not_payload(repo: Path, keys: dict[str, SshKey]) -> None:
    """A planted ``gpgsig-sha256`` header is dropped from the payload, as git does."""
    run_git(repo, "commit", "-q", "--allow-empty", "-S", "-m", "one")
    head, _, body = _raw(repo).partition(b"\n\n")
    planted = head + b"\ngpgsig-sha256 junk\n more junk\n\n" + body
    sha = _store(repo, planted)
    assert _agree(repo, sha, _allowed(keys)) == (True, "good")
