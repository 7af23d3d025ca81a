"""Public keys as people give them: an ssh key line, a ``.pub`` file, ``@file`` or an OpenPGP fingerprint.

One parser for every place a key enters (``init --admin-key``, ``people add --key``, people.yaml),
so a path or a typo is refused before anything is written instead of becoming a "key" nobody
can sign with.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from pathlib import Path

from gkctl.core.errors import InputError
from gkctl.core.i18n import t

SSH_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_HEX_FPR = re.compile(r"^(?:0x)?([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
MAX_KEY_FILE = 64 * 1024


def normalize_key(text: str) -> str | None:
    """``type base64`` for an ssh key line (options/comment/``key::`` dropped), an upper-case
    fingerprint for an openpgp one, or None when ``text`` is neither."""
    text = text.strip()
    if text.startswith("key::"):
        text = text[5:].strip()
    compact = text.replace(" ", "")
    m = _HEX_FPR.match(compact)
    if m:
        return sys.intern(m.group(1).upper())
    tokens = text.split()
    for i, token in enumerate(tokens[:-1]):
        if token in SSH_KEY_TYPES and _blob_type(tokens[i + 1]) == token:
            return sys.intern(f"{token} {tokens[i + 1]}")  # a bureau's few keys, named by every commit
    return None


def _blob_type(b64: str) -> str | None:
    """The key type named inside an ssh public key blob, or None when it is not one."""
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) < 4:
        return None
    n = int.from_bytes(blob[:4], "big")
    if n > len(blob) - 4:
        return None
    return blob[4 : 4 + n].decode("ascii", "replace")


def read_key_argument(value: str, cwd: Path | None = None) -> str:
    """The public key line (or fingerprint) a user means by ``value``; ``InputError`` otherwise.

    ``value`` is the key line itself, ``@path`` or the path of a public key file (``.pub``);
    a private key file, an empty or unreadable file and anything else are refused.
    """
    text = value.strip()
    if not text:
        raise InputError(t("key.empty"))
    if not text.startswith("@") and normalize_key(text) is not None:
        return text
    path = Path(text[1:] if text.startswith("@") else text).expanduser()
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    if not path.is_file():
        raise InputError(t("key.not_a_key", value=text[:60]))
    try:
        raw = path.read_bytes()[:MAX_KEY_FILE].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(t("key.unreadable"), str(path)) from None
    if "PRIVATE KEY" in raw:
        raise InputError(t("key.private"), str(path))
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1 or normalize_key(lines[0]) is None:
        raise InputError(t("key.bad_file"), str(path), 1 if lines else None)
    return lines[0]
