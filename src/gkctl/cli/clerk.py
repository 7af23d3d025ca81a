"""The clerk's own commands: ``setup`` (signing without raw git) and ``save`` (signed commits)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gkctl.cli.common import RepoOpt, complete_documents, console, repository
from gkctl.core.errors import InputError
from gkctl.core.i18n import t


def _passphrase(no_passphrase: bool) -> str:
    """Asked twice on a terminal; a script must say ``--no-passphrase`` (never a silent empty one)."""
    if no_passphrase:
        return ""
    if not sys.stdin.isatty():
        raise InputError(t("setup.passphrase_needs_terminal"))
    return str(typer.prompt(t("setup.prompt.passphrase"), hide_input=True, confirmation_prompt=True, default="",
                            show_default=False))  # fmt: skip


def clone(
    url: Annotated[str, typer.Argument(help="中心仓库地址（管理员提供）")],
    directory: Annotated[Path | None, typer.Argument(help="本地目录（默认取地址的最后一段）")] = None,
) -> None:
    """取得中心仓库的一份本地副本，然后在其中运行 gkctl setup。

    示例：gkctl clone /srv/gkctl/qjsj.git qjsj
    """
    from gkctl.services.setup import clone_repository

    target = clone_repository(url, directory)
    console.print(t("clone.done", path=str(target)), markup=False)


def setup(
    key: Annotated[str | None, typer.Option("--key", help="已有的 ssh 私钥文件（旁边须有 .pub），或 OpenPGP 指纹")] = None,
    new: Annotated[bool, typer.Option("--new", help="在 ~/.ssh/ 下新建 ed25519 密钥")] = False,
    no_passphrase: Annotated[bool, typer.Option("--no-passphrase", help="新密钥不设口令（供脚本使用）")] = False,
    person: Annotated[str, typer.Option("--id", help="您的人员编号，写入给管理员的命令")] = "",
    name: Annotated[str, typer.Option("--name", help="您的姓名")] = "",
    section: Annotated[str, typer.Option("--section", help="您的科室")] = "",
    role: Annotated[list[str] | None, typer.Option("--role", help="申请的角色（可重复，默认 drafter）")] = None,
    key_file: Annotated[Path | None, typer.Option("--key-file", help="--new 时新密钥的位置（默认 ~/.ssh/gkctl_ed25519）")] = None,
    repo: RepoOpt = None,
) -> None:
    """配置本仓库的签名：密钥、每次提交都签名、提交前检查；输出交给管理员的登记命令。

    示例：gkctl setup --new --id zhangsan --name 张三 --section 办公室

    已有密钥：gkctl setup --key ~/.ssh/id_ed25519
    """
    from gkctl.services.setup import DEFAULT_KEY_NAME, setup_signing

    if new == (key is not None):
        raise InputError(t("setup.key_or_new"))
    r = repository(repo)
    target = (key_file or Path.home() / ".ssh" / DEFAULT_KEY_NAME) if new else None
    res = setup_signing(r, key=key, new_key_path=target, passphrase=_passphrase(no_passphrase) if new else "",
                        person_id=person, name=name, section=section, roles=tuple(role or ("drafter",)))  # fmt: skip
    if res.created:
        console.print(t("setup.created", path=str(res.created)), markup=False)
    console.print(t("setup.done", root=str(r.root), format=res.key_format), markup=False)
    if res.hook is None:
        console.print(t("setup.hook_kept"), markup=False)
    console.print(t("setup.public_key"), markup=False)
    typer.echo(res.public_line)
    if res.person is not None:
        console.print(t("setup.registered", name=res.person.name, person=res.person.id), markup=False)
        return
    console.print(t("setup.ask_admin"), markup=False)
    typer.echo(res.admin_command)


def save(
    docs: Annotated[list[str] | None, typer.Argument(help="要保存的文件编号或路径（默认全部有改动的文件）",
                                                          autocompletion=complete_documents)] = None,
    message: Annotated[str, typer.Option("-m", "--message", help="修改说明（写入提交）")] = "",
    repo: RepoOpt = None,
) -> None:
    """保存（签名提交）拟稿人的文件及其附件：新文件记为“拟稿”，其余记为“修改”。

    示例：gkctl save 2026-bgs-001 -m "按审稿意见修改第二段"
    """
    from gkctl.services.save import save as save_svc

    for s in save_svc(repository(repo), list(docs or []), message):
        console.print(t("save.done", subject=s.subject, id=s.doc_id, commit=s.commit[:10], count=len(s.files)),
                      markup=False)  # fmt: skip
