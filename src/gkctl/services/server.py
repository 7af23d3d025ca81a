"""``gkctl server init`` and ``gkctl server pin``: the central repository and its witness key.

``init`` creates the bare repository, installs the hooks that judge (pre-receive) and
witness (post-receive) every push, and creates the server's signing key inside the bare
repository. ``pin`` is the admin's signed statement, in ``gkctl.yaml``, that records signed by
this key are the bureau's witness of time; until then the log is kept but dates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.policy import CONFIG_FILE, key_identity
from gkctl.core.yamlio import dump_yaml, load_yaml
from gkctl.services.hooks import ROOT_CONFIG, SHA, install_server_hooks
from gkctl.services.people import admin_of, effective_policy
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import commit, git, is_dirty
from gkctl.trail.remote import init_bare
from gkctl.trail.signatures import normalize_key
from gkctl.trail.witness import KEY_FILE, create_key


@dataclass(frozen=True)
class ServerInit:
    path: Path
    key_path: Path
    key_line: str  # the public line the admin pins


def init_server(path: Path, anchor: str | None = None) -> ServerInit:
    """Create a bare central repository at ``path`` with its hooks and witness key."""
    path = Path(path).absolute()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(t("server.exists"), str(path))
    if anchor and not SHA.match(anchor):
        raise InputError(t("server.bad_root", rev=anchor))
    init_bare(path)
    if anchor:
        git(path, "config", ROOT_CONFIG, anchor)
    install_server_hooks(path)
    line = create_key(path, f"gkctl-witness@{path.name}")
    return ServerInit(path, path / KEY_FILE, line)


def read_key_argument(value: str) -> str:
    """An ssh public key given as its line, a ``.pub`` path or ``@path``, as ``type base64 [comment]``."""
    text = value.strip()
    source: Path | None = None
    if text.startswith("@"):
        source = Path(text[1:]).expanduser()
    elif normalize_key(text) is None and text.endswith(".pub"):
        source = Path(text).expanduser()
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            raise InputError(t("server.bad_key", key=value[:60])) from None
    key = normalize_key(text)
    if key is None or " " not in key:
        raise InputError(t("server.bad_key", key=value[:60]))
    comment = text.split()[2:3]
    return " ".join([key, *comment])


def pin(repo: Repository, value: str) -> tuple[str, str]:
    """Add the server key to ``witness.keys`` in an admin-signed commit; (commit, key line)."""
    line = read_key_argument(value)
    if is_dirty(repo.root, [CONFIG_FILE]):
        raise RuleError(t("server.config_dirty"), CONFIG_FILE)
    policy = effective_policy(repo)
    admin_of(repo, policy)
    if key_identity(line) in policy.org.clock.witness_keys:
        raise RuleError(t("server.already_pinned"))
    path = repo.root / CONFIG_FILE
    original = path.read_bytes()
    data = load_yaml(original.decode("utf-8"), CONFIG_FILE).data or {}
    found = data.get("witness")
    witness: dict[str, Any] = found if isinstance(found, dict) else {}
    witness["keys"] = [*(witness.get("keys") or []), line]
    data["witness"] = witness
    path.write_text(dump_yaml(data), encoding="utf-8")
    try:
        sha = commit(repo.root, t("server.pin_subject") + "\n", [CONFIG_FILE])
    except Exception:
        path.write_bytes(original)
        raise
    return sha, line
