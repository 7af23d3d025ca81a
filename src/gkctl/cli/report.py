"""Commands of the office head and the inspector: report annual, assess, audit."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gkctl.cli.common import RepoOpt, console, err_console, repository, write_output
from gkctl.core.errors import InputError
from gkctl.core.findings import Finding
from gkctl.core.i18n import t

report_app = typer.Typer(help="政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）", no_args_is_help=True)


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    docx = "docx"
    pdf = "pdf"


class TableStyle(StrEnum):
    html = "html"
    plain = "plain"


def _warn(findings: list[Finding]) -> None:
    """Findings on stderr, so that the report on stdout stays clean for a pipe."""
    for f in findings:
        where = f"{f.path}: " if f.path else ""
        label = t("cli.error") if f.is_error else t("cli.warning")
        style = "red" if f.is_error else "yellow"
        err_console.print(f"{where}[{style}]{label}[/{style}][{f.code}] {f.message}", soft_wrap=True, markup=True)


def _working(key: str) -> AbstractContextManager[object]:
    """A spinner on a terminal while the history is read; nothing on a pipe."""
    return err_console.status(t(key)) if err_console.is_terminal else nullcontext()


@report_app.command("annual")
def annual(
    year: Annotated[int | None, typer.Option("--year", help="报告年度（默认上一年）")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="输出格式：md、html、json、docx（Word）或 pdf（docx 和 pdf 须用 --out）")] = ReportFormat.md,
    out: Annotated[Path | None, typer.Option("--out", help="写入文件（默认输出到标准输出）")] = None,
    tables: Annotated[TableStyle, typer.Option("--tables", help="md 中的表格：html（保留合并单元格）或 plain（管道表格，合并单元格逐格写出，便于粘贴到公众号编辑器和 Word）")] = TableStyle.html,
    as_document: Annotated[bool, typer.Option("--as-document", help="写成“政府信息公开年报”类文件，走正常审核发布流程")] = False,
    drafter: Annotated[str | None, typer.Option("--drafter", help="--as-document 时的拟稿人编号（默认签名密钥的主人）")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="列出每件申请计入表三的哪些行和列，便于人工核对")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="按某一修订（提交号、分支或标签）时的历史和登记计算；published 表示该年度报告公开时")] = None,
    repo: RepoOpt = None,
) -> None:
    """生成政府信息公开工作年度报告：一至六部分，表二、表三、表四按 2021 年国家格式计算并校验。

    叙述写在 reports/<年>/annual.yaml（sections 下的 总体情况、存在的主要问题及改进情况、其他需要报告的事项），
    其中可用占位符由数据填写：{年度} {主动公开信息数} {本年制发规范性文件数} {本年废止规范性文件数}
    {现行有效规范性文件数} {本年新收申请数} {上年结转申请数} {本年办结申请数} {结转下年度申请数}
    {予以公开数} {部分公开数} {不予公开数} {无法提供数} {不予处理数} {其他处理数} {行政复议数} {行政诉讼数}
    {收费金额} {收费申请数}。勾稽关系不成立时退出码为 1 并指出单元格。
    该年度报告已公开的，逐格对比已公开的数字和现在的计算，指出不一致的单元格及引起变动的文件或登记。

    开头一段（编制依据、统计期限、电子版网址、联系方式）取自 gkctl.yaml 的 office 和 site；落款为机关名称和 annual.yaml 的 date（默认今天）。docx 按公文格式排版，pdf 由 LibreOffice 转换（没有时用 chromium 打印 HTML）。

    示例：gkctl report annual --year 2025 --format html --out 年报2025.html

    示例：gkctl report annual --year 2025 --format docx --out 年报2025.docx
    """
    from gkctl.services.report import annual_report, placements, render_report, write_as_document

    if tables == TableStyle.plain and fmt != ReportFormat.md:
        raise InputError(t("report.plain_tables_md"))
    if fmt in (ReportFormat.docx, ReportFormat.pdf) and out is None and not as_document:
        raise InputError(t("report.binary_needs_out"))
    r = repository(repo)
    if explain:
        from gkctl.cli.common import table

        tb = table(t("report.explain.id"), t("report.explain.column"), t("report.explain.rows"))
        for app_id, _path, column, rows in placements(r, year if year is not None else r.today.year - 1):
            tb.add_row(app_id, column, "、".join(rows))
        console.print(tb)
        return
    with _working("report.working"):
        result = annual_report(r, year if year is not None else r.today.year - 1, as_of)
    _warn(result.findings)
    if not result.ok:
        err_console.print(t("report.checks_failed", count=sum(f.is_error for f in result.findings)), markup=False)
        raise typer.Exit(1)
    if as_document:
        rel = write_as_document(r, result.report, drafter)
        err_console.print(t("report.written_document", path=rel), markup=False)
        if out is None:
            console.print(rel, markup=False)
            return
    write_output(render_report(result.report, fmt.value, plain_tables=tables == TableStyle.plain), out)


class AuditFormat(StrEnum):
    text = "text"
    json = "json"


def audit(
    year: Annotated[int | None, typer.Option("--year", help="只审计该年度（默认上一年和今年；签名与审核链检查全部历史）")] = None,
    fmt: Annotated[AuditFormat, typer.Option("--format", help="输出格式：text 或 json")] = AuditFormat.text,
    site: Annotated[Path | None, typer.Option("--site", help="gkctl build 生成的网站目录：核对每件已发布信息都在目录中（制度第二十二条第（二）项）")] = None,
    repo: RepoOpt = None,
) -> None:
    """审计：按《政务信息公开工作制度》第二十二条、第十二条等列出问题；有错误时退出码为 1。

    查：逾期公开、当年公开指南缺失或未附申请表、未经完整审核链发布、签名无效或缺失、签发后改动、
    未经保密审查发布、依申请公开逾期、超标准收取信息处理费（国办函〔2020〕109号，按缴费年度）、年报缺失或逾期、
    规范性文件废止未公示、已公开年报的数字被此后的记录改动；期限因缺少日历无法计算的逐件列出，审计照常进行。

    示例：gkctl audit --year 2025 --format json
    """
    from gkctl.cli.common import print_findings, print_json
    from gkctl.services.report import audit_findings, audit_json

    r = repository(repo)
    with _working("audit.working"):
        years, found = audit_findings(r, year, site)
    errors = sum(f.is_error for f in found)
    if fmt == AuditFormat.json:
        print_json(audit_json(years, found))
    else:
        print_findings(found)
        label = "、".join(map(str, years))
        key = "audit.summary" if found else "audit.clean"
        console.print(t(key, years=label, errors=errors, warnings=len(found) - errors), markup=False)
    if errors:
        raise typer.Exit(1)


class AssessFormat(StrEnum):
    md = "md"
    json = "json"


def assess(
    year: Annotated[int | None, typer.Option("--year", help="考核年度（默认上一年）")] = None,
    fmt: Annotated[AssessFormat, typer.Option("--format", help="输出格式：md 或 json")] = AssessFormat.md,
    out: Annotated[Path | None, typer.Option("--out", help="写入文件（默认输出到标准输出）")] = None,
    repo: RepoOpt = None,
) -> None:
    """年度考核：按科室统计拟稿、公开属性更正（准确）、20 个工作日内公开（及时）、退回、依申请公开按期办结，并起草考核意见。

    依申请公开按承办科室（section，未填的计入办公室）统计；未办结的申请按该年 12 月 31 日的情况判断。

    示例：gkctl assess --year 2025 --out 考核2025.md
    """
    from gkctl.services.report import assessment, render_assessment

    r = repository(repo)
    with _working("report.working"):
        result = assessment(r, year if year is not None else r.today.year - 1)
    write_output(render_assessment(result, fmt.value), out)
