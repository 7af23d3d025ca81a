"""The secrecy and privacy scan: 密级 marks, 身份证号, bank cards and mobile numbers.

Numbers are validated (ID checksum, Luhn) so that a 文号 or a budget figure is not taken
for personal data; what the scan looks for is policy (``policies/secrecy.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from gkctl.core.policy import SecrecyCheck

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d-])((?:\d[ -]?){15,18}\d)(?![\d-])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
# Every personal number above has 11 digits in a row or card-style groups: texts without
# either (most of them) skip the three number patterns.
_LONG_NUMBER = re.compile(r"\d{11}|\d{4}[ -]\d{4}[ -]\d{4}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    name: str
    line: int  # 1-based within the scanned text
    excerpt: str  # masked, safe to print


def id_card_valid(number: str) -> bool:
    """GB 11643 checksum of an 18-character 居民身份证号码."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _mask(value: str) -> str:
    return value[:3] + "*" * max(len(value) - 7, 3) + value[-4:] if len(value) > 7 else "***"


@cache
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """All of a check's patterns as one alternation: one pass over the text."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def scan(text: str, checks: tuple[SecrecyCheck, ...]) -> list[Hit]:
    """Every hit of ``checks`` in ``text``, with its line; numbers masked in the excerpt.

    Each pattern runs once over the whole text (in C); only candidates reach Python, which
    keeps a 10,000-document validation from looping over every line.
    """
    hits: list[Hit] = []

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    ids: set[str] = set()
    numbers = _LONG_NUMBER.search(text) is not None
    for check in checks:
        if check.kind == "marks":
            if not check.patterns:
                continue
            seen_lines: set[int] = set()
            for m in _compiled(check.patterns).finditer(text):
                line = line_of(m.start())
                if line not in seen_lines:  # one mark per line is enough to say so
                    seen_lines.add(line)
                    hits.append(Hit(check.code, check.name, line, m.group(0)))
        elif not numbers:
            continue
        elif check.kind == "id_card":
            for m in _ID_CARD.finditer(text):
                if id_card_valid(m.group(1)):
                    ids.add(m.group(1))
                    hits.append(Hit(check.code, check.name, line_of(m.start()), _mask(m.group(1))))
        elif check.kind == "bank_card":
            for m in _CARD.finditer(text):
                digits = re.sub(r"[ -]", "", m.group(1))
                if 16 <= len(digits) <= 19 and digits not in ids and luhn_valid(digits):
                    hits.append(Hit(check.code, check.name, line_of(m.start()), _mask(digits)))
        elif check.kind == "mobile":
            for m in _MOBILE.finditer(text):
                hits.append(Hit(check.code, check.name, line_of(m.start()), _mask(m.group(1))))
    hits.sort(key=lambda h: h.line)
    return hits
