"""A client-side search index for Chinese text, which has no spaces between words.

Text is cut into overlapping character pairs (bigrams) inside runs of Chinese characters
and into whole words inside runs of ASCII letters and digits. A query is cut the same way
in ``static/search.js``; a document matches when it holds every pair of the query. The
postings are spread over ``shards`` JavaScript files by a hash both sides compute, so a
query loads only the few files it needs and the site works from ``file://`` without a server.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections import defaultdict
from collections.abc import Iterable

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+|[a-z0-9]+")


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) count as their ASCII forms; the same
# mapping is in search.js. (NFKC would do it too, but costs more than the rest of tokenising.)
_WIDE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}


def tokens(text: str) -> set[str]:
    """Search tokens of ``text``: Chinese bigrams (a lone character as itself) and ASCII words."""
    out: set[str] = set()
    for run in _RUN.findall(text.translate(_WIDE).lower()):
        first = run[0]
        if len(run) == 1 or "a" <= first <= "z" or "0" <= first <= "9":
            out.add(run)
        else:
            out.update(map(operator.add, run, run[1:]))
    return out


def shard_of(token: str, shards: int) -> int:
    h = 0
    for ch in token:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return h % shards


def _shard_count(postings: int) -> int:
    n = 16
    while n < 1024 and postings / n > 40_000:
        n *= 2
    return n


def build_index(entries: Iterable[tuple[list[str], Iterable[str]]]) -> dict[str, bytes]:
    """Files of the index, by path under ``search/``.

    ``entries``: per document, its display record ``[url, title, column, date, index_number]``
    and its tokens (``tokens(text)``). Document numbers follow the order given (keep it deterministic).
    """
    docs: list[list[str]] = []
    inverted: dict[str, list[int]] = defaultdict(list)
    for number, (record, toks) in enumerate(entries):
        docs.append(record)
        for tok in toks:
            inverted[tok].append(number)
    total = sum(len(v) for v in inverted.values())
    shards = _shard_count(total)
    parts: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for tok in sorted(inverted):
        nums = inverted[tok]
        parts[shard_of(tok, shards)][tok] = [nums[0]] + [b - a for a, b in itertools.pairwise(nums)]
    files = {"search/docs.js": _js("GK_SEARCH_DOCS", {"shards": shards, "docs": docs})}
    for i, part in enumerate(parts):
        body = json.dumps(part, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        files[f"search/s{i:04d}.js"] = f"GK_SEARCH_SHARD({i},{body});\n".encode()
    return files


def _js(name: str, value: object) -> bytes:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f"window.{name}={body};\n".encode()
