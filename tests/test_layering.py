"""The layout is the architecture: imports point down only, with no circles and no hidden imports.

cli → services → the domain packages (site, report, register, trail) → core. The rules are
checked on the import statements of every module under ``src/gkctl`` (``ast``, not a regex),
including imports made inside functions and under ``TYPE_CHECKING``, so a circle cannot hide
behind either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PKG = SRC / "gkctl"

# Which room may import which (besides itself and core). Top-level modules (gkctl/__init__ …) are
# importable from anywhere.
ALLOWED: dict[str, set[str]] = {
    "cli": {"services", "core"},
    "services": {"site", "report", "register", "trail", "core", "services"},
    "site": {"trail", "core"},
    "report": {"register", "trail", "core"},
    "register": {"core"},
    "trail": {"core"},
    "core": set(),
}
TERMINAL = ("typer", "rich", "click")
MAX_TOP_LEVEL_MODULES = 6


@dataclass(frozen=True)
class Import:
    module: str  # importing module, dotted
    target: str  # imported module, dotted
    line: int
    in_function: bool
    type_only: bool


def module_name(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(path: Path, src: Path = SRC) -> Iterator[Import]:
    """Every import statement of ``path`` with where it stands (function body, TYPE_CHECKING)."""
    module = module_name(path, src)
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            func = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            typed = type_only or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, in_function, type_only)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(child, module, path.name == "__init__.py")
                yield Import(module, target, child.lineno, in_function, type_only)
                for alias in child.names:  # ``from gkctl.trail import workflow`` imports a module
                    sub = f"{target}.{alias.name}"
                    if (src / Path(*sub.split("."))).with_suffix(".py").is_file():
                        yield Import(module, sub, child.lineno, in_function, type_only)
            yield from visit(child, func, typed)

    yield from visit(tree, False, False)


def all_imports(src: Path = SRC) -> list[Import]:
    return [imp for path in sorted((src / "gkctl").rglob("*.py")) for imp in imports_of(path, src)]


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PKG / parts[1]).is_dir()) else None


def upward_imports(imports: list[Import]) -> list[str]:
    out = []
    for imp in imports:
        src_room, dst_room = room(imp.module), room(imp.target)
        if not imp.target.startswith("gkctl.") or src_room is None or dst_room is None or src_room == dst_room:
            continue
        if dst_room not in ALLOWED[src_room] and dst_room != "core":
            out.append(f"{imp.module}:{imp.line} imports {imp.target} ({src_room} → {dst_room})")
    return out


def cycles(imports: list[Import]) -> list[list[str]]:
    """Every strongly connected set of gkctl modules larger than one (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if imp.target.startswith("gkctl") and imp.target != imp.module:
            graph.setdefault(imp.module, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


IMPORTS = all_imports()


def test_imports_point_down_only() -> None:
    assert upward_imports(IMPORTS) == []


def test_no_import_circle() -> None:
    # a package's __init__ importing its own modules is not a circle worth reporting
    real = [c for c in cycles(IMPORTS) if not all(m.startswith(c[0].rsplit(".", 1)[0]) for m in c) or len(c) > 2]
    assert real == []


def test_no_terminal_code_below_the_cli() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in IMPORTS
           if room(i.module) != "cli" and i.target.split(".")[0] in TERMINAL]
    assert bad == []


def test_no_function_level_gkctl_import_below_the_cli() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in IMPORTS
           if i.in_function and i.target.startswith("gkctl") and room(i.module) != "cli"]
    assert bad == []


def test_trail_and_register_do_not_know_each_other() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in IMPORTS
           if {room(i.module), room(i.target)} == {"trail", "register"}]
    assert bad == []


def test_the_cli_goes_through_services() -> None:
    bad = [f"{i.module}:{i.line} imports {i.target}" for i in IMPORTS
           if room(i.module) == "cli" and room(i.target) not in (None, "cli", "services", "core")]
    assert bad == []


def test_few_modules_lie_flat_in_the_package() -> None:
    flat = sorted(p.name for p in PKG.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(flat) <= MAX_TOP_LEVEL_MODULES, flat


# --- the checks themselves catch what they claim to: a planted upward import and a circle ---------


def _plant(src: Path, files: dict[str, str]) -> list[Import]:
    for rel, text in files.items():
        (src / "gkctl" / rel).write_text(text, encoding="utf-8")
    return all_imports(src)


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    for name in ("core", "trail", "register", "services", "cli"):
        (tmp_path / "gkctl" / name).mkdir(parents=True)
        (tmp_path / "gkctl" / name / "__init__.py").write_text("")
    (tmp_path / "gkctl" / "__init__.py").write_text("")
    return tmp_path


def test_a_planted_upward_import_is_caught(planted: Path) -> None:
    imps = _plant(planted, {"core/policy.py": "from gkctl.trail.history import load\n", "trail/history.py": ""})
    assert any("core → trail" in line for line in upward_imports(imps))


def test_a_planted_circle_is_caught(planted: Path) -> None:
    imps = _plant(planted, {
        "register/model.py": "def f():\n    from gkctl.register.deadlines import g\n",
        "register/deadlines.py": "from gkctl.register.model import f\n",
    })
    assert cycles(imps) == [["gkctl.register.deadlines", "gkctl.register.model"]]
    assert [i.line for i in imps if i.in_function] == [2]
