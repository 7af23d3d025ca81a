"""The message catalogue: every user-facing sentence, in Chinese and English.

Messages live in ``messages/*.yaml`` (one file per area, merged into one catalogue) so
that translators see all text in one place and code only names keys.
"""

from __future__ import annotations

import marshal
import os
from functools import cache
from importlib import resources
from pathlib import Path

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
    """All messages, merged from every file of the ``messages`` package folder.

    Parsing the YAML costs about 0.1 s, more than a warm command's own work: the merged
    catalogue is kept beside the files (``messages/__pycache__``, as Python keeps bytecode),
    keyed by every file's name, size and mtime, and rebuilt whenever one differs.
    """
    folder = Path(str(resources.files("gkctl") / "messages"))
    entries = sorted(p for p in folder.iterdir() if p.name.endswith(".yaml"))
    stamp = [(p.name, st.st_size, st.st_mtime_ns) for p in entries for st in (p.stat(),)]
    compiled = folder / "__pycache__" / "catalogue.marshal"
    try:
        found = marshal.loads(compiled.read_bytes())
        if isinstance(found, tuple) and len(found) == 2 and found[0] == stamp:
            return found[1]
    except (OSError, ValueError, EOFError, TypeError):
        pass
    merged = _parse(entries)
    try:
        compiled.parent.mkdir(exist_ok=True)
        tmp = compiled.with_name(f"catalogue.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps((stamp, merged)))
        os.replace(tmp, compiled)
    except OSError:
        pass  # a read-only install parses every time
    return merged


def _parse(entries: list[Path]) -> dict[str, dict[str, str]]:
    import yaml  # only when the compiled catalogue is missing or stale

    merged: dict[str, dict[str, str]] = {}
    for entry in entries:
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
