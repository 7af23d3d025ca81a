"""``gkctl people``: who may sign what, as admin-signed commits to ``policies/people.yaml``.

A change here counts only when an admin of the policy before it signed it (see
``workflow_trust``), so these commands refuse up front when the configured key is not such
an admin — a refused command leaves the file and history untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import current_lang, t
from gkctl.core.keys import normalize_key, read_key_argument
from gkctl.core.policy import POLICY_DIR, Person, Policy
from gkctl.core.yamlio import dump_yaml, load_yaml
from gkctl.services.repository import Repository
from gkctl.trail.gitutil import commit, is_dirty
from gkctl.trail.history import load_history
from gkctl.trail.signatures import (
    allowed_signers,
    allowed_signers_lines,
    configured_key,
    configured_person,
)
from gkctl.trail.trust import build_trust

PEOPLE_FILE = f"{POLICY_DIR}/people.yaml"
_ID = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True)
class Whoami:
    key: str
    person: Person | None
    active: bool
    role_names: tuple[str, ...] = ()  # the person's roles by their Chinese names


def effective_policy(repo: Repository) -> Policy:
    """The policy that counts at HEAD: the files as last changed by an admin-signed commit."""
    trust = build_trust(repo.root, load_history(repo.root))
    policy = trust.head_policy
    if policy is None:
        raise RuleError(t("workflow.refuse.no_policy"))
    return policy


def admin_of(repo: Repository, policy: Policy) -> Person:
    person = configured_person(repo.root, policy)
    if "admin" not in person.roles:
        raise RuleError(t("workflow.refuse.not_admin", person=person.id, name=person.name))
    return person


def _load_people_file(root: Path) -> tuple[str, list[dict[str, Any]]]:
    text = (root / PEOPLE_FILE).read_text(encoding="utf-8")
    data = load_yaml(text, PEOPLE_FILE).data or {}
    header = text.split("people:")[0] if "people:" in text else ""
    return header, list(data.get("people") or [])


def _write_and_commit(repo: Repository, header: str, people: list[dict[str, Any]], subject: str) -> str:
    path = repo.root / PEOPLE_FILE
    original = path.read_bytes()
    path.write_text(header + dump_yaml({"people": people}), encoding="utf-8")
    try:
        return commit(repo.root, f"{subject}\n\nGkctl-Step: people\n", [PEOPLE_FILE])
    except Exception:
        path.write_bytes(original)
        raise


def add_person(repo: Repository, pid: str, name: str, section: str, roles: list[str], key: str) -> str:
    key = read_key_argument(key)  # a key line, a .pub path or @path; anything else stops here
    if is_dirty(repo.root, [PEOPLE_FILE]):
        raise RuleError(t("workflow.refuse.people_dirty"), PEOPLE_FILE)
    policy = effective_policy(repo)
    admin_of(repo, policy)
    if not _ID.match(pid):
        raise InputError(t("workflow.refuse.bad_id", person=pid))
    known_roles = policy.workflow.roles
    for role in roles:
        if role not in known_roles:
            raise InputError(t("workflow.refuse.unknown_role", role=role, allowed="、".join(known_roles)))
    normal = normalize_key(key)
    if normal is None:
        raise InputError(t("workflow.refuse.bad_key", key=key[:60]))
    owner = policy.people.by_key(normal)
    if owner is not None:
        raise RuleError(t("workflow.refuse.key_in_use", person=owner.id))
    header, people = _load_people_file(repo.root)
    if any(str(p.get("id")) == pid for p in people):
        raise RuleError(t("workflow.refuse.person_exists", person=pid))
    people.append({"id": pid, "name": name, "section": section, "roles": list(roles), "keys": [key.strip()]})
    subject = t("workflow.subject.people", action=t("workflow.people.add"), person=f"{name}（{pid}）")
    return _write_and_commit(repo, header, people, subject)


def revoke_person(repo: Repository, pid: str, until: date) -> str:
    if is_dirty(repo.root, [PEOPLE_FILE]):
        raise RuleError(t("workflow.refuse.people_dirty"), PEOPLE_FILE)
    policy = effective_policy(repo)
    admin_of(repo, policy)
    header, people = _load_people_file(repo.root)
    entry = next((p for p in people if str(p.get("id")) == pid), None)
    if entry is None:
        raise InputError(t("workflow.refuse.no_person", person=pid))
    entry["active_until"] = until
    subject = t("workflow.subject.people", action=t("workflow.people.revoke"), person=f"{entry.get('name', pid)}（{pid}）")
    return _write_and_commit(repo, header, people, subject)


def change_roles(repo: Repository, pid: str, role: str, grant: bool) -> str:
    """Give ``pid`` the role ``role`` (or take it away), as an admin-signed people commit.

    Taking away the last admin role would lock everyone out of the policy, so it is refused."""
    if is_dirty(repo.root, [PEOPLE_FILE]):
        raise RuleError(t("workflow.refuse.people_dirty"), PEOPLE_FILE)
    policy = effective_policy(repo)
    admin_of(repo, policy)
    if role not in policy.workflow.roles:
        raise InputError(t("workflow.refuse.unknown_role", role=role, allowed="、".join(policy.workflow.roles)))
    header, people = _load_people_file(repo.root)
    entry = next((p for p in people if str(p.get("id")) == pid), None)
    if entry is None:
        raise InputError(t("workflow.refuse.no_person", person=pid))
    roles = [str(r) for r in entry.get("roles") or []]
    if grant == (role in roles):
        raise RuleError(t("people.role_has" if grant else "people.role_lacks", person=pid, role=role_name(policy, role)))
    if not grant and role == "admin":
        others = [p for p in people if p is not entry and "admin" in (p.get("roles") or []) and not p.get("active_until")]
        if not others:
            raise RuleError(t("people.last_admin", person=pid))
    entry["roles"] = [*roles, role] if grant else [r for r in roles if r != role]
    action = t("people.grant" if grant else "people.ungrant", role=role_name(policy, role))
    subject = t("workflow.subject.people", action=action, person=f"{entry.get('name', pid)}（{pid}）")
    return _write_and_commit(repo, header, people, subject)


def role_name(policy: Policy, role: str) -> str:
    """A role's short Chinese name: ``publisher`` → 发布人 (the label before its note)."""
    label = policy.workflow.roles.get(role) or role
    if current_lang() == "en":
        return role
    return label.split("（")[0].split("(")[0].strip() or role


def list_people(repo: Repository) -> list[Person]:
    return list(effective_policy(repo).people.people)


def export_allowed_signers(repo: Repository) -> tuple[str, int]:
    """git's allowed-signers file for everyone in the effective policy, and how many keys."""
    policy = effective_policy(repo)
    return allowed_signers(policy), len(allowed_signers_lines(policy.people.people))


def whoami(repo: Repository, today: date) -> Whoami:
    policy = effective_policy(repo)
    key = configured_key(repo.root)
    person = policy.people.by_key(key.key)
    active = person is not None and (person.active_until is None or today <= person.active_until)
    names = tuple(role_name(policy, r) for r in person.roles) if person else ()
    return Whoami(key.short(), person, active, names)
