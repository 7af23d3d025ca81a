"""Commands of the clerk: init, new, validate, list, show."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from gkctl.cli.common import (
    Format,
    FormatOpt,
    RepoOpt,
    ask,
    complete_categories,
    complete_documents,
    complete_people,
    console,
    print_findings,
    print_json,
    repository,
    table,
)
from gkctl.core.errors import InputError
from gkctl.core.i18n import t


def init(
    directory: Annotated[Path, typer.Argument(help="新仓库目录")],
    org: Annotated[str, typer.Option("--org", help="机关名称，如 重庆市綦江区审计局")],
    code: Annotated[str, typer.Option("--code", help="统一社会信用代码（18 位）")],
    admin: Annotated[str, typer.Option("--admin", help="管理员人员编号，如 admin")],
    admin_name: Annotated[str, typer.Option("--admin-name", help="管理员姓名")],
    admin_key: Annotated[str, typer.Option("--admin-key", help="管理员签名公钥：ssh 公钥行、公钥文件（.pub）路径、@公钥文件 或 OpenPGP 指纹")],
    site_url: Annotated[str, typer.Option("--site-url", help="公开网站地址")] = "",
    role: Annotated[list[str] | None, typer.Option("--role", help="管理员的其他角色（可重复），如 publisher")] = None,
    remote: Annotated[str | None, typer.Option("--remote", help="中心仓库地址（作为 origin，之后用 gkctl sync 推送）")] = None,
) -> None:
    """创建政务信息公开仓库（首个提交即信任根）。

    --admin-key 为 @公钥文件 且私钥就在旁边时，新仓库即用该私钥签名（首个提交已签名）。

    示例：gkctl init qjsj --org 重庆市綦江区审计局 --code 11500000MB1B37366Q --admin admin
    --admin-name 王主任 --admin-key @$HOME/.ssh/gkctl_ed25519.pub --role publisher
    """
    from gkctl.services.init import init_repository
    sign_with = None
    if admin_key.endswith(".pub"):  # the admin's own key file: sign the first commit with its private half
        private = Path(admin_key.removeprefix("@")).expanduser().with_suffix("")
        sign_with = private if private.is_file() else None
    result = init_repository(directory, org=org, code=code, admin_id=admin, admin_name=admin_name, admin_key=admin_key,
                             site_url=site_url, admin_roles=tuple(role or ()), sign_with=sign_with,
                             remote=remote)  # fmt: skip
    signed = t("cli.signed") if result.signed else t("cli.unsigned")
    console.print(t("cli.init_done", path=str(result.root), commit=result.commit[:10], signed=signed))


def new(
    title: Annotated[str | None, typer.Option("--title", help="标题")] = None,
    category: Annotated[str | None, typer.Option("--category", help="信息分类（见 policies/columns.yaml）",
                                                 autocompletion=complete_categories)] = None,
    attribute: Annotated[str | None, typer.Option("--attribute", help="公开属性")] = None,
    kind: Annotated[str, typer.Option("--kind", help="公文 或 非公文")] = "公文",
    section: Annotated[str | None, typer.Option("--section", help="拟稿科室")] = None,
    drafter: Annotated[str | None, typer.Option("--drafter", help="拟稿人编号", autocompletion=complete_people)] = None,
    formed: Annotated[str | None, typer.Option("--formed", help="成文日期 YYYY-MM-DD（默认今天）")] = None,
    doc_number: Annotated[str, typer.Option("--doc-number", help="文号，如 綦审发〔2026〕3号")] = "",
    basis: Annotated[list[str] | None, typer.Option("--basis", help="主动公开依据（可重复）")] = None,
    reason: Annotated[str, typer.Option("--reason", help="不予公开理由")] = "",
    summary: Annotated[str, typer.Option("--summary", help="内容概述（显示在公开目录中）")] = "",
    save: Annotated[bool, typer.Option("--save", help="写出后立即保存（签名提交）")] = False,
    repo: RepoOpt = None,
) -> None:
    """新建文件：按模板写出 docs/<年>/<编号>.md，最后一行输出其路径；--save 同时签名提交。

    示例：gkctl new --title 关于开展2026年度审计项目的通知 --category 工作信息 --attribute 主动公开
    --basis 社会广泛知晓 --section 办公室 --drafter zhangsan --kind 非公文
    """
    from gkctl.services.new import NewDocument, create_document
    r = repository(repo)
    try:
        formed_date = date.fromisoformat(formed) if formed else r.today
    except ValueError:
        raise InputError(t("policy.bad_date", key="--formed")) from None
    spec = NewDocument(
        title=ask(title, "--title", "cli.prompt.title"),
        category=ask(category, "--category", "cli.prompt.category"),
        attribute=ask(attribute, "--attribute", "cli.prompt.attribute"),
        kind=kind,
        section=ask(section, "--section", "cli.prompt.section"),
        drafter=ask(drafter, "--drafter", "cli.prompt.drafter"),
        formed=formed_date,
        doc_number=doc_number,
        basis=tuple(basis or ()),
        reason=reason,
        summary=summary,
    )
    if save:
        from gkctl.services.save import ensure_signing

        ensure_signing(r)  # before the file is written: a refused save leaves nothing behind
    rel = create_document(r, spec)
    if save:
        from gkctl.services.save import save as save_svc

        try:
            saved = save_svc(r, [rel])
        except Exception:
            (r.root / rel).unlink(missing_ok=True)
            raise
        for s in saved:
            console.print(t("save.done", subject=s.subject, id=s.doc_id, commit=s.commit[:10], count=len(s.files)),
                          markup=False)  # fmt: skip
    print(rel)


def validate_cmd(
    paths: Annotated[list[str] | None, typer.Argument(help="要检查的文件或目录（默认全部）")] = None,
    fmt: FormatOpt = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="未知元数据项按错误处理")] = False,
    repo: RepoOpt = None,
) -> None:
    """检查文件的公开属性、依据、密级、文号、日期、附件和保密扫描。

    退出码：0 通过，1 有违反规则的错误，2 文件无法读取或参数错误。
    示例：gkctl validate docs/2026 --format json
    """
    from gkctl.services.validate import validate
    r = repository(repo)
    result = validate(r, paths or None, strict=strict)
    if fmt == Format.json:
        print_json({"checked": result.checked, "errors": result.errors, "warnings": result.warnings,
                    "findings": [f.as_dict() for f in result.findings]})  # fmt: skip
    else:
        print_findings(result.findings)
        console.print(t("cli.validate_summary", checked=result.checked, errors=result.errors, warnings=result.warnings))
    if result.unreadable:
        raise typer.Exit(2)
    if result.errors:
        raise typer.Exit(1)


def list_cmd(
    attribute: Annotated[str | None, typer.Option("--attribute", help="只列出此公开属性")] = None,
    category: Annotated[str | None, typer.Option("--category", help="只列出此分类", autocompletion=complete_categories)] = None,
    fmt: FormatOpt = Format.text,
    repo: RepoOpt = None,
) -> None:
    """列出文件。示例：gkctl list --attribute 主动公开 --format json"""
    r = repository(repo)
    if attribute and attribute not in r.policy.disclosure.attributes:
        raise InputError(t("cli.bad_choice", option="--attribute", value=attribute,
                           allowed="、".join(r.policy.disclosure.attributes)))  # fmt: skip
    if category and r.policy.columns.category(category) is None:
        raise InputError(t("cli.bad_choice", option="--category", value=category,
                           allowed="、".join(r.policy.columns.categories)))  # fmt: skip
    docs, problems = r.documents()
    chosen = [d for d in docs if (not attribute or d.attribute == attribute) and (not category or d.category == category)]
    if fmt == Format.json:
        print_json({"documents": [
            {"id": d.id, "path": d.path, "title": d.title, "category": d.category, "attribute": d.attribute,
             "formed": d.formed, "doc_number": d.get("doc_number") or None, "section": d.get("section")}
            for d in chosen]})  # fmt: skip
    else:
        tb = table(t("cli.col.id"), t("cli.col.title"), t("cli.col.category"), t("cli.col.attribute"),
                   t("cli.col.formed"), t("cli.col.path"))  # fmt: skip
        for d in chosen:
            tb.add_row(d.id, d.title, d.category, d.attribute, str(d.formed or ""), d.path)
        console.print(tb if chosen else t("cli.no_documents"))
    print_findings(problems)
    if problems:
        raise typer.Exit(2)


def show(
    document: Annotated[str, typer.Argument(help="文件编号或路径", autocompletion=complete_documents)],
    repo: RepoOpt = None,
) -> None:
    """显示一个文件：中文标签的元数据、状态与索引号、正文。示例：gkctl show 2026-bgs-001"""
    from gkctl.services.show import describe

    shown = describe(repository(repo), document)
    tb = table("", "")
    tb.show_header = False
    tb.columns[0].no_wrap = True
    for label, value in shown.rows:
        tb.add_row(label, Text(value))
    console.print(tb)
    console.print(shown.doc.body, markup=False)
