"""``gkctl show``: one document as a clerk reads it — Chinese labels, its state and 索引号,
people by name — rather than the raw front-matter keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gkctl.core.document import KNOWN_KEYS, Document
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import t
from gkctl.services.repository import Repository
from gkctl.services.save import unsaved_state
from gkctl.services.status import status_data


@dataclass(frozen=True)
class Shown:
    doc: Document
    rows: list[tuple[str, str]]  # (label, value) in the order a reader wants them


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(_value(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    if isinstance(value, bool):
        return t("workflow.status.yes") if value else t("workflow.status.no")
    return str(value)


def describe(repo: Repository, ref: str) -> Shown:
    doc = repo.find_document(ref)
    rows: list[tuple[str, str]] = []
    unsaved = unsaved_state(repo, doc.path)
    state, index = t("status.uncommitted"), "-"
    if unsaved != "uncommitted":
        try:
            st = status_data(repo, doc.path)["documents"][0]
            state = st["state_label"] + (f"（{t('status.changed')}）" if unsaved == "changed" else "")
            index = st["index_number"] or "-"
        except GkctlError:
            pass
    try:
        people = repo.policy.people
    except GkctlError:
        people = None
    for key in KNOWN_KEYS:
        if key not in doc.meta or doc.meta[key] in (None, "", []):
            continue
        value = _value(doc.meta[key])
        if key == "drafter" and people is not None and (p := people.get(value)) is not None:
            value = f"{p.name}（{p.id}）"
        rows.append((t(f"show.key.{key}"), value))
        if key == "id":
            rows += [(t("workflow.status.col.state"), state), (t("workflow.status.col.index"), index)]
    rows += [(key, _value(v)) for key, v in doc.meta.items() if key not in KNOWN_KEYS]
    rows.append((t("cli.col.path"), doc.path))
    return Shown(doc, rows)
