"""The ``gkctl`` entry point: registers commands and maps errors to exit codes in one place."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Annotated

import typer
import typer.main
from typer import TyperException

from gkctl import __version__
from gkctl.cli.common import err_console, set_global_repo
from gkctl.cli.usage import show_usage_error, translate, use_translated_help
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import set_lang, t

HELP = "政务信息公开：文件、签名审核链、公开网站与年度报告，都在一个 git 仓库里。"

# name -> (module under gkctl.cli, attribute, is a group): a run imports only the module of the
# command it runs (the whole table for help and completion), so start-up does not grow with commands
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "init": ("docs", "init", False), "new": ("docs", "new", False), "validate": ("docs", "validate_cmd", False),
    "list": ("docs", "list_cmd", False), "show": ("docs", "show", False), "clone": ("clerk", "clone", False),
    "setup": ("clerk", "setup", False), "save": ("clerk", "save", False),
    "report": ("report", "report_app", True), "audit": ("report", "audit", False),
    "assess": ("report", "assess", False), "form": ("form", "form_app", True),
    "apply": ("apply", "apply_app", True), "appeal": ("apply", "appeal_app", True),
    "calendar": ("apply", "calendar_app", True), "build": ("site", "build", False),
    "serve": ("site", "serve", False), "verify": ("verify", "verify_cmd", False),
    "hook": ("verify", "hook_app", True), "server": ("verify", "server_app", True),
    **{name: ("workflow", name, False) for name in (
        "review", "sign", "check", "external", "proofread", "publish", "withdraw", "repeal", "status", "log",
        "whoami", "sync")},
    "people": ("workflow", "people_app", True),
}  # fmt: skip
_VALUE_OPTIONS = ("--lang", "-C", "--repo")  # the callback's options that take a value


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gkctl {__version__}")
        raise typer.Exit()


def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="输出语言：zh（默认）或 en；也可设 GKCTL_LANG")] = None,
    repo: Annotated[str | None, typer.Option("-C", "--repo", help="仓库目录（默认从当前目录向上查找）")] = None,
) -> None:
    """政务信息公开：文件、签名审核链、公开网站与年度报告，都在一个 git 仓库里。"""
    if lang is not None and not lang.lower().startswith(("zh", "en")):
        raise typer.BadParameter(t("cli.bad_lang", value=lang), param_hint="'--lang'")
    set_lang(lang)
    set_global_repo(repo)


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree: every command, or only ``only`` (the one a run invokes)."""
    app = typer.Typer(
        name="gkctl",
        help=HELP,
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion; ids, people and columns complete
        # A crash must never print local variables: they may hold a non-public document.
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )
    app.callback()(main)
    for name, (module, attr, group) in COMMANDS.items():
        if only is not None and name != only:
            continue
        obj = getattr(importlib.import_module(f"gkctl.cli.{module}"), attr)
        if group:
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole tree, for the help reference and its tests
        return build_app()
    raise AttributeError(name)


def command_in(argv: list[str]) -> str | None:
    """The command a run invokes when it names one of ``COMMANDS`` (else None: help, completion,
    a typo, which need the whole tree)."""
    if any(k.startswith("_GKCTL_COMPLETE") for k in os.environ):
        return None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _VALUE_OPTIONS:
            i += 2
            continue
        if arg.startswith("-"):
            if arg in ("-h", "--help", "--version") or arg.startswith(("--install-completion", "--show-completion")):
                return None
            i += 1
            continue
        return arg if arg in COMMANDS else None
    return None


def _lang_in(argv: list[str]) -> str | None:
    """``--lang`` as given, read before click parses: a usage error is shown before the option
    would take effect, and must already be in the chosen language."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: exit 0/1/2 by the contract, 3 for a bug, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    # A run is short and what it builds (the analysis, a site's documents) lives until it exits:
    # the collector's default pace re-scanned those objects every 700 allocations (0.12-0.16 s of
    # a build after one change, 0.55 s of a cold status). Cycles are still collected, 1/28 as often.
    gc.set_threshold(20_000, 20, 10)
    set_lang(_lang_in(args))
    debug = os.environ.get("GKCTL_DEBUG") == "1"
    try:
        command = use_translated_help(typer.main.get_command(build_app(command_in(args))))
        code = command.main(args=args, prog_name="gkctl", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except TyperException as exc:  # click's usage errors, shown in the user's language
        show_usage_error(exc, sys.stderr.write)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write(translate("Aborted!") + "\n")
        sys.exit(1)
    except GkctlError as exc:
        err_console.print(f"[red]{t('cli.error')}[/red]：{exc}", markup=True, soft_wrap=True, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print(t("cli.interrupted"))
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # a bug in gkctl: one line, details only on request
        if debug:
            import traceback  # only here: importing it cost every run ~15 ms

            traceback.print_exc()
        err_console.print(t("cli.bug", kind=type(exc).__name__), markup=False)
        sys.exit(3)


if __name__ == "__main__":
    run()
