"""The office's blank forms: ``gkctl form application`` (the 政府信息公开申请表)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gkctl.cli.common import RepoOpt, err_console, repository, write_output
from gkctl.core.i18n import t

form_app = typer.Typer(help="公开工作用表：政府信息公开申请表", no_args_is_help=True)


class FormFormat(StrEnum):
    docx = "docx"
    pdf = "pdf"


@form_app.command("application")
def application(
    out: Annotated[Path, typer.Option("--out", help="写入的文件，如 attachments/2026/政府信息公开申请表.docx")],
    fmt: Annotated[FormFormat | None, typer.Option("--format", help="docx（Word）或 pdf（需要 LibreOffice）；默认按 --out 的扩展名")] = None,
    repo: RepoOpt = None,
) -> None:
    """生成政府信息公开申请表（公民、法人或者其他组织两栏，所需信息情况，获取信息的方式，签名和日期）。

    表头是 gkctl.yaml 中的机关名称和受理机构（office）的地址、邮编、电话、传真、电子邮箱、办公时间；
    附在当年的政府信息公开指南上（制度第十二条第（一）项）。

    示例：gkctl form application --out attachments/2026/政府信息公开申请表.docx
    """
    from gkctl.services.form import application_form

    chosen = fmt or (FormFormat.pdf if out.suffix.lower() == ".pdf" else FormFormat.docx)
    r = repository(repo)
    if not r.policy.org.office.name:
        err_console.print(t("form.no_office"), markup=False, style="yellow")
    write_output(application_form(r, chosen.value), out)
