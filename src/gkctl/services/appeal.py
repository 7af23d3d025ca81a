"""``gkctl appeal …``: record 行政复议 / 行政诉讼 cases about disclosure and their outcome.

Same discipline as the applications register: checked as validate would, one signed commit
by a registrar, the file restored if the commit fails.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t
from gkctl.core.yamlio import load_yaml
from gkctl.register.appeals import (
    RESULTS,
    ROUTES,
    TYPES,
    Appeal,
    appeal_path,
    check_appeals,
    load_appeals,
    next_id,
    parse_appeal,
)
from gkctl.register.applications import load_applications
from gkctl.services.apply import Change, registrar, render_record, write_and_commit
from gkctl.services.repository import Repository

ORDER = ("id", "type", "route", "filed", "application", "body", "result", "decided", "note")


def _checker(repo: Repository) -> Any:
    ids = {a.id for a in load_applications(repo.root)}
    return lambda appeal: check_appeals([appeal], ids, repo.today)


def _message(subject: str, appeal_id: str, application: str | None) -> str:
    trailers = f"Gkctl-Step: appeal\nGkctl-Appeal: {appeal_id}\n"
    if application:
        trailers += f"Gkctl-Application: {application}\n"
    return f"{subject}\n\n{trailers}"


def new_appeal(
    repo: Repository,
    *,
    kind: str,
    filed: date | None = None,
    route: str | None = None,
    application: str | None = None,
    body: str | None = None,
) -> Change:
    if kind not in TYPES:
        raise InputError(t("apply.bad_choice", key="--type", value=kind, known="、".join(TYPES)))
    if kind == "行政诉讼" and route not in ROUTES:
        raise InputError(t("GK533", value=route or "", known="、".join(ROUTES)))
    if kind == "行政复议" and route is not None:
        raise InputError(t("GK539"))
    filed = filed or repo.today
    registrar(repo)
    appeal_id = next_id(repo.root, filed.year, kind)
    relpath = appeal_path(appeal_id, filed)
    data: dict[str, Any] = {"id": appeal_id, "type": kind, "route": route, "filed": filed,
                            "application": application, "body": body}  # fmt: skip
    text = render_record({k: v for k, v in data.items() if v is not None}, ORDER, "appeal.file_header")
    msg = _message(t("appeal.commit.new", id=appeal_id, type=kind), appeal_id, application)
    warnings = write_and_commit(repo, relpath, text, msg, parse_appeal, _checker(repo))
    return Change(appeal_id, relpath, warnings)


def find_appeal(repo: Repository, appeal_id: str) -> Appeal:
    for appeal in load_appeals(repo.root):
        if appeal.id == appeal_id:
            return appeal
    raise InputError(t("appeal.not_found", id=appeal_id))


def decide(repo: Repository, appeal_id: str, *, result: str, day: date | None = None) -> Change:
    if result not in RESULTS:
        raise InputError(t("GK534", value=result, known="、".join(RESULTS)))
    appeal = find_appeal(repo, appeal_id)
    if appeal.result is not None:
        raise RuleError(t("appeal.already_decided", id=appeal.id, result=appeal.result), appeal.path)
    registrar(repo)
    data = dict(load_yaml((repo.root / appeal.path).read_text(encoding="utf-8"), appeal.path).data)
    data["result"] = result
    data["decided"] = day or repo.today
    text = render_record(data, ORDER, "appeal.file_header")
    msg = _message(t("appeal.commit.decide", id=appeal.id, result=result), appeal.id, appeal.application)
    warnings = write_and_commit(repo, appeal.path, text, msg, parse_appeal, _checker(repo))
    return Change(appeal.id, appeal.path, warnings)


def list_appeals(repo: Repository, year: int | None = None) -> list[Appeal]:
    return [a for a in load_appeals(repo.root) if year is None or a.filed.year == year]


def appeal_dict(a: Appeal, today: date) -> dict[str, Any]:
    return {
        "id": a.id,
        "type": a.type,
        "route": a.route,
        "filed": a.filed,
        "application": a.application,
        "body": a.body,
        "result": a.result,
        "decided": a.decided,
        "state": a.result_as_of(today),
        "path": a.path,
    }
