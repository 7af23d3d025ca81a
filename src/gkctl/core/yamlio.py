"""YAML in and out with the C loader, precise line numbers and no silent surprises.

PyYAML keeps the last of two duplicate keys and reports tabs obscurely; a clerk deserves
"file:line: duplicate key" instead. Line numbers come from the composed node tree, looked
up lazily, so the fast path costs one C parse.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from gkctl.core.errors import InputError
from gkctl.core.i18n import t

MAX_YAML_BYTES = 1024 * 1024  # front matter, registers and policy files are small; more is an attack
MAX_DEPTH = 32  # nesting deeper than any real file (a bomb without aliases is still deep)
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_Base):
    """Safe loader that refuses duplicate mapping keys."""

    line_offset = 0
    source = "<yaml>"

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        self.refuse_duplicates(node)
        return super().construct_mapping(node, deep=deep)

    def refuse_duplicates(self, node: Any) -> None:
        """A key written twice in one mapping is an error naming both lines (PyYAML keeps the last)."""
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                line = key_node.start_mark.line + 1 + self.line_offset
                if key in seen:
                    raise InputError(t("yaml.duplicate_key", key=key, first=seen[key]), self.source, line)
                seen[key] = line

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            line = node.start_mark.line + 1 + self.line_offset
            raise InputError(t("yaml.bad_date", value=node.value), self.source, line) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass
class Loaded:
    """Parsed YAML plus the node tree to answer "which line is this key on?"."""

    data: Any
    node: Any
    line_offset: int = 0

    def top_lines(self) -> dict[str, int]:
        """1-based line of every top-level key of a mapping document, in one pass."""
        if not isinstance(self.node, yaml.MappingNode):
            return {}
        return {str(k.value): k.start_mark.line + 1 + self.line_offset for k, _ in self.node.value}

    def line(self, *keypath: str | int) -> int | None:
        """1-based line of the value at ``keypath`` (of the key itself for mappings)."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for step in keypath:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        line = key_node.start_mark.line + 1
                        node = value_node
                        break
                else:
                    return line + self.line_offset if line else None
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line + self.line_offset if line else None


def load_yaml(text: str, path: str, line_offset: int = 0) -> Loaded:
    """Parse ``text`` (from ``path``); errors become ``InputError`` naming file and line."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(t("yaml.too_large", limit=MAX_YAML_BYTES // 1024), path)
    if "&" in text or "*" in text:  # cheap test first: the event scan runs only when one could be there
        _refuse_anchors(text, path, line_offset)
    loader = _Loader(text)
    loader.line_offset = line_offset
    loader.source = path
    try:
        node = loader.get_single_node()
        _check_depth(node, path, line_offset)
        data = _construct(loader, node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        text_line = _line_text(text, mark.line) if mark else ""
        if "\t" in text_line:
            raise InputError(t("yaml.tab"), path, line) from None
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(t("yaml.syntax", problem=problem), path, line) from None
    except yaml.YAMLError as exc:
        raise InputError(t("yaml.syntax", problem=str(exc)), path) from None
    finally:
        loader.dispose()
    return Loaded(data, node, line_offset)


_SHARED = 40  # characters: a scalar this short is interned
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_MERGING = frozenset(("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"))


def _construct(loader: _Loader, root: Any) -> Any:
    """What ``loader.construct_document(root)`` gives, built directly for the plain strings, lists
    and mappings front matter is made of: PyYAML's generic constructor costs most of a parse.

    Containers are filled breadth first, as PyYAML's deferred constructors fill them, so the first
    error a broken file reports is PyYAML's too. Anything else (numbers, dates, merge keys, explicit
    tags) is built by the loader itself; anchors never reach here (``_refuse_anchors``).
    """
    queue: deque[tuple[Any, Any]] = deque()

    def make(node: Any) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:
            if node.tag != _STR:
                return loader.construct_object(node, deep=True)
            value = node.value
            # keys and short values (attributes, columns, dates, people) recur in every document:
            # one string each, where 10,000 front matters held 225,000 (~15 MB)
            return sys.intern(value) if len(value) <= _SHARED else value
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            queue.append((node, []))
            return queue[-1][1]
        if kind is yaml.MappingNode and node.tag == _MAP and not any(k.tag in _MERGING for k, _ in node.value):
            queue.append((node, {}))
            return queue[-1][1]
        return loader.construct_object(node, deep=True)

    data = make(root)
    while queue:
        node, out = queue.popleft()
        if type(out) is list:
            out.extend(make(item) for item in node.value)
            continue
        loader.refuse_duplicates(node)
        for key_node, value_node in node.value:
            key = make(key_node)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        "found unhashable key", key_node.start_mark)
            out[key] = make(value_node)
    return data


def _refuse_anchors(text: str, path: str, line_offset: int) -> None:
    """Anchors and aliases are refused: nobody writes them by hand and an alias bomb costs minutes."""
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise InputError(t("yaml.alias"), path, mark.line + 1 + line_offset if mark else None)
    except yaml.YAMLError:
        return  # the real parse below reports the syntax error with its line


def _check_depth(node: Any, path: str, line_offset: int) -> None:
    stack = [(node, 1)] if node is not None else []
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(t("yaml.too_deep", limit=MAX_DEPTH), path, current.start_mark.line + 1 + line_offset)
        if isinstance(current, yaml.MappingNode):
            stack += [(v, depth + 1) for _, v in current.value]
        elif isinstance(current, yaml.SequenceNode):
            stack += [(v, depth + 1) for v in current.value]


def _line_text(text: str, index: int) -> str:
    lines = text.splitlines()
    return lines[index] if 0 <= index < len(lines) else ""


def as_date(value: Any) -> date | None:
    """A YAML date, or an ISO date string (quoted in the file), else None (a date with a time too)."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def dump_yaml(data: Any) -> str:
    """Block-style YAML with Chinese kept readable and key order as given."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
