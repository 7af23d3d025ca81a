"""The secrecy and privacy scan: 密级 marks, 身份证号, bank cards and mobile numbers.

Numbers are validated (ID checksum, Luhn) so that a 文号 or a budget figure is not taken
for personal data; what the scan looks for is policy (``policies/secrecy.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from gkctl.policy import SecrecyCheck

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d-])((?:\d[ -]?){15,18}\d)(?![\d-])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
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
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def scan(text: str, checks: tuple[SecrecyCheck, ...]) -> list[Hit]:
    """Every hit of ``checks`` in ``text``, with its line; numbers masked in the excerpt."""
    hits: list[Hit] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        ids_here: list[str] = []
        for check in checks:
            if check.kind == "marks":
                for rx in _compiled(check.patterns):
                    m = rx.search(line)
                    if m:
                        hits.append(Hit(check.code, check.name, lineno, m.group(0)))
                        break
            elif check.kind == "id_card":
                for m in _ID_CARD.finditer(line):
                    if id_card_valid(m.group(1)):
                        ids_here.append(m.group(1))
                        hits.append(Hit(check.code, check.name, lineno, _mask(m.group(1))))
            elif check.kind == "bank_card":
                for m in _CARD.finditer(line):
                    digits = re.sub(r"[ -]", "", m.group(1))
                    if 16 <= len(digits) <= 19 and digits not in ids_here and luhn_valid(digits):
                        hits.append(Hit(check.code, check.name, lineno, _mask(digits)))
            elif check.kind == "mobile":
                for m in _MOBILE.finditer(line):
                    hits.append(Hit(check.code, check.name, lineno, _mask(m.group(1))))
    return hits
