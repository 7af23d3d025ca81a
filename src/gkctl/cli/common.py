"""What every command shares: the repository option, output format, findings and JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gkctl.core.errors import InputError
from gkctl.core.findings import Finding
from gkctl.core.i18n import t


class _Console:
    """A rich Console made on first use: a command that prints only JSON or cached bytes never
    imports rich (~50 ms of a warm ``status``)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._real: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            from rich.console import Console

            self._real = Console(**self._options)
        return getattr(self._real, name)

    def print(self, *objects: Any, **options: Any) -> None:
        """One plain line off a terminal is written as rich would write it, without importing rich
        (~15-35 ms of a step command or a build); anything rich would change goes through rich."""
        stream = sys.stderr if self._options.get("stderr") else sys.stdout
        text = plain_text(objects, options) if self._real is None and plain_stream(stream) else None
        if text is None:
            self.__getattr__("print")(*objects, **options)
            return
        stream.write(text)
        stream.flush()  # as rich does: a line keeps its place among stderr's


_RICH_CHARS = frozenset("[:\t\r\x1b")  # markup, emoji codes, tabs and control sequences rich rewrites


def plain_text(objects: tuple[Any, ...], options: dict[str, Any]) -> str | None:
    """What rich prints for ``print(text, soft_wrap=…, markup=…)`` off a terminal with highlighting
    off, or None when rich could print it otherwise: markup, an emoji code, a control character,
    other options, or a line it might wrap (wider than rich's width, two cells per character)."""
    if len(objects) != 1 or type(objects[0]) is not str or set(options) - {"soft_wrap", "markup"}:
        return None
    text: str = objects[0]
    if any(c in _RICH_CHARS or (c < " " and c != "\n") for c in text):
        return None
    if not options.get("soft_wrap") and (
        any(os.environ.get(v) for v in ("COLUMNS", "JUPYTER_COLUMNS"))
        or any(2 * len(line) > _rich_width() for line in text.split("\n"))
    ):
        return None
    return text + "\n"


def _rich_width() -> int:
    """The width rich gives a console off a terminal: that of the first standard stream that is a
    terminal (a pipe's output still wraps at the width of the terminal it was typed in), else 80."""
    for fd in (0, 1, 2):
        try:
            columns = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        return columns or 80
    return 80


console: Console = _Console(highlight=False)  # type: ignore[assignment]
err_console: Console = _Console(stderr=True, highlight=False)  # type: ignore[assignment]

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from gkctl.core.policy import Policy
    from gkctl.services.repository import Repository


class Format(StrEnum):
    text = "text"
    json = "json"


def complete_documents(incomplete: str) -> list[str]:
    """<Tab> after a command that takes a document: the ids in docs/."""
    from gkctl.services.complete import document_ids

    return document_ids(incomplete, _global_repo)


def complete_people(incomplete: str) -> list[str]:
    from gkctl.services.complete import person_ids

    return person_ids(incomplete, _global_repo)


def complete_categories(incomplete: str) -> list[str]:
    from gkctl.services.complete import categories

    return categories(incomplete, _global_repo)


RepoOpt = Annotated[str | None, typer.Option("-C", "--repo", help="仓库目录（默认从当前目录向上查找）", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", help="输出格式：text 或 json")]

_global_repo: str | None = None


def set_global_repo(repo: str | None) -> None:
    global _global_repo
    _global_repo = repo


def repository(repo: str | None = None) -> Repository:
    """The repository named by the command's ``-C`` or the global one, else found upward."""
    from gkctl.services.repository import open_repository

    return open_repository(repo if repo is not None else _global_repo)


def ask(value: str | None, option: str, prompt_key: str) -> str:
    """``value``, or a prompt on a terminal; on a pipe a missing option is a usage error."""
    if value:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt(t(prompt_key)))
    raise InputError(t("cli.missing_option", option=option))


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """Machine output: UTF-8 JSON, stable keys, ISO dates."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def print_findings(findings: Iterable[Finding]) -> None:
    """Findings one per line as ``path:line: 错误[GK101] message`` (clickable in editors)."""
    for f in findings:
        where = f"{f.path}:{f.line}: " if f.path and f.line else (f"{f.path}: " if f.path else "")
        label = t("cli.error") if f.is_error else t("cli.warning")
        style = "red" if f.is_error else "yellow"
        console.print(f"{where}[{style}]{label}[/{style}][{f.code}] {f.message}", soft_wrap=True, markup=True)


STACKED_BELOW = 110  # columns: narrower than this, lists stack one item per 2–3 lines instead of a table


def out_console(pipe_width: int = 160) -> Console:
    """The shared console on a terminal; on a pipe a console as wide as ``COLUMNS`` says (read
    now, not at import), else ``pipe_width``, so scripts get whole lines they can parse."""
    from rich.console import Console

    if console.is_terminal:
        return console
    columns = os.environ.get("COLUMNS", "")
    return Console(highlight=False, width=int(columns) if columns.isdigit() and int(columns) > 0 else pipe_width)


def warn_calendar(root: Path, today: date, policy: Callable[[], Policy]) -> None:
    """From 1 November, on stderr: next year's holiday arrangement is not in the calendar yet."""
    from gkctl.services.status_cache import calendar_note

    def compute() -> tuple[str, str, str] | None:
        from gkctl.core.calendar import WARN_FROM, next_year_finding

        if (today.month, today.day) < WARN_FROM:
            return None  # before November there is nothing to say: do not read the effective policy for it
        found = next_year_finding(policy().calendar, today)
        return (found.path or "", found.code, found.message) if found is not None else None

    note = calendar_note(root, today, compute)
    if note is None:
        return
    if plain_stream(sys.stderr):  # what rich prints off a terminal, without importing it (~40 ms)
        sys.stderr.write(f"{note[0]}: {t('cli.warning')}[{note[1]}] {note[2]}\n")
        sys.stderr.flush()
        return
    err_console.print(f"{note[0]}: [yellow]{t('cli.warning')}[/yellow][{note[1]}] {note[2]}",
                      soft_wrap=True, markup=True)  # fmt: skip


def plain_stream(stream: Any) -> bool:
    """True when rich would print to ``stream`` without colour or layout: not a terminal, and
    no variable that makes rich treat it as one."""
    if any(os.environ.get(v) for v in ("FORCE_COLOR", "FORCE_TERMINAL", "TTY_COMPATIBLE")):
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return False


def repository_root(repo: str | None = None) -> Path:
    """The root of the repository ``repository()`` would open, without importing its policy code."""
    from gkctl.services.status_cache import repository_root as root_of

    chosen = repo if repo is not None else _global_repo
    if chosen is not None and not Path(chosen).is_dir():
        return repository(repo).root  # its message names the missing folder
    return root_of(chosen)


def table(*headers: str, title: str | None = None) -> Table:
    from rich.table import Table  # imported by the commands that draw one, not by every start-up

    tb = Table(title=title, show_lines=False, header_style="bold")
    for h in headers:
        tb.add_column(h, overflow="fold")
    return tb


@contextmanager
def progress(total: int, label: str) -> Iterator[Any]:
    """A progress bar on a terminal; nothing on a pipe. Yields ``advance(n=1)``."""
    if plain_stream(sys.stderr) or total < 2:  # asked without importing rich
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as bar:  # fmt: skip
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def write_output(content: str | bytes, out: Path | None) -> None:
    """Text to stdout or ``out``; a Word or PDF file only to ``out``, written whole or not at all."""
    if out is None:
        if isinstance(content, bytes):
            raise InputError(t("report.binary_needs_out"))
        sys.stdout.write(content)
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    partial = out.with_name(out.name + ".tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(t("report.cannot_write", reason=exc.strerror or str(exc)), str(out)) from None
    err_console.print(t("report.written", path=str(out)), markup=False)
