"""reports/<Y>/annual.yaml: clear messages naming file and line for every way it can be wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gkctl.core.errors import InputError
from gkctl.report.narrative import fill, load_narrative

GOOD = """\
sections:
  总体情况: 本年度收到申请{本年新收申请数}件。
  五、存在的主要问题及改进情况: 无。
table2:
  规章: {本年制发件数: 1}
  行政事业性收费: 1.25
previous_year:
  结转下年度继续办理: {自然人: 1, 总计: 1}
"""


def _load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "reports" / "2025" / "annual.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return load_narrative(tmp_path, 2025)


def test_good_file(tmp_path: Path) -> None:
    n = _load(tmp_path, GOOD)
    assert n.sections == {"一、总体情况": "本年度收到申请{本年新收申请数}件。", "五、存在的主要问题及改进情况": "无。"}
    assert n.table2 == {"规章": {"本年制发件数": 1}, "行政事业性收费": {"本年收费金额（单位：万元）": Decimal("1.25")}}
    assert n.previous_out == {"自然人": 1, "总计": 1}
    assert n.section_lines["一、总体情况"] == 2


def test_missing_file_is_an_empty_narrative(tmp_path: Path) -> None:
    n = load_narrative(tmp_path, 2025)
    assert not n.exists and n.sections == {} and n.path == "reports/2025/annual.yaml"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD + "tables: 1\n", 9, ["tables"]),
        (GOOD.replace("总体情况:", "总体:"), 2, ["总体", "总体情况"]),
        (GOOD.replace("规章: {本年制发件数: 1}", "规章: {本年制发件数: -1}"), 5, ["-1"]),
        (GOOD.replace("规章: {本年制发件数: 1}", "规章: {发布件数: 1}"), 5, ["本年制发件数"]),
        (GOOD.replace("行政事业性收费: 1.25", "行政审批: 3"), 6, ["行政审批"]),
        (GOOD.replace("{自然人: 1, 总计: 1}", "{个人: 1}"), 8, ["个人"]),
        (GOOD.replace("table2:", "table2:\n\t规章: 1"), 5, ["制表符"]),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, text: str, line: int, words: list[str]) -> None:
    with pytest.raises(InputError) as exc:
        _load(tmp_path, text)
    assert exc.value.path == "reports/2025/annual.yaml"
    assert exc.value.line == line, exc.value.message
    for word in words:
        assert word in exc.value.message


def test_gbk_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        _load(tmp_path, GOOD.encode("gbk"))
    assert "UTF-8" in exc.value.message


def test_fill_placeholders_and_literal_braces() -> None:
    assert fill("共{年度}年，{{示例}}", {"年度": 2025}, "f", 1) == "共2025年，{示例}"
    with pytest.raises(InputError) as exc:
        fill("第一行\n第二行{未知}", {"年度": 2025}, "reports/2025/annual.yaml", 4)
    assert exc.value.line == 6 and "未知" in exc.value.message and "年度" in exc.value.message


def test_typed_figures_are_flagged_with_their_line(tmp_path: Path) -> None:
    from gkctl.report.assemble import hard_figures

    n = _load(tmp_path, GOOD.replace("五、存在的主要问题及改进情况: 无。",
                                     "五、存在的主要问题及改进情况: |\n    第一段。\n    全年收到申请25件，20个工作日内答复。"))
    found = hard_figures(n)
    assert [(f.code, f.line) for f in found] == [("GK713", 5)]
    assert "25件" in found[0].message and found[0].severity == "warning"
