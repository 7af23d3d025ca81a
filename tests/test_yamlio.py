"""The YAML loader builds plain front matter itself: it must give exactly what PyYAML gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gkctl.core import yamlio
from gkctl.core.errors import InputError
from gkctl.core.i18n import t

ROOT = Path(__file__).resolve().parents[1]


def _pyyaml(text: str) -> tuple[str, Any]:
    """PyYAML's own construction on the same loader (duplicate keys and bad dates refused as ours)."""
    loader = yamlio._Loader(text)
    loader.line_offset, loader.source = 1, "x.md"
    try:
        node = loader.get_single_node()
        return "ok", _typed(loader.construct_document(node) if node is not None else None)
    except InputError as exc:
        return "error", (exc.message, exc.line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return "error", (t("yaml.syntax", problem=exc.problem), mark.line + 2 if mark else None)
    finally:
        loader.dispose()


def _ours(text: str) -> tuple[str, Any]:
    try:
        return "ok", _typed(yamlio.load_yaml(text, "x.md", line_offset=1).data)
    except InputError as exc:
        return "error", (exc.message, exc.line)


def _typed(value: Any) -> Any:
    """The value with every type spelled out: ``True == 1`` and ``1 == 1.0`` must not pass."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(map(repr, value)) if isinstance(value, set | frozenset) else [_typed(v) for v in value]
        return (type(value).__name__, items)
    return (type(value).__name__, repr(value))


SAMPLES = [
    "title: 关于印发的通知\nid: SJJ-2025-001\n",
    "n: 12\nf: 1.5\nb: yes\nc: off\nnull1: ~\nnull2:\nd: 2025-03-01\nts: 2025-03-01 10:00:00\ns: '12'\n",
    "basis:\n  - 第十九条\n  - '第二十条'\nattachments:\n  - file: a.pdf\n    title: 附件一\n  - b.txt\n",
    "nested:\n  a:\n    b:\n      c: [1, two, {x: 3}]\n",
    "base: &b\n  x: 1\n",  # an anchor: refused before construction
    "m:\n  <<: {a: 1}\n  b: 2\n",
    "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\nbin: !!binary aGVsbG8=\nstr: !!str 123\n",
    "1: one\n'1': quoted one\n",  # the same text twice is a duplicate, whatever its type
    "? [a, b]\n: unhashable\n",
    "k: v\nk: again\n",
    "outer:\n  k: v\n  k: w\nlater: 2025-02-30\n",  # two errors: the first one PyYAML reaches wins
    "later: 2025-02-30\nouter:\n  k: v\n  k: w\n",
    "list:\n  - {k: v, k: w}\ndate: 2025-13-01\n",
    "a: {k: v, k: w}\nb: [2025-02-30]\n",  # two containers: PyYAML fills them in order
    "a: {x: {k: 1, k: 2}}\nb: {y: 2025-02-30}\n",  # and a level before the next
    "multi: |\n  第一行\n  第二行\nfolded: >\n  a\n  b\n",
    "- a\n- b\n",
    "just a string\n",
    "",
    "x: .inf\ny: -.nan\nz: 0x1F\nw: 0o17\nv: 1_000\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_value_or_error_as_pyyaml(text: str) -> None:
    if "&" in text:
        with pytest.raises(InputError):
            yamlio.load_yaml(text, "x.md", line_offset=1)
        return
    assert _ours(text) == _pyyaml(text)


def test_every_shipped_front_matter_and_policy_loads_as_pyyaml_loads_it() -> None:
    texts = []
    for path in sorted((ROOT / "examples").rglob("*.md")):
        raw = path.read_text(encoding="utf-8")
        if raw.startswith("---\n"):
            texts.append(raw.split("\n---", 1)[0][4:])
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").rglob("*.yaml"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").rglob("*.yaml"))]
    assert len(texts) > 30
    for text in texts:
        got = _ours(text)
        assert got[0] == "ok"
        assert got == _pyyaml(text)
