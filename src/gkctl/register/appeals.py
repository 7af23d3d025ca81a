"""行政复议 and 行政诉讼 cases about disclosure: one YAML file per case under ``appeals/<year>/``.

A case counts in the annual report of the year it was filed, with the result known on
31 December of that year (``result_as_of``); a decision that came later is 尚未审结 there.
Parsing returns findings (codes GK531–GK539) rather than raising, so ``validate`` can list
every problem at once; ``load_appeals`` raises for the report, which needs clean data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gkctl.core.findings import Finding, finding
from gkctl.core.i18n import t
from gkctl.core.yamlio import Loaded, as_date
from gkctl.register.records import duplicate_ids, read_records, record_paths, refuse_errors, text_of

FOLDER = "appeals"
TYPES = ("行政复议", "行政诉讼")
ROUTES = ("未经复议直接起诉", "复议后起诉")
RESULTS = ("结果维持", "结果纠正", "其他结果")
PENDING = "尚未审结"
KNOWN_KEYS = ("id", "type", "route", "filed", "application", "result", "decided", "body", "note")
ID_PATTERN = re.compile(r"^(\d{4})-([A-Z]?)(\d{2,})$")
PREFIX = {"行政复议": "F", "行政诉讼": "S"}


@dataclass(frozen=True, slots=True)
class Appeal:
    id: str
    path: str
    type: str  # 行政复议 | 行政诉讼
    route: str | None  # 行政诉讼: 未经复议直接起诉 | 复议后起诉
    filed: date
    application: str | None = None  # the application id it concerns
    result: str | None = None  # 结果维持 | 结果纠正 | 其他结果; None = 尚未审结
    decided: date | None = None
    body: str | None = None  # 复议机关 / 法院
    note: str | None = None
    lines: tuple[tuple[str, int], ...] = ()

    def line(self, key: str) -> int | None:
        return dict(self.lines).get(key)

    @property
    def year(self) -> int:
        return self.filed.year

    def result_as_of(self, day: date) -> str:
        """The result known on ``day``: one of RESULTS, or 尚未审结."""
        if self.result is None or self.decided is None or self.decided > day:
            return PENDING
        return self.result

    @property
    def report_group(self) -> str:
        """Column group of table 四: 行政复议, 未经复议直接起诉 or 复议后起诉."""
        return self.type if self.type == "行政复议" else (self.route or ROUTES[0])


def appeal_paths(root: Path) -> list[str]:
    return record_paths(root, FOLDER)


def parse_appeal(loaded: Loaded, path: str) -> tuple[Appeal | None, list[Finding]]:
    out: list[Finding] = []
    data = loaded.data
    if not isinstance(data, dict):
        return None, [finding("GK531", "error", path, loaded.line(), key="id")]

    def err(code: str, *keypath: str, **params: object) -> None:
        out.append(finding(code, "error", path, loaded.line(*keypath), **params))

    for key in data:
        if key not in KNOWN_KEYS:
            out.append(finding("GK538", "warning", path, loaded.line(key), key=key, known="、".join(KNOWN_KEYS)))
    kind = text_of(data.get("type"))
    if kind is None:
        err("GK531", key="type")
    elif kind not in TYPES:
        err("GK532", "type", value=kind, known="、".join(TYPES))
    route = text_of(data.get("route"))
    if kind == "行政诉讼" and route is None:
        err("GK533", "type", value="", known="、".join(ROUTES))
    elif kind == "行政诉讼" and route not in ROUTES:
        err("GK533", "route", value=route, known="、".join(ROUTES))
    elif kind == "行政复议" and route is not None:
        err("GK539", "route")
    filed = as_date(data.get("filed"))
    if "filed" not in data:
        err("GK531", key="filed")
    elif filed is None:
        err("GK531", "filed", key="filed")
    result = text_of(data.get("result"))
    if result is not None and result not in RESULTS:
        err("GK534", "result", value=result, known="、".join(RESULTS))
    decided = as_date(data.get("decided"))
    if data.get("decided") is not None and decided is None:
        err("GK531", "decided", key="decided")
    if any(f.is_error for f in out) or kind is None or filed is None:
        return None, out
    appeal = Appeal(
        id=text_of(data.get("id")) or Path(path).stem,
        path=path,
        type=kind,
        route=route,
        filed=filed,
        application=text_of(data.get("application")),
        result=result,
        decided=decided,
        body=text_of(data.get("body")),
        note=text_of(data.get("note")),
        lines=tuple((k, loaded.line(k) or 1) for k in data),
    )
    return appeal, out


def read_appeals(root: Path, paths: Iterable[str] | None = None) -> tuple[list[Appeal], list[Finding]]:
    chosen = appeal_paths(root) if paths is None else paths
    return read_records(root, chosen, parse_appeal, lambda a: (a.filed, a.id))


def load_appeals(root: Path) -> list[Appeal]:
    """All appeals, refusing (``InputError``, file and line) any file that does not parse."""
    return refuse_errors(*read_appeals(root))


def check_appeals(appeals: list[Appeal], application_ids: set[str], today: date) -> list[Finding]:
    out = duplicate_ids(appeals, "GK537")
    for a in appeals:
        m = ID_PATTERN.match(a.id)
        if (
            a.id != Path(a.path).stem
            or not m
            or int(m.group(1)) != a.filed.year
            or Path(a.path).parent.name != str(a.filed.year)
        ):
            out.append(finding("GK514", "error", a.path, a.line("id") or a.line("filed"), id=a.id, year=a.filed.year))
        if a.application is not None and a.application not in application_ids:
            out.append(finding("GK536", "error", a.path, a.line("application"), id=a.application))
        if (a.result is None) != (a.decided is None):
            out.append(finding("GK535", "error", a.path, a.line("result") or a.line("decided"), id=a.id))
        for key, day in (("filed", a.filed), ("decided", a.decided)):
            if day is not None and day > today:
                detail = t("apply.detail.future")
                out.append(
                    finding("GK509", "error", a.path, a.line(key), what=key, date=day.isoformat(), detail=detail)
                )
        if a.decided is not None and a.decided < a.filed:
            detail = t("apply.detail.before_filed", date=a.filed.isoformat())
            out.append(
                finding("GK509", "error", a.path, a.line("decided"), what="decided", date=a.decided, detail=detail)
            )
    return out


def next_id(root: Path, year: int, kind: str) -> str:
    prefix = PREFIX.get(kind, "F")
    highest = 0
    for relpath in appeal_paths(root):
        m = ID_PATTERN.match(Path(relpath).stem)
        if m and int(m.group(1)) == year and m.group(2) == prefix:
            highest = max(highest, int(m.group(3)))
    return f"{year}-{prefix}{highest + 1:02d}"


def appeal_path(appeal_id: str, filed: date) -> str:
    return f"{FOLDER}/{filed.year}/{appeal_id}.yaml"
