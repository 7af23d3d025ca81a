"""The national annual-report format (国办公开办函〔2021〕30号) as data.

Every heading, caption, row label, column label and merged cell of tables 二, 三 and 四 lives
here exactly once, so computing, checking and rendering cannot drift apart from the format.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADINGS: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
NARRATIVE_SECTIONS: tuple[str, ...] = (HEADINGS[0], HEADINGS[4], HEADINGS[5])

# --- Table 二: four blocks, each a caption row, a header row and data rows, 4 columns wide ---


@dataclass(frozen=True, slots=True)
class Block2:
    caption: str
    columns: tuple[str, ...]  # value columns after 信息内容 (one column spans three cells)
    rows: tuple[str, ...]


T2_HEAD = "信息内容"
T2_ISSUED, T2_REPEALED, T2_IN_FORCE = "本年制发件数", "本年废止件数", "现行有效件数"
T2_DECISIONS = "本年处理决定数量"
T2_FEES = "本年收费金额（单位：万元）"
TABLE2: tuple[Block2, ...] = (
    Block2("第二十条第（一）项", (T2_ISSUED, T2_REPEALED, T2_IN_FORCE), ("规章", "行政规范性文件")),
    Block2("第二十条第（五）项", (T2_DECISIONS,), ("行政许可",)),
    Block2("第二十条第（六）项", (T2_DECISIONS,), ("行政处罚", "行政强制")),
    Block2("第二十条第（八）项", (T2_FEES,), ("行政事业性收费",)),
)
# The one row gkctl derives from the documents; the others come from reports/<Y>/annual.yaml.
T2_NORMATIVE = "行政规范性文件"
T2_MANUAL_ROWS: tuple[str, ...] = ("规章", "行政许可", "行政处罚", "行政强制", "行政事业性收费")

# --- Table 三: 25 rows x 7 columns ---

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANTS = "申请人情况"
T3_ORGS = "法人或其他组织"
APPLICANT_TYPES: tuple[str, ...] = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
T3_TOTAL = "总计"
T3_COLUMNS: tuple[str, ...] = (*APPLICANT_TYPES, T3_TOTAL)

T3_RESULTS = "三、本年度办理结果"
_RESULT_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (result value in applications/*.yaml, level-2 label, level-3 labels)
    ("予以公开", "（一）予以公开", ()),
    ("部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    ("不予公开", "（三）不予公开", (
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
    )),
    ("无法提供", "（四）无法提供", (
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确",
    )),
    ("不予处理", "（五）不予处理", (
        "1.信访举报投诉类申请",
        "2.重复申请",
        "3.要求提供公开出版物",
        "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息",
    )),
    ("其他处理", "（六）其他处理", (
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "3.其他",
    )),
)


@dataclass(frozen=True, slots=True)
class Row3:
    """One data row of table 三: its label path (1 to 3 levels) and, for result rows, its key."""

    labels: tuple[str, ...]
    result: str | None = None  # the application `result` counted here
    reason: str | None = None  # the application `result_reason` (sub-item without its number)

    @property
    def label(self) -> str:
        return "/".join(self.labels)


def _strip_number(sub: str) -> str:
    head, dot, rest = sub.partition(".")
    return rest if dot and head.isdigit() else sub


def _rows3() -> tuple[Row3, ...]:
    rows = [Row3(("一、本年新收政府信息公开申请数量",)), Row3(("二、上年结转政府信息公开申请数量",))]
    for result, level2, subs in _RESULT_GROUPS:
        if not subs:
            rows.append(Row3((T3_RESULTS, level2), result))
        rows.extend(Row3((T3_RESULTS, level2, sub), result, _strip_number(sub)) for sub in subs)
    rows.append(Row3((T3_RESULTS, "（七）总计")))
    rows.append(Row3(("四、结转下年度继续办理",)))
    return tuple(rows)


TABLE3_ROWS: tuple[Row3, ...] = _rows3()
ROW_NEW, ROW_CARRIED_IN, ROW_TOTAL, ROW_CARRIED_OUT = 0, 1, 23, 24
RESULT_ROW_RANGE = range(2, 23)  # rows 3-23 of the official table (0-based 2..22)
RESULT_VALUES: tuple[str, ...] = tuple(g[0] for g in _RESULT_GROUPS)
RESULT_GROUPS = _RESULT_GROUPS


def result_row(result: str, reason: str | None) -> int | None:
    """0-based row index for an application's `result`/`result_reason`, None if it fits no row."""
    for index in RESULT_ROW_RANGE:
        row = TABLE3_ROWS[index]
        if row.result != result:
            continue
        if row.reason is None or row.reason == _strip_number(reason or ""):
            return index
    return None


def short_row_name(index: int) -> str:
    """How a person names a row in a message: '三（三）1' style, from the label path."""
    labels = TABLE3_ROWS[index].labels
    if len(labels) == 1:
        return labels[0].split("、")[0]
    parts = [labels[0].split("、")[0], labels[1][: labels[1].index("）") + 1]]
    if len(labels) == 3:
        parts.append(labels[2].split(".")[0])
    return "".join(parts)


# --- Table 四: 15 columns in one data row ---

T4_REVIEW, T4_LITIGATION = "行政复议", "行政诉讼"
T4_DIRECT, T4_AFTER_REVIEW = "未经复议直接起诉", "复议后起诉"
T4_OUTCOMES: tuple[str, ...] = ("结果维持", "结果纠正", "其他结果", "尚未审结")
T4_PENDING = "尚未审结"
T4_TOTAL = "总计"
T4_GROUP_COLUMNS: tuple[str, ...] = (*T4_OUTCOMES, T4_TOTAL)
T4_GROUPS: tuple[str, ...] = (T4_REVIEW, T4_DIRECT, T4_AFTER_REVIEW)
