"""``gkctl setup``: make this clone sign every commit with the clerk's key, without raw git.

A new clerk has a clone and nothing else: no key, no ``gpg.format``, often no git identity.
Setup writes the repository's own config (never the user's global one, which may serve other
work), installs the pre-commit check, and hands back the public key and the exact
``gkctl people add`` line the admin must run before the clerk's signatures count.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.policy import Person
from gkctl.services.hooks import install_pre_commit
from gkctl.services.people import effective_policy
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import clone, config_value, write_repo_config
from gkctl.trail.signatures import gpg_program, normalize_key

DEFAULT_KEY_NAME = "gkctl_ed25519"
_SAFE_WORD = re.compile(r"[\w@%+=:,./-]+")
_FINGERPRINT = re.compile(r"^(?:0x)?([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")


@dataclass(frozen=True)
class SetupResult:
    key_format: str  # "ssh" or "openpgp"
    signing_key: str  # what user.signingkey now says (a private key path or a fingerprint)
    public_line: str  # the line the admin registers: an ssh public key line or a fingerprint
    created: Path | None  # the new private key file, when --new made one
    hook: Path | None  # the installed pre-commit hook (None: a hook of someone else's stays)
    person: Person | None  # who this key already belongs to in the effective policy
    admin_command: str  # the ``gkctl people add …`` line for the admin ('' when already registered)


def clone_repository(url: str, directory: Path | None = None) -> Path:
    """Clone the central repository into ``directory`` (default: the url's last part)."""
    target = directory or Path(url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git") or "gkctl")
    clone(url, target)
    return target


def new_ssh_key(path: Path, passphrase: str, comment: str) -> Path:
    """Generate an ed25519 key pair at ``path`` (refusing to overwrite an existing key)."""
    if path.exists() or path.with_name(path.name + ".pub").exists():
        raise InputError(t("setup.key_exists", path=str(path)))
    if shutil.which("ssh-keygen") is None:
        raise RuleError(t("setup.no_ssh_keygen"))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    proc = subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f", str(path)],
        capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuleError(t("setup.keygen_failed", detail=proc.stderr.decode("utf-8", "replace").strip()))
    return path


def _ssh_public_line(private: Path) -> str:
    """The public key line of a private key file, read from its ``.pub`` beside it."""
    if not private.is_file():
        raise InputError(t("setup.no_key_file"), str(private))
    pub = private.with_name(private.name + ".pub")
    if private.suffix == ".pub":
        raise InputError(t("setup.key_is_public", path=str(private.with_suffix(""))), str(private))
    if not pub.is_file():
        raise InputError(t("setup.no_pub_file", pub=str(pub)), str(private))
    line = pub.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if not line or normalize_key(line[0]) is None:
        raise InputError(t("sig.bad_key_file"), str(pub), 1)
    return line[0].strip()


def _gpg_has_secret(root: Path, fingerprint: str) -> bool:
    try:
        proc = subprocess.run([gpg_program(root), "--batch", "--with-colons", "--list-secret-keys", "--", fingerprint],
                              capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
    except OSError:
        return False
    return proc.returncode == 0 and "fpr:" in proc.stdout.decode("utf-8", "replace")


def admin_command(person_id: str, name: str, section: str, roles: tuple[str, ...], public_line: str) -> str:
    """The ``gkctl people add`` line the admin copies, every value shell-quoted."""
    parts = ["gkctl", "people", "add", person_id, "--name", name, "--section", section]
    for role in roles:
        parts += ["--role", role]
    parts += ["--key", public_line]
    return " ".join(_quote(p) for p in parts)


def _quote(word: str) -> str:
    """Shell quoting that leaves Chinese names readable (``李四``, not ``'李四'``)."""
    return word if _SAFE_WORD.fullmatch(word) else shlex.quote(word)


def setup_signing(
    repo: Repository, *, key: str | None, new_key_path: Path | None, passphrase: str = "",
    person_id: str = "", name: str = "", section: str = "", roles: tuple[str, ...] = ("drafter",),
) -> SetupResult:  # fmt: skip
    """Configure ``repo`` to sign with ``key`` (a private ssh key file or an OpenPGP fingerprint)
    or with a new ed25519 key at ``new_key_path``; install the pre-commit hook."""
    if (key is None) == (new_key_path is None):
        raise InputError(t("setup.key_or_new"))
    policy = effective_policy(repo)
    for role in roles:
        if role not in policy.workflow.roles:
            raise InputError(t("workflow.refuse.unknown_role", role=role, allowed="、".join(policy.workflow.roles)))
    created: Path | None = None
    if new_key_path is not None:
        created = new_ssh_key(new_key_path.expanduser(), passphrase, f"{person_id or 'gkctl'}@{policy.org.code}")
        key = str(created)
    assert key is not None
    fpr = _FINGERPRINT.match(key.replace(" ", ""))
    if fpr:
        signing_key = fpr.group(1).upper()
        if not _gpg_has_secret(repo.root, signing_key):
            raise InputError(t("setup.no_gpg_secret", key=signing_key))
        public_line, fmt = signing_key, "openpgp"
    else:
        private = Path(key).expanduser().absolute()
        public_line, fmt = _ssh_public_line(private), "ssh"
        signing_key = str(private)
    values = {"gpg.format": fmt, "user.signingkey": signing_key, "commit.gpgsign": "true", "tag.gpgsign": "true"}
    # git refuses to commit without an identity; the key, not this name, says who signed
    if not config_value(repo.root, "user.name"):
        values["user.name"] = name or person_id or "gkctl"
    if not config_value(repo.root, "user.email"):
        values["user.email"] = f"{person_id or 'clerk'}@{policy.org.code.lower()}.gkctl.invalid"
    write_repo_config(repo.root, values)
    try:
        hook: Path | None = install_pre_commit(repo.root)
    except InputError:
        hook = None  # someone else's pre-commit hook stays; validate still runs in save
    normal = normalize_key(public_line)
    person = policy.people.by_key(normal) if normal else None
    command = "" if person else admin_command(person_id or t("setup.placeholder.id"), name or t("setup.placeholder.name"),
                                              section or t("setup.placeholder.section"), roles, public_line)  # fmt: skip
    return SetupResult(fmt, signing_key, public_line, created, hook, person, command)
