"""Long loops of a page rendered one iteration at a time, each kept by what it shows.

The catalogue lists every document, so one change rendered thousands of unchanged rows again.
A ``{% for x in name %}`` whose body reads nothing but ``x``, ``root`` and ``base`` (no other variable, no
``loop``, no macro, block, include, import or assignment, no ``random``) is cut out of its
template: each iteration is rendered on its own, from the body the template's parser made
(whitespace already trimmed), and kept by a hash of the template set, the loop, ``root``, ``base`` and
the item (a document by its digest). The joined iterations are the bytes the loop writes.
A template without such a loop renders as it always did. The kept rows live in one
checksummed file under ``.git/gkctl/site/``, by template: a build that renders a page again
replaces that page's rows and keeps the others' (a page whose key did not change is not
rendered, and its rows are what the next change to it needs). A missing or damaged file only
costs time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from gkctl.trail.cache import load_marshal, save_marshal

FORMAT = "loops-v2"  # part of every key: bump when how a loop is cut or keyed changes
NAME = "rows-v2.marshal"
RETIRED = ("rows-v1.marshal",)  # kept every row of one build only
SHARED = ("root", "base")  # the names of the page a loop body may read besides its item

# Statements and names whose meaning depends on more than the item and the shared names.
_REFUSED = (
    nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.With, nodes.Block, nodes.Include, nodes.Import,
    nodes.FromImport, nodes.Extends, nodes.Assign, nodes.AssignBlock, nodes.For, nodes.Scope,
    nodes.ScopedEvalContextModifier, nodes.EvalContextModifier, nodes.ContextReference,
    nodes.DerivedContextReference, nodes.InternalName, nodes.ImportedName, nodes.EnvironmentAttribute,
    nodes.ExtensionAttribute, nodes.Continue, nodes.Break,
)  # fmt: skip
_IMPURE_FILTERS = frozenset({"random"})


@dataclass(frozen=True, slots=True)
class _Loop:
    var: str  # the page variable the loop's output is given in
    target: str
    items: str  # the page variable it iterates
    body: jinja2.Template
    sig: str  # what every iteration's key starts with


@dataclass(frozen=True, slots=True)
class _Cut:
    template: jinja2.Template  # the template with its loops replaced by their output
    loops: tuple[_Loop, ...]


class LoopRows:
    """Renders a page, its long simple loops an iteration at a time from the kept rows."""

    def __init__(self, env: jinja2.Environment, salt: str, folder: Path | None,
                 encode: Callable[[object], object], ident: Callable[[object], str | None] | None = None) -> None:  # fmt: skip
        """``encode``: what a value that is not plain JSON is keyed by. ``ident``: for a value of
        an item (a dict), a string naming it exactly (a document by its digest), or None; an item
        whose values are all strings or so named is keyed by them without JSON."""
        self.env, self.salt, self.folder, self.encode, self.ident = env, salt, folder, encode, ident
        self._cuts: dict[str, _Cut | None] = {}
        self._old: dict[str, dict[str, str]] | None = None  # template -> key -> row
        self._new: dict[str, dict[str, str]] = {}
        self.rendered = 0  # iterations rendered (the others came from the kept rows)

    def render(self, name: str, ctx: dict[str, object]) -> str:
        if name not in self._cuts:
            self._cuts[name] = _cut(self.env, name, self.salt)
        cut = self._cuts[name]
        if cut is None or any(not isinstance(ctx.get(loop.items), list) or loop.var in ctx for loop in cut.loops):
            return self.env.get_template(name).render(ctx)
        if self._old is None:
            self._old = _load(self.folder)
        old = self._old.get(name, {})
        new = self._new.setdefault(name, {})
        shared = tuple(ctx.get(n) for n in SHARED)
        given = {n: ctx[n] for n in SHARED if n in ctx}
        outputs: dict[str, object] = {}
        for loop in cut.loops:
            parts = []
            key_of = self._keyer(loop.sig, shared)
            for item in ctx[loop.items]:  # type: ignore[attr-defined]
                key = key_of(item)
                row = new.get(key) or old.get(key)
                if row is None:
                    row = loop.body.render({**given, loop.target: item})
                    self.rendered += 1
                new[key] = row
                parts.append(row)
            outputs[loop.var] = Markup("".join(parts))
        return cut.template.render({**ctx, **outputs})

    def _keyer(self, sig: str, shared: tuple[object, ...]) -> Callable[[object], str]:
        """The key of a row of one loop of one page: a hash of the loop and of what the row shows.

        A dict of strings and named values (the catalogue's rows) is keyed by their ``repr`` and
        names, typed so no string can pass for a name; anything else by its JSON. What every row
        of the loop shares is hashed once (the catalogue keys every document's row)."""
        ident = self.ident
        plain = ident is not None and all(v is None or type(v) is str for v in shared)
        head = hashlib.sha256(f"{sig}plain\0{shared!r}".encode())

        def key(item: object) -> str:
            if plain and ident is not None and type(item) is dict:
                parts = [""]
                for name in sorted(item):
                    value = item[name]
                    if type(value) is str:
                        parts.append(f"{name!r}s{value!r}")
                    elif (named := ident(value)) is not None:
                        parts.append(f"{name!r}n{named}")
                    else:
                        break
                else:
                    h = head.copy()
                    h.update("\0".join(parts).encode())
                    return h.hexdigest()
            shown = json.dumps([list(shared), item], ensure_ascii=False, sort_keys=True, default=self.encode)
            return hashlib.sha256((sig + shown).encode()).hexdigest()

        return key

    def save(self) -> None:
        """Keep the rows of the pages rendered now (only these: a page's rows stay the size of
        one rendering of it) and the kept rows of every other page."""
        if self.folder is None or self._old is None:
            return
        rows = {**{n: r for n, r in self._old.items() if n not in self._new}, **self._new}
        if rows != self._old:
            save_marshal(self.folder / NAME, rows)
        for name in RETIRED:
            (self.folder / name).unlink(missing_ok=True)


def _load(folder: Path | None) -> dict[str, dict[str, str]]:
    """The kept rows by template (empty when missing or damaged; a wrong-typed entry is dropped)."""
    kept = load_marshal(folder / NAME) if folder is not None else {}
    return {
        name: {k: v for k, v in rows.items() if isinstance(k, str) and isinstance(v, str)}
        for name, rows in kept.items()
        if isinstance(name, str) and isinstance(rows, dict)
    }


def _cut(env: jinja2.Environment, name: str, salt: str) -> _Cut | None:
    """``name`` with its simple loops cut out, or None when it has none (or cannot be read here)."""
    if env.loader is None:
        return None
    source, filename, _ = env.loader.get_source(env, name)
    tree = env.parse(source, name, filename)
    bound = {n.name for n in tree.find_all(nodes.Name) if n.ctx != "load"}
    loops: list[_Loop] = []
    for number, node in enumerate(list(tree.find_all(nodes.For))):
        if not _simple(env, node, bound):
            continue
        var = f"gkctl_loop_{number}"
        if var in bound or any(n.name == var for n in tree.find_all(nodes.Name)):
            continue
        body = nodes.Template(node.body, lineno=node.lineno)
        sig = json.dumps([FORMAT, salt, name, number]) + "\n"
        loops.append(_Loop(var, node.target.name, node.iter.name, _template(env, body, name, filename), sig))  # type: ignore[attr-defined]
        _replace(tree, node, nodes.Output([nodes.Name(var, "load", lineno=node.lineno)], lineno=node.lineno))
    if not loops:
        return None
    return _Cut(_template(env, tree, name, filename), tuple(loops))


def _simple(env: jinja2.Environment, node: nodes.For, bound: set[str]) -> bool:
    if not (isinstance(node.target, nodes.Name) and isinstance(node.iter, nodes.Name)):
        return False
    if node.else_ or node.recursive or node.test is not None or {node.iter.name, *SHARED} & bound - {node.target.name}:
        return False
    if node.target.name in SHARED:
        return False
    allowed = {node.target.name, *SHARED}
    for part in node.body:
        for sub in (part, *part.find_all(nodes.Node)):
            if isinstance(sub, _REFUSED):
                return False
            if isinstance(sub, nodes.Name) and (sub.ctx != "load" or sub.name not in allowed):
                return False
            if isinstance(sub, nodes.Filter) and (sub.name in _IMPURE_FILTERS or sub.name not in env.filters):
                return False
    return True


def _replace(tree: nodes.Node, old: nodes.Node, new: nodes.Node) -> None:
    for field in tree.fields:
        value = getattr(tree, field, None)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                elif isinstance(item, nodes.Node):
                    _replace(item, old, new)
        elif isinstance(value, nodes.Node):
            _replace(value, old, new)


def _template(env: jinja2.Environment, tree: nodes.Template, name: str, filename: str | None) -> Any:
    tree.set_environment(env)
    code = env.compile(tree, name, filename)
    return env.template_class.from_code(env, code, env.make_globals(None))
