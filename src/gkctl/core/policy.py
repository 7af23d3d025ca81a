"""The rules as data: ``gkctl.yaml`` and ``policies/*.yaml`` loaded into one typed object.

Policies are versioned with the content, so the same loader reads them from the working
tree or from the files of any commit (``load_policy_from_files``) — verification judges
each commit by the policy of its parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from gkctl.core.calendar import WorkCalendar
from gkctl.core.document import decode
from gkctl.core.errors import InputError
from gkctl.core.i18n import t
from gkctl.core.yamlio import Loaded, load_yaml

CONFIG_FILE = "gkctl.yaml"
POLICY_DIR = "policies"
SITE_TEMPLATE_DIR = "templates/site/"  # a bureau's overrides of the package's site templates
_ID = re.compile(r"^[a-z0-9_-]+$")
_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


@dataclass(frozen=True, slots=True)
class Office:
    """The 政府信息公开工作机构 (受理机构): printed on the 申请表 and in the annual report's opening."""

    name: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    hours: str = ""


OFFICE_FIELDS: tuple[str, ...] = ("name", "address", "postcode", "phone", "fax", "email", "hours")


@dataclass(frozen=True, slots=True)
class SiteFooter:
    """What 《政府网站发展指引》 has every government site's footer carry (``site:`` in gkctl.yaml).

    Empty strings are left out of the page; ``host`` (主办单位) defaults to the organisation.
    """

    host: str = ""
    identifier: str = ""  # 网站标识码
    icp: str = ""  # ICP备案号
    police: str = ""  # 公安机关备案号
    contact: tuple[str, ...] = ()  # 联系电话、地址
    supervision: tuple[str, ...] = ()  # who takes 举报 and how to reach them (制度第十七至十九条)
    feedback: str = ""  # e-mail, phone or the district platform's URL for 意见建议 (制度第二十条)


@dataclass(frozen=True)
class Org:
    name: str
    code: str  # 统一社会信用代码
    index_pattern: str
    site_title: str
    site_url: str
    sections: tuple[str, ...]
    protected_branches: tuple[str, ...]
    section_codes: dict[str, str] = field(default_factory=dict)  # 办公室 -> bgs (used in new ids)
    office: Office = field(default_factory=Office)
    footer: SiteFooter = field(default_factory=SiteFooter)

    def index_number(self, year: int, serial: int) -> str:
        return self.index_pattern.format(code=self.code, year=year, serial=serial)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str
    article: str
    report: str


@dataclass(frozen=True, slots=True)
class Disclosure:
    attributes: tuple[str, ...]
    markings: dict[str, str]
    bases: dict[str, str]  # code -> text
    reasons: dict[str, Reason]
    secrecy_levels: dict[str, tuple[str, ...]]  # level -> allowed attributes


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name: str
    parent: str | None
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    column: str | None  # column id; None = never on the site
    genre: str  # 体裁分类
    topic: str  # 主题分类
    normative: bool  # 行政规范性文件: counted in table 二, can be repealed


@dataclass(frozen=True)
class Columns:
    columns: dict[str, Column]  # id -> column, in tree (pre-)order
    roots: tuple[str, ...]
    categories: dict[str, Category]

    def category(self, name: str) -> Category | None:
        return self.categories.get(name)

    def path(self, column_id: str) -> list[Column]:
        """The column and its ancestors, root first."""
        chain: list[Column] = []
        current: str | None = column_id
        while current is not None and current in self.columns:
            chain.append(self.columns[current])
            current = self.columns[current].parent
        return list(reversed(chain))


@dataclass(frozen=True, slots=True)
class StepRule:
    name: str
    label: str
    role: str
    count: int = 1
    distinct: bool = False


@dataclass(frozen=True)
class WorkflowPolicy:
    roles: dict[str, str]
    steps: dict[str, StepRule]
    default_chain: tuple[str, ...]
    chains_by_category: dict[str, tuple[str, ...]]
    drafter_may_not_approve: bool
    distinct_pairs: tuple[tuple[str, str], ...]
    raw: dict[str, Any] = field(default_factory=dict)

    def chain_for(self, category: str) -> tuple[str, ...]:
        return self.chains_by_category.get(category, self.default_chain)

    def steps_for(self, category: str) -> list[StepRule]:
        return [self.steps[name] for name in self.chain_for(category) if name in self.steps]


@dataclass(frozen=True, slots=True)
class SecrecyCheck:
    code: str
    kind: str  # marks | id_card | bank_card | mobile
    name: str
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    section: str
    roles: tuple[str, ...]
    keys: tuple[str, ...]
    active_until: date | None = None


def key_identity(key: str) -> str:
    """Compare keys by what they are, not how they are written.

    ssh keys by ``type base64`` (comment dropped); OpenPGP by upper-case fingerprint.
    """
    parts = key.strip().split()
    if len(parts) >= 2 and (parts[0].startswith("ssh-") or parts[0].startswith("ecdsa-") or parts[0].startswith("sk-")):
        return f"{parts[0]} {parts[1]}"
    return key.strip().replace(" ", "").upper()


@dataclass(frozen=True)
class People:
    people: tuple[Person, ...]

    @cached_property
    def _by_key(self) -> dict[str, Person]:
        return {key_identity(k): p for p in self.people for k in p.keys}

    def by_key(self, key: str) -> Person | None:
        return self._by_key.get(key_identity(key))

    def get(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)


@dataclass(frozen=True)
class Policy:
    org: Org
    disclosure: Disclosure
    columns: Columns
    workflow: WorkflowPolicy
    secrecy: tuple[SecrecyCheck, ...]
    people: People
    calendar_data: dict[str, Any] | None
    calendar_path: str = f"{POLICY_DIR}/calendar.yaml"
    calendar_loaded: Loaded | None = None  # lends line numbers to calendar errors

    @cached_property
    def calendar(self) -> WorkCalendar:

        return WorkCalendar.from_policy_dict(self.calendar_data, self.calendar_path, self.calendar_loaded)


# --- loading -----------------------------------------------------------------------------


class _Reader:
    """Typed access to one loaded YAML file that fails with file:line."""

    def __init__(self, loaded: Loaded, path: str) -> None:
        self.loaded = loaded
        self.path = path
        self.data = loaded.data if loaded.data is not None else {}
        if not isinstance(self.data, dict):
            raise InputError(t("policy.not_mapping"), path, 1)

    def fail(self, message: str, *keypath: str | int) -> InputError:
        return InputError(message, self.path, self.loaded.line(*keypath))

    def get(self, container: Any, key: str, kind: type | tuple[type, ...], *keypath: str | int, required: bool = True) -> Any:
        if not isinstance(container, dict) or key not in container or container[key] is None:
            if required:
                raise self.fail(t("policy.missing_key", key=key), *keypath)
            return None
        value = container[key]
        if not isinstance(value, kind):
            raise self.fail(t("policy.wrong_type", key=key), *keypath, key)
        return value


def _org(r: _Reader) -> Org:
    org = r.get(r.data, "organisation", dict)
    code = str(r.get(org, "code", (str, int), "organisation"))
    if not _CODE.match(code):
        raise r.fail(t("policy.bad_code", code=code), "organisation", "code")
    site = r.data.get("site") or {}
    if not isinstance(site, dict):
        raise r.fail(t("policy.wrong_type", key="site"), "site")
    pattern = str(r.data.get("index_pattern") or "{code}/{year}-{serial:05d}")
    try:
        pattern.format(code=code, year=2000, serial=1)
    except (KeyError, ValueError, IndexError):
        raise r.fail(t("policy.bad_index_pattern", pattern=pattern), "index_pattern") from None
    sections: list[str] = []
    codes: dict[str, str] = {}
    for i, item in enumerate(r.data.get("sections") or ()):
        if isinstance(item, dict):
            if "name" not in item:
                raise r.fail(t("policy.missing_key", key="name"), "sections", i)
            sections.append(str(item["name"]))
            if item.get("code"):
                codes[str(item["name"])] = str(item["code"])
        else:
            sections.append(str(item))
    return Org(
        name=str(r.get(org, "name", str, "organisation")),
        code=code,
        index_pattern=pattern,
        site_title=str(site.get("title") or org.get("name")),
        site_url=str(site.get("url") or ""),
        sections=tuple(sections),
        protected_branches=tuple(str(b) for b in r.data.get("protected_branches") or ("main",)),
        section_codes=codes,
        office=_office(r),
        footer=_footer(r, site, str(org.get("name") or "")),
    )


def _lines(r: _Reader, site: dict[str, Any], key: str) -> tuple[str, ...]:
    """A ``site:`` value that is one line or a list of lines."""
    value = site.get(key)
    if value is None or value == "":
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return tuple(str(v) for v in value)
    raise r.fail(t("policy.wrong_type", key=key), "site", key)


def _footer(r: _Reader, site: dict[str, Any], org_name: str) -> SiteFooter:
    single: dict[str, str] = {}
    for key in ("host", "identifier", "icp", "police", "feedback"):
        value = site.get(key)
        if value is not None and not isinstance(value, (str, int)):
            raise r.fail(t("policy.wrong_type", key=key), "site", key)
        single[key] = "" if value is None else str(value).strip()
    return SiteFooter(
        host=single["host"] or org_name,
        identifier=single["identifier"],
        icp=single["icp"],
        police=single["police"],
        contact=_lines(r, site, "contact"),
        supervision=_lines(r, site, "supervision"),
        feedback=single["feedback"],
    )


def _office(r: _Reader) -> Office:
    """``office:`` in gkctl.yaml: name, address, postcode, phone, fax, email, hours (all optional)."""
    raw = r.data.get("office")
    if raw is None:
        return Office()
    if not isinstance(raw, dict):
        raise r.fail(t("policy.wrong_type", key="office"), "office")
    values: dict[str, str] = {}
    for key, value in raw.items():
        if key not in OFFICE_FIELDS:
            raise r.fail(t("policy.office_unknown_key", key=key, known="、".join(OFFICE_FIELDS)), "office", key)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise r.fail(t("policy.wrong_type", key=f"office.{key}"), "office", key)
        values[str(key)] = str(value).strip()
    return Office(**values)


def _disclosure(r: _Reader) -> Disclosure:
    attrs = r.get(r.data, "attributes", list)
    names = tuple(str(a["name"]) if isinstance(a, dict) else str(a) for a in attrs)
    markings = {str(a["name"]): str(a.get("marking", "")) for a in attrs if isinstance(a, dict)}
    bases = {str(b["code"]): str(b.get("text", "")) for b in r.get(r.data, "bases", list)}
    reasons: dict[str, Reason] = {}
    for i, item in enumerate(r.get(r.data, "reasons", list)):
        if not isinstance(item, dict) or "code" not in item:
            raise r.fail(t("policy.missing_key", key="code"), "reasons", i)
        reasons[str(item["code"])] = Reason(
            str(item["code"]), str(item.get("text", "")), str(item.get("article", "")), str(item.get("report", ""))
        )
    levels = {str(k): tuple(str(a) for a in v) for k, v in r.get(r.data, "secrecy_levels", dict).items()}
    for level, allowed in levels.items():
        for attr in allowed:
            if attr not in names:
                raise r.fail(t("policy.unknown_attribute", attribute=attr), "secrecy_levels", level)
    return Disclosure(names, markings, bases, reasons, levels)


def _columns(r: _Reader) -> Columns:
    columns: dict[str, Column] = {}

    def walk(items: list[Any], parent: str | None, keypath: tuple[str | int, ...]) -> tuple[str, ...]:
        ids = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "id" not in item or "name" not in item:
                raise r.fail(t("policy.bad_column"), *keypath, i)
            cid = str(item["id"])
            if cid in columns:
                raise r.fail(t("policy.duplicate", what="column", value=cid), *keypath, i)
            columns[cid] = Column(cid, str(item["name"]), parent, ())
            kids = walk(item.get("children") or [], cid, (*keypath, i, "children"))
            columns[cid] = Column(cid, str(item["name"]), parent, kids)
            ids.append(cid)
        return tuple(ids)

    roots = walk(r.get(r.data, "columns", list), None, ("columns",))
    categories: dict[str, Category] = {}
    for i, item in enumerate(r.get(r.data, "categories", list)):
        if not isinstance(item, dict) or "name" not in item:
            raise r.fail(t("policy.missing_key", key="name"), "categories", i)
        column = item.get("column")
        if column is not None and str(column) not in columns:
            raise r.fail(t("policy.unknown_column", column=column), "categories", i, "column")
        name = str(item["name"])
        categories[name] = Category(
            name, None if column is None else str(column), str(item.get("genre") or "其他"),
            str(item.get("topic") or "其他"), bool(item.get("normative", False)),
        )  # fmt: skip
    return Columns(columns, roots, categories)


def _workflow(r: _Reader) -> WorkflowPolicy:
    roles = {str(k): str(v) for k, v in r.get(r.data, "roles", dict).items()}
    steps: dict[str, StepRule] = {}
    for name, spec in r.get(r.data, "steps", dict).items():
        if not isinstance(spec, dict) or "role" not in spec:
            raise r.fail(t("policy.missing_key", key="role"), "steps", name)
        if str(spec["role"]) not in roles:
            raise r.fail(t("policy.unknown_role", role=spec["role"]), "steps", name)
        steps[str(name)] = StepRule(
            str(name), str(spec.get("label", name)), str(spec["role"]), int(spec.get("count", 1)),
            bool(spec.get("distinct", False)),
        )  # fmt: skip
    chains = r.get(r.data, "chains", dict)
    default = tuple(str(s) for s in r.get(chains, "default", list, "chains"))
    by_cat = {str(k): tuple(str(s) for s in v) for k, v in (chains.get("by_category") or {}).items()}
    for chain_name, chain in [("default", default), *by_cat.items()]:
        for step in chain:
            if step not in steps:
                raise r.fail(t("policy.unknown_step", step=step), "chains", chain_name)
    sep = r.data.get("separation") or {}
    pairs = tuple((str(a), str(b)) for a, b in (sep.get("distinct") or []))
    return WorkflowPolicy(roles, steps, default, by_cat, bool(sep.get("drafter_may_not_approve", True)), pairs, r.data)


def _secrecy(r: _Reader) -> tuple[SecrecyCheck, ...]:
    checks = []
    for i, item in enumerate(r.get(r.data, "checks", list)):
        if not isinstance(item, dict) or "code" not in item or "kind" not in item:
            raise r.fail(t("policy.missing_key", key="code/kind"), "checks", i)
        patterns = tuple(str(p) for p in item.get("patterns") or ())
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise r.fail(t("policy.bad_regex", pattern=p, error=str(exc)), "checks", i, "patterns") from None
        checks.append(SecrecyCheck(str(item["code"]), str(item["kind"]), str(item.get("name", "")), patterns))
    return tuple(checks)


def _people(r: _Reader, roles: dict[str, str]) -> People:
    people = []
    seen: set[str] = set()
    for i, item in enumerate(r.get(r.data, "people", list)):
        if not isinstance(item, dict):
            raise r.fail(t("policy.not_mapping"), "people", i)
        pid = str(r.get(item, "id", str, "people", i))
        if not _ID.match(pid):
            raise r.fail(t("policy.bad_person_id", id=pid), "people", i, "id")
        if pid in seen:
            raise r.fail(t("policy.duplicate", what="person", value=pid), "people", i, "id")
        seen.add(pid)
        person_roles = tuple(str(x) for x in item.get("roles") or ())
        for role in person_roles:
            if roles and role not in roles:
                raise r.fail(t("policy.unknown_role", role=role), "people", i, "roles")
        until = item.get("active_until")
        if until is not None and not isinstance(until, date):
            raise r.fail(t("policy.bad_date", key="active_until"), "people", i, "active_until")
        people.append(
            Person(pid, str(item.get("name", pid)), str(item.get("section", "")), person_roles,
                   tuple(str(k) for k in item.get("keys") or ()), until)
        )  # fmt: skip
    return People(tuple(people))


def load_policy_from_files(read: Callable[[str], bytes | None] | Mapping[str, bytes]) -> Policy:
    """Build a ``Policy`` from file contents keyed by repo path (``gkctl.yaml``, ``policies/x.yaml``).

    ``read`` is a mapping or a function returning the bytes of a path, or None when absent.
    """
    get: Callable[[str], bytes | None] = read.get if isinstance(read, Mapping) else read

    def reader(relpath: str, required: bool = True) -> _Reader | None:
        raw = get(relpath)
        if raw is None:
            if required:
                raise InputError(t("policy.missing_file"), relpath)
            return None
        return _Reader(load_yaml(decode(raw, relpath), relpath), relpath)

    org = _org(reader(CONFIG_FILE))  # type: ignore[arg-type]
    p = f"{POLICY_DIR}/"
    workflow = _workflow(reader(p + "workflow.yaml"))  # type: ignore[arg-type]
    cal = reader(p + "calendar.yaml", required=False)
    return Policy(
        org=org,
        disclosure=_disclosure(reader(p + "disclosure.yaml")),  # type: ignore[arg-type]
        columns=_columns(reader(p + "columns.yaml")),  # type: ignore[arg-type]
        workflow=workflow,
        secrecy=_secrecy(reader(p + "secrecy.yaml")),  # type: ignore[arg-type]
        people=_people(reader(p + "people.yaml"), workflow.roles),  # type: ignore[arg-type]
        calendar_data=cal.data if cal else None,
        calendar_loaded=cal.loaded if cal else None,
    )


def load_policy(root: Path) -> Policy:
    """The policy in the working tree of repository ``root``."""

    def read(relpath: str) -> bytes | None:
        try:
            return (root / relpath).read_bytes()
        except FileNotFoundError:
            return None

    return load_policy_from_files(read)


def is_policy_path(relpath: str) -> bool:
    """Whether changing ``relpath`` is a policy change that only an admin's signature puts in force.

    The bureau's site templates count too: they decide what every public page shows.
    """
    return relpath == CONFIG_FILE or relpath.startswith((POLICY_DIR + "/", SITE_TEMPLATE_DIR))
