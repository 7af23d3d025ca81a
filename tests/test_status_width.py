"""``status`` reads at any terminal width: 80 columns stack, 120 keep the table, nothing overflows.

East Asian wide characters take two cells, so widths are measured in cells, not characters.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from helpers.cli import run_cli
from helpers.docs import write_doc
from helpers.workflow import DOC, Bureau, full_chain, run_git

TITLES = [f"关于印发綦江区审计局2026年度第{i}批政府信息公开工作专项检查整改情况的通报" for i in range(2, 19)]


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


@pytest.fixture
def eighteen(bureau: Bureau) -> Bureau:
    """One published document (a long 索引号), one sent back, sixteen drafts with long titles."""
    from gkctl.services import steps

    full_chain(bureau)
    steps.publish(bureau.as_("publisher").repo, [DOC], fetch=False)
    for i, title in enumerate(TITLES, 2):
        write_doc(bureau.root, f"docs/2026/2026-bgs-{i:03d}.md", id=f"2026-bgs-{i:03d}", title=title, drafter="clerk")
    bureau.as_("clerk")
    run_git(bureau.root, "add", "docs")
    run_git(bureau.root, "commit", "-q", "-S", "-m", "拟稿")
    steps.decide(bureau.as_("reviewer").repo, "2026-bgs-002", "review", False, "请补充整改时限")
    return bureau


@pytest.mark.parametrize("width", [80, 120])
def test_status_fits_the_terminal(eighteen: Bureau, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    res = run_cli("status", cwd=eighteen.root)
    assert res.exit_code == 0, res.output
    lines = res.stdout.rstrip("\n").splitlines()
    too_wide = [ln for ln in lines if cells(ln) > width]
    assert too_wide == []
    # 18 documents: stacked at 80 (up to 3 lines each), a table at 120 (a 36-character title
    # folds into 4); before, titles one character per line took 366
    assert len(lines) <= (3 if width < 110 else 4) * 18 + 8
    flat = re.sub(r"[\s│┃|]", "", res.stdout)
    for title in TITLES:  # no title is broken into single characters: each reads in long runs
        runs = [run for run in re.findall(r"[\u4e00-\u9fff\d]+", res.stdout) if run and run in title]
        assert max(len(r) for r in runs) >= 10, (title, runs)
        assert title[:10] in flat
    assert "退回" in res.stdout and "11500000MB1B37366Q/2026-00001" in res.stdout


def test_status_of_one_document_shows_the_reason_and_who_is_next(eighteen: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("status", "2026-bgs-002", cwd=eighteen.root).stdout
    assert "请补充整改时限" in out and "下一步：拟稿人修改后 gkctl save（张三）" in out
    out = run_cli("status", "2026-bgs-003", cwd=eighteen.root).stdout
    assert "下一步：审稿（李四、王局）" in out
    assert all(cells(ln) <= 80 for ln in out.splitlines())


def test_a_pipe_without_columns_keeps_whole_lines(eighteen: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out = run_cli("status", cwd=eighteen.root).stdout
    lines = out.splitlines()
    assert len(lines) == 19 and all(ln.count("\t") == 5 for ln in lines)
    assert any(TITLES[0] in ln for ln in lines)


def test_people_list_fits_80_columns_with_role_names(eighteen: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("people", "list", cwd=eighteen.root).stdout
    assert all(cells(ln) <= 80 for ln in out.splitlines())
    assert "签发人、审稿人" in out  # 王局's roles by name, not signer、reviewer
    assert re.search(r"│ signer\s+│ 王局\s+│", out)  # ids and names are never folded
