"""The message catalogue: every user-facing sentence, in Chinese and English.

Messages live in ``messages/*.yaml`` (one file per area, merged into one catalogue) so
that translators see all text in one place and code only names keys.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources

import yaml

_lang = "zh"


def set_lang(lang: str | None) -> None:
    """Select the output language (``zh`` default; ``GKCTL_LANG`` when ``lang`` is None)."""
    global _lang
    chosen = (lang or os.environ.get("GKCTL_LANG") or "zh").lower()
    _lang = "en" if chosen.startswith("en") else "zh"


def current_lang() -> str:
    return _lang


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages, merged from every file of the ``messages`` package folder."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("gkctl") / "messages"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
        for key, texts in data.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} defined twice ({entry.name})")
            merged[key] = texts
    return merged


def t(msgid: str, /, **params: object) -> str:
    """The message ``msgid`` in the current language, formatted with ``params``."""
    texts = catalogue().get(msgid)
    if texts is None:
        return msgid + (" " + repr(params) if params else "")
    text = texts.get(_lang) or texts.get("zh") or msgid
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
