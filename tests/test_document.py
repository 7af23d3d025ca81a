"""Bad input: every malformed file gets file, line, exit 2 and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkctl.core.document import parse_document
from gkctl.core.errors import InputError
from helpers.cli import run_cli
from helpers.docs import doc_text, write_doc

REL = "docs/2026/x.md"


def _validate_bad(repo: Path, raw: bytes) -> str:
    (repo / "docs/2026").mkdir(parents=True, exist_ok=True)
    (repo / REL).write_bytes(raw)
    before = sorted(p.name for p in (repo / "docs/2026").iterdir())
    r = run_cli("validate", REL, cwd=repo)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert sorted(p.name for p in (repo / "docs/2026").iterdir()) == before  # nothing written
    return r.stdout


def test_gbk_file_is_named_with_conversion_hint(repo: Path) -> None:
    out = _validate_bad(repo, doc_text().encode("gbk"))
    assert f"{REL}:" in out and "GBK" in out and "iconv" in out


def test_bom_is_accepted(repo: Path) -> None:
    doc = parse_document(b"\xef\xbb\xbf" + doc_text().encode(), REL)
    assert doc.title.startswith("关于")


def test_duplicate_key_names_both_lines(repo: Path) -> None:
    text = doc_text().replace("kind: 公文\n", "kind: 公文\nkind: 非公文\n")
    out = _validate_bad(repo, text.encode())
    line = text.split("\n").index("kind: 非公文") + 1
    assert f"{REL}:{line}:" in out and "重复的键“kind”" in out


def test_tab_indentation(repo: Path) -> None:
    text = doc_text().replace("basis:\n- 公民切身利益", "basis:\n\t- 公民切身利益")
    out = _validate_bad(repo, text.encode())
    line = text.split("\n").index("\t- 公民切身利益") + 1
    assert f"{REL}:{line}:" in out and "制表符" in out


def test_unterminated_front_matter(repo: Path) -> None:
    out = _validate_bad(repo, b"---\ntitle: x\n\nbody\n")
    assert f"{REL}:1:" in out and "没有结束" in out


def test_missing_front_matter(repo: Path) -> None:
    out = _validate_bad(repo, "# 只有正文\n".encode())
    assert f"{REL}:1:" in out and "---" in out


def test_binary_file(repo: Path) -> None:
    out = _validate_bad(repo, b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    assert REL in out and "二进制" in out


def test_file_over_5_mb(repo: Path) -> None:
    out = _validate_bad(repo, doc_text(body="审" * (2 * 1024 * 1024)).encode())
    assert REL in out and "过大" in out


def test_impossible_date(repo: Path) -> None:
    text = doc_text(formed="2026-02-30")
    out = _validate_bad(repo, text.encode())
    line = text.split("\n").index("formed: 2026-02-30") + 1
    assert f"{REL}:{line}:" in out and "2026-02-30" in out


def test_yaml_syntax_error(repo: Path) -> None:
    out = _validate_bad(repo, b"---\ntitle: [unclosed\nkind: x\n---\n")
    assert f"{REL}:" in out and "YAML" in out


def test_front_matter_that_is_a_list() -> None:
    with pytest.raises(InputError) as exc:
        parse_document(b"---\n- a\n- b\n---\n", REL)
    assert exc.value.line == 2


def test_key_lines_point_into_the_file(repo: Path) -> None:
    path = write_doc(repo)
    doc = parse_document(path.read_bytes(), "d.md")
    lines = path.read_text().split("\n")
    assert lines[doc.line_of("attribute") - 1].startswith("attribute:")
    assert lines[doc.body_line - 1] == "# 正文"


@pytest.mark.parametrize(
    ("rel", "bad", "needle"),
    [
        ("policies/columns.yaml", "    column: xzgfxwj\n", "    column: no-such-column\n"),
        ("policies/people.yaml", "roles:\n  - admin\n", "roles:\n  - emperor\n"),
        ("gkctl.yaml", "  code: 11500000MB1B37366Q\n", "  code: 12345\n"),
        ("policies/workflow.yaml", "chains:\n", "chains:\n  bad: [\n"),
    ],
)
def test_broken_policy_names_file_and_line(repo: Path, rel: str, bad: str, needle: str) -> None:
    """A broken policy file is reported like a broken document: file, line, exit 2."""
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert bad in text, f"fixture text not found in {rel}"
    path.write_text(text.replace(bad, needle, 1), encoding="utf-8")
    r = run_cli("validate", cwd=repo)
    assert r.exit_code == 2, r.output
    assert f"{rel}:" in r.stderr and "Traceback" not in r.output
    line = int(r.stderr.split(f"{rel}:")[1].split(":")[0])
    assert 1 <= line <= len(path.read_text(encoding="utf-8").splitlines())
