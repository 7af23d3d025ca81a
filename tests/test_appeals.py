"""Appeals: 行政复议 and 行政诉讼 records, their year-end result and rules GK531–GK539."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gkctl.core.errors import InputError
from gkctl.core.yamlio import load_yaml
from gkctl.register.appeals import check_appeals, load_appeals, next_id, parse_appeal, read_appeals
from helpers.apply import record_text

PATH = "appeals/2025/2025-F01.yaml"
TODAY = date(2026, 11, 26)


APPEAL = {
    "id": "2025-F01",
    "type": "行政复议",
    "filed": "2025-05-10",
    "application": "2025-003",
    "result": "结果纠正",
    "decided": "2025-08-01",
}


def text(**overrides: object) -> str:
    return record_text(APPEAL, overrides)


def parse(body: str, path: str = PATH):  # type: ignore[no-untyped-def]
    return parse_appeal(load_yaml(body, path), path)


def test_a_decided_review_case() -> None:
    appeal, findings = parse(text())
    assert findings == [] and appeal is not None
    assert appeal.report_group == "行政复议"
    assert appeal.result_as_of(date(2025, 12, 31)) == "结果纠正"
    assert appeal.result_as_of(date(2025, 7, 31)) == "尚未审结"  # decided after that day
    assert check_appeals([appeal], {"2025-003"}, TODAY) == []


def test_a_lawsuit_after_review_counts_in_its_route() -> None:
    appeal, _ = parse(
        text(id="2025-S01", type="行政诉讼", route="复议后起诉", result=None, decided=None),
        "appeals/2025/2025-S01.yaml",
    )
    assert appeal is not None
    assert appeal.report_group == "复议后起诉"
    assert appeal.result_as_of(TODAY) == "尚未审结"


@pytest.mark.parametrize(
    ("overrides", "code", "line"),
    [
        ({"type": "行政复核"}, "GK532", 2),
        ({"type": "行政诉讼"}, "GK533", 2),  # no route
        ({"type": "行政诉讼", "route": "直接起诉"}, "GK533", 7),
        ({"route": "复议后起诉"}, "GK539", 7),
        ({"result": "尚未审结"}, "GK534", 5),
        ({"filed": None}, "GK531", None),
    ],
)
def test_structural_errors(overrides: dict[str, object], code: str, line: int | None) -> None:
    appeal, findings = parse(text(**overrides))
    assert appeal is None
    assert [(f.code, f.path) for f in findings if f.is_error] == [(code, PATH)]
    if line is not None:
        assert findings[0].line == line


@pytest.mark.parametrize(
    ("overrides", "code", "line"),
    [
        ({"application": "2025-099"}, "GK536", 4),  # names an unknown application
        ({"decided": None}, "GK535", 5),  # a result without a decision date
        ({"decided": "2025-05-01"}, "GK509", 6),  # decided before filed
        ({"decided": "2026-12-01"}, "GK509", 6),  # decided in the future
        ({"id": "2025-F02"}, "GK514", 1),  # id is not the file name
    ],
)
def test_rules(overrides: dict[str, object], code: str, line: int) -> None:
    appeal, _ = parse(text(**overrides))
    assert appeal is not None
    found = [(f.code, f.line) for f in check_appeals([appeal], {"2025-003"}, TODAY)]
    assert (code, line) in found, found


def test_duplicate_case_ids(tmp_path: Path) -> None:
    for name in ("2025-F01", "2025-F02"):
        (tmp_path / "appeals/2025").mkdir(parents=True, exist_ok=True)
        (tmp_path / f"appeals/2025/{name}.yaml").write_text(text(), encoding="utf-8")
    appeals, findings = read_appeals(tmp_path)
    assert findings == []
    codes = [(f.code, f.path) for f in check_appeals(appeals, {"2025-003"}, TODAY)]
    assert ("GK537", "appeals/2025/2025-F02.yaml") in codes


def test_load_refuses_a_broken_file_and_next_id_counts_by_kind(tmp_path: Path) -> None:
    (tmp_path / "appeals/2025").mkdir(parents=True)
    (tmp_path / PATH).write_text(text(), encoding="utf-8")
    assert next_id(tmp_path, 2025, "行政复议") == "2025-F02"
    assert next_id(tmp_path, 2025, "行政诉讼") == "2025-S01"
    assert [a.id for a in load_appeals(tmp_path)] == ["2025-F01"]
    (tmp_path / PATH).write_text(text(type="复议"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_appeals(tmp_path)
    assert (err.value.path, err.value.line) == (PATH, 2)
