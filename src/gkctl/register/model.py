"""The 依申请公开 register's model: applications and events as plain data, and the table's rows.

The register keeps one YAML file per application under ``applications/<year>/``.

An application records facts (when it was received and how, what happened, how it was
answered); everything derived — the deadline, the state, the annual-report row — is
computed from those facts, so the file never needs editing to "update" a status.

The result is stored as the national annual-report table's own category and sub-item
(``RESULT_ROWS``), so the report counts without any mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import date

FOLDER = "applications"
CHANNELS = ("当面", "邮寄", "网络", "传真", "其他")
APPLICANT_TYPES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
EVENT_TYPES = ("补正告知", "补正收到", "征求意见", "征求意见答复", "延期", "延迟答复", "收费通知", "缴费")
ID_PATTERN = re.compile(r"^(\d{4})-(\d{3,})$")
KNOWN_KEYS = (
    "id",
    "received",
    "channel",
    "applicant",
    "request",
    "events",
    "result",
    "result_reason",
    "replied",
    "fee",
    "pages",
    "section",
)
EVENT_KEYS = ("type", "date", "days", "approved_by", "party", "until", "amount", "note")

# The national table (国办公开办函〔2021〕30号), section 三, rows 3–23: category and sub-item,
# as stored in ``result`` / ``result_reason`` (labels without their numbering).
_TABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("予以公开", "（一）予以公开", ()),
    ("部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    (
        "不予公开",
        "（三）不予公开",
        (
            "属于国家秘密",
            "其他法律行政法规禁止公开",
            "危及“三安全一稳定”",
            "保护第三方合法权益",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "属于行政执法案卷",
            "属于行政查询事项",
        ),
    ),
    ("无法提供", "（四）无法提供", ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")),
    (
        "不予处理",
        "（五）不予处理",
        (
            "信访举报投诉类申请",
            "重复申请",
            "要求提供公开出版物",
            "无正当理由大量反复申请",
            "要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "其他处理",
        "（六）其他处理",
        (
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "其他",
        ),
    ),
)

RESULT_CATEGORIES: tuple[str, ...] = tuple(cat for cat, _, _ in _TABLE)
RESULT_SUBITEMS: dict[str, tuple[str, ...]] = {cat: subs for cat, _, subs in _TABLE}
# Category -> its label in the table, e.g. 不予公开 -> （三）不予公开.
RESULT_CATEGORY_LABELS: dict[str, str] = {cat: label for cat, label, _ in _TABLE}
# Rows 3–23 of the table, in order: (category, sub-item or None).
RESULT_ROWS: list[tuple[str, str | None]] = [
    row for cat, _, subs in _TABLE for row in ([(cat, s) for s in subs] if subs else [(cat, None)])
]


def subitem_label(category: str, subitem: str) -> str:
    """The numbered label the table prints, e.g. ``1.属于国家秘密``."""
    return f"{RESULT_SUBITEMS[category].index(subitem) + 1}.{subitem}"


_SHORT = {"逾期不补正": 0, "逾期未缴费": 1, "逾期不缴费": 1}


def resolve_subitem(category: str, text: str | None) -> str | None:
    """The table's sub-item meant by ``text``: exact, numbered (``1.属于国家秘密``, ``1``),
    quotes typed differently, or a short alias of the long 其他处理 items. None if unknown."""
    subs = RESULT_SUBITEMS.get(category, ())
    if text is None or not subs:
        return None
    raw = str(text).strip()
    m = re.match(r"^(\d+)\s*[.．、]?\s*(.*)$", raw)
    if m:
        number, rest = int(m.group(1)), m.group(2)
        if not rest and 1 <= number <= len(subs):
            return subs[number - 1]
        raw = rest
    plain = _plain(raw)
    for sub in subs:
        if _plain(sub) == plain:
            return sub
    if category == "其他处理" and plain in _SHORT:
        return subs[_SHORT[plain]]
    return None


def _plain(text: str) -> str:
    return re.sub(r"[\"'“”‘’「」『』\s]", "", text)



@dataclass(frozen=True, slots=True)
class Event:
    type: str
    date: dt.date
    line: int | None = None
    days: int | None = None  # 延期: working days added
    approved_by: str | None = None  # 延期: person id of the 政府信息公开工作机构负责人
    party: str | None = None  # 征求意见: who is consulted (第三方 / another agency)
    until: dt.date | None = None  # 补正告知: the 补正期限; 收费通知: the payment deadline; 延迟答复: the new date
    amount: float | None = None  # 收费通知 / 缴费: yuan
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    path: str  # repo-relative
    received: date
    channel: str
    applicant_type: str
    applicant: str  # name (fictional in examples; personal data stays out of the public site)
    request: str
    events: tuple[Event, ...] = ()
    result: str | None = None
    result_reason: str | None = None
    replied: date | None = None
    fee: float = 0
    pages: int | None = None  # 按量计收: pages provided, where the fee is charged by volume
    section: str | None = None  # 承办科室, credited in the assessment (default: the office)
    lines: tuple[tuple[str, int], ...] = ()  # top-level key -> line, for findings

    def line(self, key: str) -> int | None:
        return dict(self.lines).get(key)

    @property
    def year(self) -> int:
        return self.received.year

    @property
    def is_open(self) -> bool:
        return self.replied is None

    def events_of(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]





def application_path(app_id: str, received: date) -> str:
    return f"{FOLDER}/{received.year}/{app_id}.yaml"
