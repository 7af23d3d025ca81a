"""A client-side search index for Chinese text, which has no spaces between words.

Text is cut into overlapping character pairs (bigrams) inside runs of Chinese characters
and into whole words inside runs of ASCII letters and digits. A query is cut the same way
in ``static/search.js``; a document is a candidate when it holds every pair of the query,
and a query that names a 文号 or a 索引号 must then occur exactly (``綦审公〔2025〕1号``
never finds ``〔2025〕2号``).

Layout, so a query loads only what it needs and one changed document costs one segment:

- documents are spread over ``segments`` (about a hundred each) by a hash of their id; each
  segment's postings are computed on their own and kept under ``.git/gkctl/site/`` (rows of
  one SQLite file) by the digest of its documents, so a build after one change re-inverts one
  small segment;
- postings are spread over ``shards`` files by a hash of the token (``search/sNNNN.js``, one
  list of per-segment postings each), so a query loads a few files and works from ``file://``;
  a shard is written again only when one of its postings changed (see ``SegmentCache``);
- plain text for snippets lives in ``search/t/SEG-BUCKET.js``, a few documents per file,
  loaded only for the results shown.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gkctl.site.output import Staging
from gkctl.trail.cache import Table

FORMAT = "search-v5"  # part of every cache key: bump when the index layout changes
CACHE = "segments-v2.sqlite"
_OLD_CACHE = "segments.sqlite"  # an older index's rows, in pages of 4 KB
BUCKET = 8  # documents per snippet-text file
TEXT_LIMIT = 20_000  # characters of a body kept for snippets

T = TypeVar("T")

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


def _hash(text: str) -> int:
    h = 0
    for ch in text:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return h


def shard_of(token: str, shards: int) -> int:
    return _hash(token) % shards


def segment_count(documents: int) -> int:
    """Segments for a site of ``documents``: ~100 documents each, a power of two (stable as it grows).

    One change re-inverts one segment and rewrites the snippet files after it in that segment."""
    n = 1
    while n < 512 and documents / n > 100:
        n *= 2
    return n


def _segment_of(doc_id: str, segments: int) -> int:
    """Where a document's postings live (the browser reads the lists, it never computes this)."""
    return zlib.crc32(doc_id.encode("utf-8")) % segments


def shard_count(documents: int) -> int:
    """Token shards: about 40,000 postings a file at ~500 distinct tokens a document."""
    n = 16
    while n < 1024 and documents * 500 / n > 40_000:
        n *= 2
    return n


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed document as search shows and finds it.

    ``record``: ``[url, title, column, date, index_number, doc_number, column slugs]``;
    ``key``: a digest of everything the entry is built from (the index is reused by it);
    ``terms``/``text``: computed only when the entry's segment or bucket is rebuilt.
    """

    doc_id: str
    key: str
    record: list[str]
    terms: Callable[[], Iterable[str]]
    text: Callable[[], str]


class SegmentCache:
    """Postings of each segment as per-shard UTF-8 JSON fragments, and beside them (a table of
    their own, small enough to read whole) a digest of each fragment.

    The digests key the shard files, so a build reads fragments only to write a shard that
    changed, and then only the rows of its group of ``GROUP`` shards (a row per segment and
    group): an edit that touches a few shards reads a few groups, not a district's 73 MB. Only
    the segments of the last build are kept (the file stays the size of one index); a missing
    or damaged row or file costs time only.
    """

    def __init__(self, folder: Path | None, keys: list[str], shards: int) -> None:
        self._table = Table.in_file(folder / CACHE, FORMAT, PAGE) if folder is not None else None
        self._sums_table = Table.in_file(folder / CACHE, FORMAT + "-sums", PAGE) if folder is not None else None
        kept = self._sums_table.get_many(keys) if self._sums_table is not None else {}
        self._sums = {k: v for k, v in kept.items() if isinstance(v, bytes) and len(v) == shards * SUM}
        self._found = bool(self._sums)
        self._new: dict[str, list[bytes]] = {}
        self._keys = keys
        self._shards = shards
        self._folder = folder

    def sums(self, key: str) -> bytes | None:
        """The digests of a segment's fragments, shard after shard (``SUM`` bytes each)."""
        return self._sums.get(key)

    def all_sums(self) -> bytes:
        """Every segment's digests, in the order of the keys (all of them known by now)."""
        return b"".join(self._sums[key] for key in self._keys)

    def group(self, keys: list[str], group: int) -> dict[str, list[bytes]]:
        """The fragments of shards ``group * GROUP`` onwards (``GROUP`` of them, or the rest) of
        the segments of ``keys`` that the cache holds whole and sound."""
        lo, hi = group * GROUP, min(self._shards, (group + 1) * GROUP)
        found = {k: self._new[k][lo:hi] for k in keys if k in self._new}
        wanted = {f"{group:03d}:{k}": k for k in keys if k not in found}
        rows = self._table.get_many(wanted) if self._table is not None else {}
        for name, value in rows.items():
            if isinstance(value, list) and len(value) == hi - lo and all(type(f) is bytes for f in value):
                found[wanted[name]] = value
        return found

    def put(self, key: str, fragments: list[bytes]) -> None:
        """Keep a segment computed again (and its digests)."""
        self._new[key] = fragments
        self._sums[key] = fragment_sums(fragments)

    def save(self) -> None:
        if self._table is None or self._sums_table is None:
            return
        if self._new:  # a segment computed again: its rows, and the rows no segment of this build has go
            groups = range(-(-self._shards // GROUP))
            self._table.put_many({f"{g:03d}:{k}": f[g * GROUP : (g + 1) * GROUP] for k, f in self._new.items() for g in groups})
            self._table.retain(f"{g:03d}:{k}" for k in self._keys for g in groups)
            self._sums_table.put_many({k: self._sums[k] for k in self._new})
            self._sums_table.retain(self._keys)
        self._table.close()
        self._sums_table.close()
        if not self._found and self._folder is not None:  # a new cache: an older gkctl's go
            for path in self._folder.glob("*.json"):  # a file per segment
                if _OLD_SEGMENT.fullmatch(path.stem):
                    path.unlink(missing_ok=True)
            (self._folder / _OLD_CACHE).unlink(missing_ok=True)


GROUP = 64  # shards whose fragments of one segment are kept in one row
# Rows are keyed group first, so a group's rows lie side by side, in pages that hold a row whole:
# reading a group is a few large reads, not a chain of small pages per row (1.8 s in one district
# build with 4 KB pages, most likely reads from disk).
PAGE = 65536
SUM = 16  # bytes of a fragment's digest


def fragment_sums(fragments: list[bytes]) -> bytes:
    return b"".join(hashlib.blake2b(f, digest_size=SUM).digest() for f in fragments)


_OLD_SEGMENT = re.compile(r"[0-9a-f]{64}")  # only such names: the manifest's digests share the folder


def _segment_fragments(entries: Sequence[Entry], shards: int, shard_memo: dict[str, int]) -> list[bytes]:
    inverted: dict[str, list[int]] = defaultdict(list)
    for number, entry in enumerate(entries):
        terms = entry.terms()
        for tok in terms if isinstance(terms, (set, frozenset)) else set(terms):
            inverted[tok].append(number)
    parts: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for tok in sorted(inverted):
        nums = inverted[tok]
        shard = shard_memo.get(tok)
        if shard is None:  # the same tokens recur in every segment: hash each once per build
            shard = shard_memo[tok] = shard_of(tok, shards)
        parts[shard][tok] = [nums[0]] + [b - a for a, b in itertools.pairwise(nums)]
    return [json.dumps(p, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode() for p in parts]


def write_index(staging: Staging, entries: Sequence[Entry], salt: str, cache_dir: Path | None = None,
                prefetch: Callable[[list[str]], None] | None = None) -> int:  # fmt: skip
    """Write ``search/`` into ``staging``; returns how many segments had to be inverted again.

    ``salt`` covers what every record depends on beside the documents (the column names);
    ``prefetch`` is told the ids of the entries whose terms or text are about to be read (to
    read them at once). A segment keeps its documents in the order of their ids, so a document
    that moves in the lists (republished, with a new date) keeps its place and its postings; a
    shard file is keyed by the digests of its fragments, so it is written again only when a
    posting in it changed (an edit touches a few of a district's 1,024 shards, not all).
    """
    segments = segment_count(len(entries))
    shards = shard_count(len(entries))
    members: list[list[Entry]] = [[] for _ in range(segments)]
    for entry in entries:
        members[_segment_of(entry.doc_id, segments)].append(entry)
    for seg in members:
        seg.sort(key=_doc_id)
    keys = [
        hashlib.sha256("\n".join([FORMAT, salt, str(shards), *(e.key for e in seg)]).encode()).hexdigest()
        for seg in members
    ]
    cache = SegmentCache(cache_dir, keys, shards)
    memo: dict[str, int] = {}
    inverted = 0

    def invert(numbers: list[int]) -> None:
        nonlocal inverted
        for batch in _batches(numbers, lambda n: len(members[n])):
            if prefetch is not None:
                prefetch([e.doc_id for n in batch for e in members[n]])
            for n in batch:
                cache.put(keys[n], _segment_fragments(members[n], shards, memo))
                inverted += 1

    invert([n for n, key in enumerate(keys) if cache.sums(key) is None])
    # The records are a function of the segments' keys: when none changed, neither did docs.js.
    whole = hashlib.sha256("\n".join([FORMAT, "files", str(segments), *keys]).encode()).hexdigest()
    if not staging.reuse("search/docs.js", whole):
        docs = [[e.record for e in seg] for seg in members]
        index = {"segments": segments, "shards": shards, "docs": docs}
        staging.write("search/docs.js", _js("GK_SEARCH_DOCS", index), whole)
    # Shard i's key: its fragment's digest in every segment, read off the segments' digests as a
    # column (a strided view: no slice per segment and shard).
    table = memoryview(cache.all_sums()).cast("Q")
    stride, width = shards * SUM // 8, SUM // 8
    head = f"{FORMAT}\nshard\n{segments}\n{shards}\n".encode()
    stale: list[tuple[int, str, str]] = []
    for i in range(shards):
        h = hashlib.sha256(head)
        for w in range(width):
            h.update(table[i * width + w :: stride].tobytes())
        rel, key = f"search/s{i:04d}.js", h.hexdigest()
        if not staging.reuse(rel, key):
            stale.append((i, rel, key))
    for group in sorted({i // GROUP for i, _, _ in stale}):  # every segment's fragments of these shards
        found = cache.group(keys, group)
        lost = [n for n, key in enumerate(keys) if key not in found]
        if lost:  # the cache lost them: those segments are inverted again
            invert(lost)
            found.update(cache.group([keys[n] for n in lost], group))
        rows = [found[key] for key in keys]
        for i, rel, key in stale:
            if i // GROUP == group:
                data = b"GK_SEARCH_SHARD(%d,[%s]);\n" % (i, b",".join(row[i - group * GROUP] for row in rows))
                staging.write(rel, data, key)
    cache.save()
    todo: list[tuple[int, int, list[Entry], str, str]] = []
    for s, seg in enumerate(members):
        for b in range(0, len(seg), BUCKET):
            chunk = seg[b : b + BUCKET]
            rel = f"search/t/{s:03d}-{b // BUCKET:04d}.js"
            key = hashlib.sha256("\n".join([FORMAT, "text", *(e.key for e in chunk)]).encode()).hexdigest()
            if not staging.reuse(rel, key):
                todo.append((s, b, chunk, rel, key))
    for files in _batches(todo, lambda item: len(item[2])):
        if prefetch is not None:
            prefetch([e.doc_id for *_, chunk, _, _ in files for e in chunk])
        for s, b, chunk, rel, key in files:
            texts = json.dumps([e.text()[:TEXT_LIMIT] for e in chunk], ensure_ascii=False, separators=(",", ":"))
            staging.write(rel, f"GK_SEARCH_TEXT({s},{b // BUCKET},{texts});\n".encode(), key=key)
    return inverted


BATCH = 800  # documents whose bodies are read at once (a cold district build read all 43,000: +700 MB)


def _batches(items: list[T], size: Callable[[T], int]) -> Iterable[list[T]]:
    """``items`` in runs of about ``BATCH`` documents (``size`` of each item), in order."""
    batch: list[T] = []
    count = 0
    for item in items:
        batch.append(item)
        count += size(item)
        if count >= BATCH:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


_doc_id = operator.attrgetter("doc_id")


def _js(name: str, value: object) -> bytes:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return f"window.{name}={body};\n".encode()


# -- the query side, as static/search.js runs it (tests and `gkctl` checks use this one) ----------

_PRECISE = re.compile(r"[0-9〔〕\[\]]")


def normalise(text: str) -> str:
    """What exact matching compares: ASCII forms, lower case, no white space, 〔〕 for [] and ().

    Clerks type 文号 brackets as ``[]`` or ``()`` as often as ``〔〕``; search.js does the same.
    """
    text = text.translate(_WIDE).lower()
    text = text.replace("[", "〔").replace("]", "〕").replace("［", "〔").replace("］", "〕")
    text = text.replace("(", "〔").replace(")", "〕").replace("（", "〔").replace("）", "〕")
    return re.sub(r"\s+", "", text)


def precise(query: str) -> bool:
    """A query with digits or 〔〕 (a 文号, a 索引号 or its serial) must occur exactly."""
    return bool(_PRECISE.search(normalise(query)))


def find(files: dict[str, bytes], query: str, column: str = "", year: str = "") -> list[str]:
    """URLs of the documents a query finds in a built index, best first (the order search.js shows)."""
    index = json.loads(files["search/docs.js"].decode().removeprefix("window.GK_SEARCH_DOCS=").rstrip(";\n"))
    segments, shards, docs = index["segments"], index["shards"], index["docs"]
    want = normalise(query)
    if not want:
        return []
    hits: set[tuple[int, int]] | None = None
    # a lone Chinese character is not indexed inside longer runs: the phrase check decides
    toks = sorted(tok for tok in tokens(query) if len(tok) > 1 or tok.isascii())
    for tok in toks:
        raw = files.get(f"search/s{shard_of(tok, shards):04d}.js", b"").decode()
        found: set[tuple[int, int]] = set()
        if raw:
            parts = json.loads(raw[raw.index(",") + 1 : -3])
            for seg, part in enumerate(parts):
                acc = 0
                for d in part.get(tok, []):
                    acc += d
                    found.add((seg, acc))
        hits = found if hits is None else hits & found
    if hits is None:
        hits = {(s, n) for s in range(segments) for n in range(len(docs[s]))}

    def head(rec: list[str]) -> str:
        return normalise(" ".join([rec[1], rec[5], rec[4]]))

    def text_of(seg: int, n: int) -> str:
        raw = files.get(f"search/t/{seg:03d}-{n // BUCKET:04d}.js", b"").decode()
        return normalise(json.loads(raw[raw.index("[") : -3])[n % BUCKET]) if raw else ""

    out: list[tuple[int, str, str]] = []
    for seg, n in hits:
        rec = docs[seg][n]
        if column and column not in rec[6].split():
            continue
        if year and not rec[3].startswith(year):
            continue
        in_head = want in head(rec)
        if (precise(query) or not toks) and not in_head and want not in text_of(seg, n):
            continue
        out.append((0 if in_head else 1, rec[3], rec[0]))
    out.sort(key=lambda h: h[2])
    out.sort(key=lambda h: h[1], reverse=True)
    out.sort(key=lambda h: h[0])  # exact matches of title, 文号 or 索引号 first, then newest first
    return [h[2] for h in out]
