"""The ``gkctl`` entry point: registers commands and maps errors to exit codes in one place."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated

import typer

from gkctl import __version__
from gkctl.cli import apply as apply_cli
from gkctl.cli import docs
from gkctl.cli import form as form_cli
from gkctl.cli import report as report_cli
from gkctl.cli import site as site_cli
from gkctl.cli import verify as verify_cli
from gkctl.cli import workflow as workflow_cli
from gkctl.cli.common import err_console, set_global_repo
from gkctl.core.errors import GkctlError
from gkctl.core.i18n import set_lang, t

app = typer.Typer(
    name="gkctl",
    help="政务信息公开：文件、签名审核链、公开网站与年度报告，都在一个 git 仓库里。",
    no_args_is_help=True,
    add_completion=False,
    # A crash must never print local variables: they may hold a non-public document.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gkctl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="输出语言：zh（默认）或 en；也可设 GKCTL_LANG")] = None,
    repo: Annotated[str | None, typer.Option("-C", "--repo", help="仓库目录（默认从当前目录向上查找）")] = None,
) -> None:
    """政务信息公开：文件、签名审核链、公开网站与年度报告，都在一个 git 仓库里。"""
    set_lang(lang)
    set_global_repo(repo)


app.command("init")(docs.init)
app.command("new")(docs.new)
app.command("validate")(docs.validate_cmd)
app.command("list")(docs.list_cmd)
app.command("show")(docs.show)

# --- commands of the other areas register below --------------------------------------------
app.add_typer(report_cli.report_app, name="report")
app.command("audit")(report_cli.audit)
app.command("assess")(report_cli.assess)
app.add_typer(form_cli.form_app, name="form")
app.add_typer(apply_cli.apply_app, name="apply")
app.add_typer(apply_cli.appeal_app, name="appeal")
app.add_typer(apply_cli.calendar_app, name="calendar")
app.command("build")(site_cli.build)
app.command("serve")(site_cli.serve)
app.command("verify")(verify_cli.verify_cmd)
app.add_typer(verify_cli.hook_app, name="hook")
app.add_typer(verify_cli.server_app, name="server")
for _name in ("review", "sign", "check", "external", "proofread", "publish", "withdraw", "repeal", "status", "log",
              "whoami", "sync"):  # fmt: skip
    app.command(_name)(getattr(workflow_cli, _name))
app.add_typer(workflow_cli.people_app, name="people")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: exit 0/1/2 by the contract, 3 for a bug, never a traceback."""
    set_lang(None)
    debug = os.environ.get("GKCTL_DEBUG") == "1"
    try:
        app(args=argv, prog_name="gkctl", standalone_mode=True)
    except GkctlError as exc:
        err_console.print(f"[red]{t('cli.error')}[/red]：{exc}", markup=True, soft_wrap=True, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print(t("cli.interrupted"))
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug in gkctl: one line, details only on request
        if debug:
            traceback.print_exc()
        err_console.print(t("cli.bug", kind=type(exc).__name__), markup=False)
        sys.exit(3)


if __name__ == "__main__":
    run()
