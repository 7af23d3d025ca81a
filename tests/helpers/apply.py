"""Helpers for the application-register tests: write register files, set up a registrar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gkctl.core.calendar import WorkCalendar
from gkctl.core.policy import load_policy
from gkctl.core.yamlio import dump_yaml, load_yaml
from gkctl.register.applications import parse_application, read_applications
from gkctl.trail.gitutil import commit
from gkctl.trail.signatures import allowed_signers
from helpers.sig import SshKey, make_ssh_key, use_ssh_key

CAL = WorkCalendar()
TODAY = date(2026, 11, 26)


def record_text(defaults: dict[str, object], overrides: dict[str, object]) -> str:
    """A register file from ``defaults`` updated by ``overrides``; ``None`` drops a key, ``events`` are raw YAML lines."""
    fields = {**defaults, **overrides}
    lines = []
    for key, value in fields.items():
        if value is None:
            continue
        if key == "events":
            lines.append("events:")
            lines += [f"  - {e}" for e in value]  # type: ignore[attr-defined]
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


APPLICATION = {
    "id": "2025-003",
    "received": "2025-03-03",
    "channel": "网络",
    "applicant": "{type: 自然人, name: 王小五}",
    "request": "申请公开2024年度区级预算执行审计结果",
    "events": None,
    "result": "予以公开",
    "result_reason": None,
    "replied": "2025-03-20",
    "fee": "0",
}


def app_text(**overrides: object) -> str:
    """A valid application file, changed by ``overrides``."""
    return record_text(APPLICATION, overrides)


def parse(text: str, path: str = "applications/2025/2025-003.yaml"):
    return parse_application(load_yaml(text, path), path)


def write_app(root: Path, text: str, rel: str = "applications/2025/2025-003.yaml") -> str:
    full = root / rel
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_text(text, encoding="utf-8")
    return rel


def load_one(root: Path, text: str, rel: str = "applications/2025/2025-003.yaml"):
    write_app(root, text, rel)
    apps, findings = read_applications(root)
    assert not [f for f in findings if f.is_error], findings
    return apps[0]


def add_registrar(root: Path, admin_key: SshKey, folder: Path, roles: tuple[str, ...] = ("registrar",)) -> SshKey:
    """Add 赵登记 (registrar) and 李主任 (office head, approves extensions) signed by the admin,
    then make git in ``root`` sign as the registrar."""
    key = make_ssh_key(folder, "zhaodj")
    people_path = root / "policies" / "people.yaml"
    data = load_yaml(people_path.read_text(encoding="utf-8"), "policies/people.yaml").data
    data["people"] += [
        {"id": "zhaodj", "name": "赵登记", "section": "办公室", "roles": list(roles), "keys": [key.line]},
        {"id": "lisi", "name": "李四", "section": "办公室", "roles": ["publisher"], "keys": []},
    ]
    people_path.write_text(dump_yaml(data), encoding="utf-8")
    use_ssh_key(root, admin_key)
    commit(root, "人员：增加依申请公开登记人\n", ["policies/people.yaml"])
    # let plain git verify the signatures too (`%G?` = G), from the people file itself
    allowed = folder / "allowed_signers"
    allowed.write_text(allowed_signers(load_policy(root)), encoding="utf-8")
    use_ssh_key(root, key, allowed_signers=allowed)
    return key
