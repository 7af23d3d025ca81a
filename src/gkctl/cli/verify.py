"""``gkctl verify``, ``gkctl hook install|pre-commit|pre-receive`` and ``gkctl server init`` (thin)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gkctl.cli import common
from gkctl.cli.common import RepoOpt, console, err_console, print_findings, print_json
from gkctl.core.errors import InputError
from gkctl.core.findings import has_errors
from gkctl.core.i18n import t

hook_app = typer.Typer(help="git 钩子：客户端提交前检查、中心仓库推送检查。", no_args_is_help=True, rich_markup_mode=None)
server_app = typer.Typer(help="中心仓库（裸仓库）。", no_args_is_help=True, rich_markup_mode=None)

if TYPE_CHECKING:
    from gkctl.services.verify import VerifyResult, Violation


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _git_root(repo: str | None) -> Path:
    """A gkctl work tree (found upward) or any git repository, bare ones included."""
    from gkctl.services.verify import repository_root

    chosen = repo if repo is not None else common._global_repo
    return repository_root(Path(chosen) if chosen else Path.cwd())


def verify_cmd(
    revrange: Annotated[str | None, typer.Argument(help="版本范围，如 origin/main..HEAD（默认：全部历史）")] = None,
    root: Annotated[str | None, typer.Option("--root", help="信任根：历史的第一个提交（改写的历史会被发现）")] = None,
    fmt: Annotated[VerifyFormat, typer.Option("--format", help="输出格式：text、json 或 github（CI 注释）")] = VerifyFormat.text,
    site: Annotated[str | None, typer.Option("--site", help="核对已部署的网站目录（网页防篡改），而不是历史")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="与 --site 一起用：按签名的 manifest.json 核对，不重新生成")] = False,
    repo: RepoOpt = None,
) -> None:
    """验证历史：签名、签名人及其角色、政策修改、审核链、索引号和文件内容。

    --site DIR 核对网站副本：每个文件须与该副本所记版本重新生成的结果一致，不多不少。
    退出码 0 通过，1 有问题，2 用法错误。示例：gkctl verify --root 3b18e512dba7 origin/main..HEAD；
    gkctl verify --site /var/www/html --offline
    """
    root_dir = _git_root(repo)
    if site is not None:
        _verify_site(root_dir, Path(site), offline, fmt)
        return
    if offline:
        raise InputError(t("verify_site.offline_alone"))
    # a spinner on a terminal (the work is one history pass, not a countable loop); nothing on a pipe
    busy = err_console.status(t("verify.running")) if err_console.is_terminal else nullcontext()
    with busy:
        from gkctl.services.verify import verify

        result = verify(root_dir, revrange, root)
    if fmt is VerifyFormat.json:
        print_json(result.as_dict())
    elif fmt is VerifyFormat.github:
        for v in result.violations:
            print(_github(v))
        print(_summary(result))
    else:
        for v in result.violations:
            console.print(_line(v), soft_wrap=True, markup=False)
        style = "green" if result.ok else "red"
        console.print(f"[{style}]{_summary(result)}[/{style}]", soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


def _verify_site(root: Path, site: Path, offline: bool, fmt: VerifyFormat) -> None:
    from gkctl.services.verify_site import verify_site

    busy = err_console.status(t("verify.running")) if err_console.is_terminal and not offline else nullcontext()
    with busy:
        result = verify_site(root, site, offline)
    if result.ok:
        how = t("verify_site.how_offline" if offline else "verify_site.how_rebuild")
        summary = t("verify_site.ok", rev=result.rev[:12], files=result.files, signer=result.signer, how=how)
    else:
        summary = t("verify_site.failed", rev=(result.rev or "-")[:12], problems=len(result.problems))
    if fmt is VerifyFormat.json:
        print_json({"ok": result.ok, "site": str(result.site), "rev": result.rev, "offline": result.offline,
                    "files": result.files, "signer": result.signer,
                    "problems": [{"code": p.code, "path": p.path, "message": p.message} for p in result.problems]})  # fmt: skip
    elif fmt is VerifyFormat.github:
        for p in result.problems:
            print(f"::error title={_escape('gkctl ' + p.code, True)}::{_escape(p.message)}")
        print(summary)
    else:
        for p in result.problems:
            console.print(f"{t('cli.error')}[{p.code}] {p.message}", soft_wrap=True, markup=False)
        style = "green" if result.ok else "red"
        console.print(f"[{style}]{summary}[/{style}]", soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


def _summary(result: VerifyResult) -> str:
    if result.head is None:
        return t("verify.empty")
    if result.ok:
        return t("verify.ok", count=result.checked, root=(result.root or "-")[:10])
    return t("verify.failed", count=result.checked, problems=len(result.violations))


def _line(v: Violation) -> str:
    where = f"{v.path}:{v.line}: " if v.path and v.line else (f"{v.path}: " if v.path else "")
    doc = f"〔{v.document}〕" if v.document else ""
    label = t("cli.error") if v.severity == "error" else t("cli.warning")
    return f"{v.commit[:10]} {where}{label}[{v.code}]{doc} {v.message}"


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _github(v: Violation) -> str:
    props = [f"title={_escape('gkctl ' + v.code, True)}"]
    if v.path:
        props.insert(0, f"file={_escape(v.path, True)}")
        if v.line:
            props.insert(1, f"line={v.line}")
    doc = f"〔{v.document}〕" if v.document else ""
    kind = "error" if v.severity == "error" else "warning"
    return f"::{kind} {','.join(props)}::{_escape(f'{v.commit[:10]} {doc}{v.message}')}"


# -- hooks ----------------------------------------------------------------------------------


@hook_app.command("install")
def hook_install(
    force: Annotated[bool, typer.Option("--force", help="替换已有的非 gkctl 钩子")] = False,
    repo: RepoOpt = None,
) -> None:
    """安装客户端 pre-commit 钩子：提交前检查暂存的文件。

    示例：gkctl hook install
    """
    from gkctl.services import hooks as svc
    path = svc.install_pre_commit(_git_root(repo), force=force)
    console.print(t("hook.installed", kind="pre-commit", path=str(path)))


@hook_app.command("pre-commit", hidden=True)
def hook_pre_commit(repo: RepoOpt = None) -> None:
    """（由 git 调用）检查暂存的文件。

    示例（手工试运行）：git add docs/2026/x.md && gkctl hook pre-commit
    """
    from gkctl.services import hooks as svc
    findings = svc.pre_commit(_git_root(repo))
    if findings:
        print_findings(findings)
    if has_errors(findings):
        err_console.print(t("hook.staged_failed", count=sum(1 for f in findings if f.is_error)), soft_wrap=True)
        raise typer.Exit(1)


@hook_app.command("pre-receive")
def hook_pre_receive(repo: RepoOpt = None) -> None:
    """（由中心仓库的 git 调用）从标准输入读取“旧 新 引用”，拒绝会使 verify 失败的推送。

    示例（手工试运行）：echo "$OLD $NEW refs/heads/main" | gkctl hook pre-receive -C central.git
    """
    from gkctl.services import hooks as svc
    svc.prepare_environment()
    root = Path(repo).resolve() if repo else Path.cwd()
    updates = svc.parse_updates(sys.stdin.read())
    violations = svc.pre_receive(root, updates)
    if violations:
        err_console.print(t("hook.refused", count=len(violations)), soft_wrap=True, markup=False)
        for v in violations:
            err_console.print(_line(v), soft_wrap=True, markup=False)
        raise typer.Exit(1)


@server_app.command("init")
def server_init(
    path: Annotated[Path, typer.Argument(help="新的中心仓库目录（裸仓库）")],
    root: Annotated[str | None, typer.Option("--root", help="预先固定信任根（40 位提交编号）；默认取首次推送的第一个提交")] = None,
) -> None:
    """创建中心裸仓库并安装 pre-receive 钩子。

    示例：gkctl server init /srv/git/qjsj.git
    """
    from gkctl.services import hooks as svc
    created = svc.init_server(path, root)
    console.print(t("server.created", path=str(created)), soft_wrap=True, markup=False)
