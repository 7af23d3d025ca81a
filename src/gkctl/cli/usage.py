"""Click's own words — usage errors and help text — in the user's language.

typer's vendored click writes its English sentences with f-strings, not gettext, so there is
no zh catalogue to plug in. Instead every sentence click can print for a usage error or a
help page is an entry of the one message catalogue (``messages/usage.yaml``): its ``en`` text
is click's template, its ``zh`` text the translation. Help pages pass through a formatter that
translates what it wrote; usage errors are shown by ``show_usage_error`` instead of click.
With ``--lang en`` (or ``GKCTL_LANG=en``) click's text is left as it is.
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

import typer
from rich.cells import cell_len

from gkctl.core.i18n import catalogue, current_lang

PREFIX = "usage."
_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    """A template's regex: a ``{field}`` in quotes is whatever the quotes hold, ``{rest}`` is the
    rest of the line, any other field one word."""
    out, pos = [], 0
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        quoted = template[m.start() - 1 : m.start()] == "'"
        name = m.group(1)
        body = ".+?" if name == "rest" else ("[^']+" if quoted else r"[^\s'\];]+")
        out.append(f"(?P<{name}>{body})")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


@cache
def _rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = [(texts["en"], texts["zh"]) for key, texts in catalogue().items()
               if key.startswith(PREFIX) and not key.startswith((f"{PREFIX}arg.", f"{PREFIX}opt."))]  # fmt: skip
    entries.sort(key=lambda e: -len(e[0]))  # the longest sentence first: "Missing option" before "Missing"
    return tuple((_pattern(en), zh) for en, zh in entries)


def translate(text: str) -> str:
    """``text`` with every known click sentence in the current language (unchanged in English)."""
    if current_lang() == "en" or not text:
        return text
    for pattern, zh in _rules():
        if pattern.search(text):
            text = pattern.sub(lambda m, zh=zh: zh.format(**m.groupdict()), text)  # type: ignore[misc]
    return text


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal cells (a Chinese character takes two), broken at a
    space or between Chinese characters, never inside a Latin word that fits on a line."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line, cells, cut = "", 0, -1
        for ch in para:
            w = cell_len(ch)
            if cells + w > width and line:
                at = cut if cut > 0 else len(line)
                lines.append(line[:at].rstrip())
                line = line[at:].lstrip()
                cells = cell_len(line)
                cut = -1
            line += ch
            cells += w
            if ch == " " or w == 2:
                cut = len(line)
        lines.append(line.rstrip())
    return lines


_HelpFormatter: Any = typer.Context.formatter_class  # click's HelpFormatter, as typer vendors it


class TranslatedFormatter(_HelpFormatter):
    """Click's help formatter, translating what it writes and aligning by terminal cells
    (click counts characters, so a Chinese term would push its column out of line)."""

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(translate(a), translate(b)) for a, b in rows]
        first = min(max((cell_len(a) for a, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        text_width = max(self.width - first - col_spacing - self.current_indent, 20)
        for term, text in rows:
            lines = wrap(text, text_width) if text else []
            pad = first - cell_len(term)
            if pad >= 0 and lines:
                self.write(f"{indent}{term}{' ' * (pad + col_spacing)}{lines[0]}\n")
                lines = lines[1:]
            else:
                self.write(f"{indent}{term}\n")
            for ln in lines:
                self.write(f"{indent}{' ' * (first + col_spacing)}{ln}\n")

    def getvalue(self) -> str:
        return translate(str(super().getvalue()))


def _name_params(command: Any) -> None:
    """Show ``command``'s parameters by their Chinese names (文件编号, 日期) instead of types."""
    names = catalogue()
    for param in getattr(command, "params", ()):
        kind = "arg" if param.param_type_name == "argument" else "opt"
        texts = names.get(f"{PREFIX}{kind}.{param.name}")
        if texts and param.metavar is None:
            param.metavar = texts["zh"]


class TranslatedContext(typer.Context):
    formatter_class = TranslatedFormatter

    def make_formatter(self) -> Any:
        # help pages and usage lines are the only places a metavar shows, and both come here:
        # naming parameters now keeps the catalogue out of every other command's start-up
        if current_lang() != "en":
            _name_params(self.command)
        return super().make_formatter()


def use_translated_help(command: Any) -> Any:
    """Make ``command`` and every subcommand format help (and usage lines) through the catalogue."""
    command.context_class = TranslatedContext
    for sub in (getattr(command, "commands", None) or {}).values():
        use_translated_help(sub)
    return command


def show_usage_error(exc: Any, write: Any) -> None:
    """Show a click usage error as click would, in the current language."""
    buf = io.StringIO()
    exc.show(file=buf)
    write(translate(buf.getvalue()))
