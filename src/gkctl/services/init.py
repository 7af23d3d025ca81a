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
from gkctl.core.yamlio import dump_yaml
from gkctl.trail.gitutil import commit, git, signing_configured

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
    admin_section: str = "办公室", site_url: str = "",
) -> InitResult:  # fmt: skip
    """Create the repository, write config and default policies, make the first commit."""
    if (target / CONFIG_FILE).exists():
        raise InputError(t("init.exists", path=str(target)))
    if target.exists() and not target.is_dir():
        raise InputError(t("repo.no_such_dir", path=str(target)))
    if not admin_key.strip():
        raise InputError(t("init.no_key"))
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
    person = {"id": admin_id, "name": admin_name, "section": admin_section, "roles": ["admin"], "keys": [admin_key.strip()]}
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
    if not (target / ".git").exists():
        git(target, "init", "--quiet", "--initial-branch=main")
    signed = signing_configured(target)
    sha = commit(target, t("init.commit_message", org=org), ["."], sign=signed)
    return InitResult(target, sha, signed)
