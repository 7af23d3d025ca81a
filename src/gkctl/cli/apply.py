"""Commands of the applications desk: ``gkctl apply …`` and ``gkctl appeal …`` (thin: parse, call, render)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from gkctl.cli.common import (
    STACKED_BELOW,
    Format,
    FormatOpt,
    RepoOpt,
    ask,
    console,
    out_console,
    print_findings,
    print_json,
    repository,
    table,
    warn_calendar,
)
from gkctl.core.errors import InputError
from gkctl.core.i18n import t

apply_app = typer.Typer(
    help="依申请公开：登记申请、记录办理过程、答复，按法定工作日计算期限。",
    no_args_is_help=True,
    rich_markup_mode=None,
)
appeal_app = typer.Typer(
    help="政府信息公开行政复议、行政诉讼案件登记。",
    no_args_is_help=True,
    rich_markup_mode=None,
)

calendar_app = typer.Typer(
    help="工作日历：登记国务院办公厅发布的下一年节假日安排（policies/calendar.yaml，须管理员签名）。",
    no_args_is_help=True,
    rich_markup_mode=None,
)

DateOpt = Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD（默认今天）")]

if TYPE_CHECKING:
    from gkctl.services import apply as svc


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(t("apply.bad_date", option=option, value=value)) from None


def _done(change: svc.Change, key: str) -> None:
    print_findings(change.warnings)
    console.print(t(key, id=change.id, path=change.path))
    print(change.path)


@apply_app.command("new")
def apply_new(
    channel: Annotated[str | None, typer.Option("--channel", help="收到渠道：当面、邮寄、网络、传真、其他")] = None,
    applicant_type: Annotated[
        str | None,
        typer.Option(
            "--applicant-type", help="申请人类型：自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他"
        ),
    ] = None,
    applicant: Annotated[str | None, typer.Option("--applicant", help="申请人姓名或名称")] = None,
    request: Annotated[str | None, typer.Option("--request", help="申请公开的内容")] = None,
    received: Annotated[
        str | None, typer.Option("--received", help="收到日期 YYYY-MM-DD（条例第三十一条；默认今天）")
    ] = None,
    section: Annotated[str | None, typer.Option("--section", help="承办科室（年度考核按此计入；默认办公室）")] = None,
    repo: RepoOpt = None,
) -> None:
    """登记一件政府信息公开申请，写出 applications/<年>/<编号>.yaml 并签名提交。

    示例：gkctl apply new --channel 网络 --applicant-type 自然人 --applicant 王五
    --request 申请公开2025年度区级预算执行审计结果公告 --received 2026-03-02
    """
    from gkctl.services import apply as svc
    r = repository(repo)
    change = svc.new_application(
        r,
        channel=ask(channel, "--channel", "apply.prompt.channel"),
        applicant_type=ask(applicant_type, "--applicant-type", "apply.prompt.applicant_type"),
        applicant=ask(applicant, "--applicant", "apply.prompt.applicant"),
        request=ask(request, "--request", "apply.prompt.request"),
        received=_date(received, "--received"),
        section=section,
    )
    _done(change, "apply.done.new")


@apply_app.command("event")
def apply_event(
    app_id: Annotated[str, typer.Argument(help="申请编号，如 2026-003")],
    event_type: Annotated[
        str, typer.Argument(help="补正告知、补正收到、征求意见、征求意见答复、延期、延迟答复、收费通知、缴费")
    ],
    day: DateOpt = None,
    days: Annotated[int | None, typer.Option("--days", help="延期的工作日数（最多 20）")] = None,
    approved_by: Annotated[str | None, typer.Option("--approved-by", help="延期批准人（人员编号）")] = None,
    party: Annotated[
        str | None, typer.Option("--party", help="征求意见的对象：写明“第三方”（条例第三十二条），否则视为其他机关（第三十四条）")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="补正期限、缴费期限或延迟答复确定的期限 YYYY-MM-DD")
    ] = None,
    amount: Annotated[float | None, typer.Option("--amount", help="收费通知或缴费金额（元）")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注")] = None,
    repo: RepoOpt = None,
) -> None:
    """记录办理过程中的一件事（补正、征求意见、延期、延迟答复、收费），并签名提交。

    期限无法计算（如缺少下一年日历）时照样记录，只给出警告。延迟答复（条例第三十五条）须写 --until 和 --note。

    示例：gkctl apply event 2026-003 延期 --days 20 --approved-by lisi --date 2026-03-25
    """
    from gkctl.services import apply as svc
    r = repository(repo)
    change = svc.add_event(r, app_id, event_type, day=_date(day, "--date"), days=days, approved_by=approved_by,
                           party=party, until=_date(until, "--until"), amount=amount, note=note)  # fmt: skip
    _done(change, "apply.done.event")


@apply_app.command("reply")
def apply_reply(
    app_id: Annotated[str, typer.Argument(help="申请编号")],
    result: Annotated[
        str, typer.Option("--result", help="办理结果：予以公开、部分公开、不予公开、无法提供、不予处理、其他处理")
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="年报表格中的子项，如 属于国家秘密（也可写序号 1）")
    ] = None,
    day: DateOpt = None,
    fee: Annotated[float | None, typer.Option("--fee", help="收取的信息处理费（元）")] = None,
    pages: Annotated[int | None, typer.Option("--pages", help="按量计收时提供的页数（国办函〔2020〕109号第五条）")] = None,
    repo: RepoOpt = None,
) -> None:
    """登记答复：结果直接使用全国年报表格的类别和子项，并签名提交。

    示例：gkctl apply reply 2026-003 --result 不予公开 --reason 属于国家秘密 --date 2026-03-30
    """
    from gkctl.services import apply as svc
    r = repository(repo)
    change = svc.reply(r, app_id, result=result, reason=reason, day=_date(day, "--date"), fee=fee, pages=pages)
    _done(change, "apply.done.reply")


def _state_label(row: svc.Row) -> str:
    label = t(f"apply.state.{row.state}")
    if row.overdue:
        label += t("apply.state.overdue_suffix")
    return label


@apply_app.command("list")
def apply_list(
    open_only: Annotated[bool, typer.Option("--open", help="只列出未答复的申请")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列出逾期的申请")] = False,
    year: Annotated[int | None, typer.Option("--year", help="只列出该年收到的申请")] = None,
    fmt: FormatOpt = Format.text,
    repo: RepoOpt = None,
) -> None:
    """列出申请：收到日期、答复期限、剩余工作日、状态（逾期标红）。

    示例：gkctl apply list --open --format json
    """
    from gkctl.services import apply as svc
    r = repository(repo)
    rows = svc.list_applications(r, open_only=open_only, overdue_only=overdue, year=year)
    warn_calendar(r.root, r.today, lambda: r.policy)
    if fmt == Format.json:
        print_json({"today": r.today, "applications": [row.as_dict() for row in rows]})
        return
    if not rows:
        console.print(t("apply.none"))
        return
    out = out_console(160)
    if out.width < STACKED_BELOW:  # narrow terminal: one application per two lines
        for row in rows:
            a = row.app
            due = row.deadline.due.isoformat() if row.deadline and row.deadline.due else "—"
            left = "" if row.days_left is None else f"（{row.days_left}）"
            state = f"[red]{_state_label(row)}[/red]" if row.overdue else _state_label(row)
            out.print(f"{a.id}  {a.received.isoformat()} → {due}{left}  {state}", overflow="fold")
            result = (a.result or "") + (f"（{a.result_reason}）" if a.result_reason else "")
            out.print(Text(f"  {a.channel} {a.applicant_type} {result}".rstrip()), overflow="fold")
    else:
        _apply_table(out, rows)
    for row in rows:
        if row.error:
            console.print(f"[red]{row.app.path}[/red]: {row.error}", markup=True, soft_wrap=True)


def _apply_table(out: Any, rows: list[Any]) -> None:
    tb = table(t("apply.col.id"), t("apply.col.received"), t("apply.col.channel"), t("apply.col.applicant_type"),
               t("apply.col.due"), t("apply.col.left"), t("apply.col.state"), t("apply.col.result"))  # fmt: skip
    for index in (0, 1, 4):  # id and dates never wrap
        tb.columns[index].no_wrap = True
    for row in rows:
        a = row.app
        due = row.deadline.due.isoformat() if row.deadline and row.deadline.due else "—"
        left = "" if row.days_left is None else str(row.days_left)
        result = (a.result or "") + (f"（{a.result_reason}）" if a.result_reason else "")
        style = "red" if row.overdue else None
        tb.add_row(a.id, a.received.isoformat(), a.channel, a.applicant_type, due, left, _state_label(row),
                   result, style=style)  # fmt: skip
    out.print(tb)


@apply_app.command("show")
def apply_show(
    app_id: Annotated[str, typer.Argument(help="申请编号")],
    fmt: FormatOpt = Format.text,
    repo: RepoOpt = None,
) -> None:
    """显示一件申请及其答复期限的逐步计算（收到日期、补正、延期、征求意见暂停、节假日与调休）。

    示例：gkctl apply show 2025-003
    """
    from gkctl.services import apply as svc
    r = repository(repo)
    row = svc.show_application(r, app_id)
    if fmt == Format.json:
        print_json(svc.application_dict(row, svc.person_names(r)))
        return
    a = row.app
    tb = table("", "")
    tb.show_header = False
    for label, value in (
        (t("apply.col.id"), a.id),
        (t("apply.col.received"), svc.fmt_day(a.received)),
        (t("apply.col.channel"), a.channel),
        (t("apply.col.applicant"), f"{a.applicant}（{a.applicant_type}）"),
        (t("apply.col.request"), a.request),
        (t("apply.col.state"), _state_label(row)),
        (t("apply.col.result"), (a.result or "") + (f"（{a.result_reason}）" if a.result_reason else "")),
        (t("apply.col.replied"), svc.fmt_day(a.replied) if a.replied else ""),
        (t("apply.col.section"), a.section or t("apply.section_default")),
        (t("apply.col.fee"), f"{a.fee:g}" + (t("apply.pages", pages=a.pages) if a.pages is not None else "")),
        (t("apply.col.path"), a.path),
    ):
        tb.add_row(label, value)
    console.print(tb)
    if a.events:
        ev = table(t("apply.col.date"), t("apply.col.event"), t("apply.col.detail"))
        for e in a.events:
            detail = "；".join(str(x) for x in (e.party, e.days and t("apply.days", days=e.days), e.approved_by,
                                                 e.until and e.until.isoformat(), e.amount and f"{e.amount:g}", e.note) if x)  # fmt: skip
            ev.add_row(svc.fmt_day(e.date), e.type, detail)
        console.print(ev)
    console.print(t("apply.steps_title"), style="bold")
    if row.error and row.deadline is None:
        console.print(f"[red]{row.error}[/red]", markup=True, soft_wrap=True)
    if row.deadline:
        names = svc.person_names(r)
        for i, step in enumerate(row.deadline.steps, 1):
            console.print(f"{i}. {svc.render_step(step, names)}", markup=False, soft_wrap=True)


@apply_app.command("fee")
def apply_fee(
    pages: Annotated[int | None, typer.Option("--pages", help="按量计收：提供的页数")] = None,
    items: Annotated[int | None, typer.Option("--items", help="按件计收：本次申请的件数")] = None,
    already: Annotated[int, typer.Option("--already", help="按件：该申请人本自然月此前已申请的件数")] = 0,
    fmt: FormatOpt = Format.text,
) -> None:
    """计算信息处理费（国办函〔2020〕109号，按件或按量，超额累进）。

    示例：gkctl apply fee --pages 120
    """
    from gkctl.services import apply as svc
    fee = svc.compute_fee(pages=pages, items=items, already=already)
    if fmt == Format.json:
        print_json({"method": fee.method, "units": fee.units, "already": fee.already, "total": fee.total,
                    "bands": [{"first": b.first, "last": b.last, "count": b.count, "rate": b.rate,
                               "amount": b.amount} for b in fee.bands]})  # fmt: skip
        return
    unit = t(f"fee.unit.{fee.method}")
    tb = table(t("fee.col.band"), t("fee.col.count"), t("fee.col.rate"), t("fee.col.amount"),
               title=t(f"fee.title.{fee.method}"))  # fmt: skip
    for b in fee.bands:
        tb.add_row(f"{b.first}–{b.last}{unit}", str(b.count), t("fee.rate", rate=b.rate, unit=unit), str(b.amount))
    console.print(tb)
    console.print(t("fee.total", total=fee.total))


# --------------------------------------------------------------------------- appeals


@appeal_app.command("new")
def appeal_new(
    kind: Annotated[str, typer.Option("--type", help="行政复议 或 行政诉讼")],
    route: Annotated[str | None, typer.Option("--route", help="行政诉讼：未经复议直接起诉 或 复议后起诉")] = None,
    filed: Annotated[str | None, typer.Option("--filed", help="立案/收到日期 YYYY-MM-DD（默认今天）")] = None,
    application: Annotated[str | None, typer.Option("--application", help="涉及的申请编号")] = None,
    body: Annotated[str | None, typer.Option("--body", help="复议机关或受理法院")] = None,
    repo: RepoOpt = None,
) -> None:
    """登记一件行政复议或行政诉讼案件，并签名提交。

    示例：gkctl appeal new --type 行政诉讼 --route 复议后起诉 --filed 2026-05-10 --application 2026-003
    """
    from gkctl.services import appeal as appeal_svc
    r = repository(repo)
    change = appeal_svc.new_appeal(r, kind=kind, route=route, filed=_date(filed, "--filed"),
                                   application=application, body=body)  # fmt: skip
    _done(change, "appeal.done.new")


@appeal_app.command("decide")
def appeal_decide(
    appeal_id: Annotated[str, typer.Argument(help="案件编号，如 2026-F01")],
    result: Annotated[str, typer.Option("--result", help="结果维持、结果纠正 或 其他结果")],
    day: DateOpt = None,
    repo: RepoOpt = None,
) -> None:
    """登记复议决定或判决结果，并签名提交。示例：gkctl appeal decide 2026-F01 --result 结果维持"""
    from gkctl.services import appeal as appeal_svc
    r = repository(repo)
    change = appeal_svc.decide(r, appeal_id, result=result, day=_date(day, "--date"))
    _done(change, "appeal.done.decide")


@appeal_app.command("list")
def appeal_list(
    year: Annotated[int | None, typer.Option("--year", help="只列出该年立案的案件")] = None,
    fmt: FormatOpt = Format.text,
    repo: RepoOpt = None,
) -> None:
    """列出行政复议、行政诉讼案件。示例：gkctl appeal list --year 2025"""
    from gkctl.services import appeal as appeal_svc
    r = repository(repo)
    appeals = appeal_svc.list_appeals(r, year)
    if fmt == Format.json:
        print_json({"appeals": [appeal_svc.appeal_dict(a, r.today) for a in appeals]})
        return
    if not appeals:
        console.print(t("appeal.none"))
        return
    tb = table(t("appeal.col.id"), t("appeal.col.type"), t("appeal.col.route"), t("appeal.col.filed"),
               t("appeal.col.application"), t("appeal.col.result"), t("appeal.col.decided"))  # fmt: skip
    for index in (0, 3, 6):
        tb.columns[index].no_wrap = True
    for a in appeals:
        tb.add_row(a.id, a.type, a.route or "", a.filed.isoformat(), a.application or "", a.result_as_of(r.today),
                   a.decided.isoformat() if a.decided else "")  # fmt: skip
    console.print(tb)


# --------------------------------------------------------------------------- calendar


@calendar_app.command("add")
def calendar_add(
    year: Annotated[int, typer.Argument(help="年份，如 2027")],
    holiday: Annotated[
        list[str] | None,
        typer.Option("--holiday", help="放假日期（含调休放假的工作日），可重复：2027-01-01..2027-01-03:元旦 或 2027-04-05:清明节"),
    ] = None,
    workday: Annotated[
        list[str] | None, typer.Option("--workday", help="调休上班日（周六或周日），可重复：2027-02-20:春节")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="YAML 文件，含 holidays 和 workdays 两项，格式同 policies/calendar.yaml")
    ] = None,
    repo: RepoOpt = None,
) -> None:
    """登记一年的法定节假日和调休上班日（国务院办公厅节假日安排通知），校验后由管理员签名提交。

    校验：调休上班日只能是周末；日期不重复、不重叠、都在该年内；元旦、春节、清明、劳动、端午、中秋、国庆都已登记。
    gkctl 不会推算某一年的安排：没有登记的年份，落在其中的期限显示“无法计算”。

    示例：gkctl calendar add 2027 --file 2027年节假日安排.yaml
    """
    from gkctl.services import calendar as cal_svc

    r = repository(repo)
    holidays = [cal_svc.parse_spec(x, "--holiday") for x in holiday or []]
    workdays = [cal_svc.parse_spec(x, "--workday") for x in workday or []]
    where = ""
    if file is not None:
        more_off, more_work = cal_svc.read_notice_file(file)
        holidays += more_off
        workdays += more_work
        where = str(file)
    change = cal_svc.add_year(r, year, holidays, workdays, where)
    console.print(t("calendar.add.done", year=change.year, holidays=change.holidays, workdays=change.workdays,
                    commit=change.commit[:10]), markup=False)  # fmt: skip
