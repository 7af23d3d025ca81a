"""``gkctl init``: a new content repository whose first commit is the root of trust."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.core.keys import read_key_argument
from gkctl.core.policy import CONFIG_FILE, POLICY_DIR, load_policy
from gkctl.core.resources import data_dir
from gkctl.core.yamlio import dump_yaml, load_yaml
from gkctl.trail.gitutil import commit, config_value, init_repository_dir, signing_configured, write_repo_config

FOLDERS = ("docs", "attachments", "applications", "appeals", "reports")
DEFAULT_SECTIONS = (
    {"name": "办公室", "code": "bgs"},
    {"name": "法规审理科", "code": "fgk"},
    {"name": "财政审计科", "code": "czk"},
    {"name": "经济责任审计科", "code": "jzk"},
    {"name": "审计中心", "code": "sjzx"},
)
GITIGNORE = "# gkctl: build output and local caches\n/_site\n/_site.*\n*.tmp\n.DS_Store\n"


@dataclass(frozen=True)
class InitResult:
    root: Path
    commit: str
    signed: bool


def init_repository(
    target: Path, *, org: str, code: str, admin_id: str, admin_name: str, admin_key: str,
    admin_section: str = "办公室", site_url: str = "", admin_roles: tuple[str, ...] = (),
    sign_with: Path | None = None, remote: str | None = None,
) -> InitResult:  # fmt: skip
    """Create the repository, write config and default policies, make the first commit.

    ``admin_roles`` are roles besides admin (the admin who also heads the office publishes).
    ``sign_with`` (the admin's private ssh key) configures the new repository to sign, so the
    first commit — the root of trust — is signed; ``remote`` becomes ``origin`` for ``sync``."""
    if (target / CONFIG_FILE).exists():
        raise InputError(t("init.exists", path=str(target)))
    if target.exists() and not target.is_dir():
        raise InputError(t("repo.no_such_dir", path=str(target)))
    if not admin_key.strip():
        raise InputError(t("init.no_key"))
    known = load_yaml((data_dir("policies") / "workflow.yaml").read_text(encoding="utf-8"), "workflow.yaml").data["roles"]
    for role in admin_roles:
        if role not in known:  # checked before anything is written
            raise InputError(t("workflow.refuse.unknown_role", role=role, allowed="、".join(known)))
    roles = ["admin", *dict.fromkeys(r for r in admin_roles if r != "admin")]
    admin_key = read_key_argument(admin_key)  # before anything is written: a path is not a key
    target.mkdir(parents=True, exist_ok=True)
    config = {
        "organisation": {"name": org, "code": code},
        "index_pattern": "{code}/{year}-{serial:05d}",
        "site": {"title": f"{org} 政府信息公开", "url": site_url},
        "sections": list(DEFAULT_SECTIONS),
        "protected_refs": ["refs/heads/main", "refs/tags/*"],
    }
    (target / CONFIG_FILE).write_text(dump_yaml(config), encoding="utf-8")
    policies = target / POLICY_DIR
    shutil.copytree(data_dir("policies"), policies, dirs_exist_ok=True)
    person = {"id": admin_id, "name": admin_name, "section": admin_section, "roles": roles, "keys": [admin_key.strip()]}
    people_text = (data_dir("policies") / "people.yaml").read_text(encoding="utf-8").split("people:")[0]
    (policies / "people.yaml").write_text(people_text + dump_yaml({"people": [person]}), encoding="utf-8")
    for folder in FOLDERS:
        (target / folder).mkdir(exist_ok=True)
        (target / folder / ".gitkeep").touch()
    (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    try:
        load_policy(target)  # refuse to commit what we could not read back (e.g. a bad code)
    except InputError:
        (target / CONFIG_FILE).unlink()
        raise
    init_repository_dir(target)
    git_config: dict[str, str] = {}
    if sign_with is not None:
        git_config |= {"gpg.format": "ssh", "user.signingkey": str(sign_with.absolute()), "commit.gpgsign": "true"}
        if not config_value(target, "user.name"):
            git_config["user.name"] = admin_name
        if not config_value(target, "user.email"):
            git_config["user.email"] = f"{admin_id}@{code.lower()}.gkctl.invalid"
    if remote:
        git_config |= {"remote.origin.url": remote, "remote.origin.fetch": "+refs/heads/*:refs/remotes/origin/*"}
    if git_config:
        write_repo_config(target, git_config)
    signed = signing_configured(target)
    sha = commit(target, t("init.commit_message", org=org), ["."], sign=signed)
    return InitResult(target, sha, signed)
