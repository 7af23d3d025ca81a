"""Commands of the review chain: review, sign, check, external, proofread, publish, withdraw,
repeal, status, log, whoami, sync, and ``people``. Thin: parse, call a service, render."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from gkctl.cli.common import (
    STACKED_BELOW,
    Format,
    FormatOpt,
    RepoOpt,
    complete_documents,
    complete_people,
    console,
    err_console,
    out_console,
    print_json,
    repository,
    repository_root,
    table,
    warn_calendar,
)
from gkctl.core.errors import InputError
from gkctl.core.i18n import t

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from gkctl.core.policy import Policy
    from gkctl.services.repository import Repository

DocArg = Annotated[str, typer.Argument(help="文件编号（id）或路径", autocompletion=complete_documents)]
ApproveOpt = Annotated[bool, typer.Option("--approve", help="通过")]
RejectOpt = Annotated[bool, typer.Option("--reject", help="退回（文件回到草稿）")]
MessageOpt = Annotated[str, typer.Option("-m", "--message", help="意见（写入签名提交）")]



def _text(value: str) -> Text:
    """rich's Text, imported when a table is drawn (a JSON or one-line command never pays for rich)."""
    from rich.text import Text

    return Text(value)


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)

def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(t("workflow.cli.bad_date", option=option, value=value)) from None


def _verdict(approve: bool, reject: bool) -> bool:
    if approve == reject:
        raise InputError(t("cli.missing_option", option="--approve | --reject"))
    return approve


def _decided(step: str, doc: str, approve: bool, reject: bool, message: str, repo: str | None, **kw: object) -> None:
    from gkctl.services import steps
    res = steps.decide(repository(repo), doc, step, _verdict(approve, reject), message, **kw)  # type: ignore[arg-type]
    verdict = t("workflow.verdict.approve" if res.verdict == "approve" else "workflow.verdict.reject")
    console.print(t("workflow.done.step", step=res.label or step, verdict=verdict, id=res.doc_id, commit=res.commit[:10]))


def review(
    doc: DocArg, approve: ApproveOpt = False, reject: RejectOpt = False, message: MessageOpt = "",
    set_attribute: Annotated[str | None, typer.Option("--set-attribute", help="更正公开属性（制度第八条）")] = None,
    reason: Annotated[str, typer.Option("--reason", help="更正理由")] = "",
    basis: Annotated[list[str] | None, typer.Option("--basis", help="更正为主动公开时的公开依据（可重复）")] = None,
    exemption: Annotated[str | None, typer.Option("--exemption", help="更正为不予公开时的理由代码")] = None,
    repo: RepoOpt = None,
) -> None:
    """审稿（审稿人）：通过或退回；可更正公开属性，审批绑定更正后的内容。

    示例：gkctl review 2026-bgs-001 --approve -m "公开属性准确"
          gkctl review 2026-bgs-001 --set-attribute 依申请公开 --reason "涉及个人信息" --approve -m "更正后同意"
    """
    from gkctl.services import steps
    if set_attribute is not None:
        res = steps.correct_attribute(repository(repo), doc, set_attribute, reason or message, list(basis or []),
                                      exemption)  # fmt: skip
        console.print(t("workflow.done.correct", id=res.doc_id, commit=res.commit[:10]))
        if not (approve or reject):
            return
    _decided("review", doc, approve, reject, message, repo)


def sign(doc: DocArg, approve: ApproveOpt = False, reject: RejectOpt = False, message: MessageOpt = "",
         repo: RepoOpt = None) -> None:  # fmt: skip
    """签发（签发人，不得同时是审稿人）。示例：gkctl sign 2026-bgs-001 --approve -m 同意"""
    _decided("sign", doc, approve, reject, message, repo)


def check(
    doc: DocArg, approve: ApproveOpt = False, reject: RejectOpt = False, message: MessageOpt = "",
    waive: Annotated[list[str] | None, typer.Option("--waive", help="豁免的保密扫描代码（可重复），理由写在 -m")] = None,
    repo: RepoOpt = None,
) -> None:
    """办公室复核与保密审查；扫描有发现时须 --waive 代码 并写明理由。

    示例：gkctl check 2026-bgs-001 --approve -m "复核无误，不涉密"
    """
    _decided("check", doc, approve, reject, message, repo, waive=tuple(waive or ()))


def external(
    doc: DocArg, approve: ApproveOpt = False, reject: RejectOpt = False, message: MessageOpt = "",
    reference: Annotated[str, typer.Option("--reference", help="区政府办公室审核文号/编号")] = "",
    repo: RepoOpt = None,
) -> None:
    """记录区政府办公室对审计结果公告的审核（制度第十二条第二项）。

    示例：gkctl external 2026-sjzx-003 --approve --reference "綦府办审〔2026〕8号" -m 审核通过
    """
    _decided("external", doc, approve, reject, message, repo, reference=reference)


def proofread(doc: DocArg, approve: ApproveOpt = False, reject: RejectOpt = False, message: MessageOpt = "",
              repo: RepoOpt = None) -> None:  # fmt: skip
    """校对（三校，须三位不同的校对人）。示例：gkctl proofread 2026-bgs-001 --approve -m 校对无误"""
    _decided("proofread", doc, approve, reject, message, repo)


def publish(
    docs: Annotated[list[str] | None, typer.Argument(help="要发布的文件")] = None,
    ready: Annotated[bool, typer.Option("--ready", help="发布全部待发布的主动公开文件")] = False,
    repo: RepoOpt = None,
) -> None:
    """发布（发布人）：分配索引号并记录发布日期。示例：gkctl publish --ready"""
    from gkctl.services import steps
    if not docs and not ready:
        raise InputError(t("cli.missing_option", option="DOC… | --ready"))
    for res in steps.publish(repository(repo), list(docs or []), ready=ready):
        console.print(t("workflow.done.publish", id=res.doc_id, index=res.index_number, commit=res.commit[:10]))


def withdraw(
    doc: DocArg,
    reason: Annotated[str, typer.Option("--reason", help="撤回说明（公开显示）")] = "",
    when: Annotated[str | None, typer.Option("--date", help="生效日期 YYYY-MM-DD（默认今天）")] = None,
    repo: RepoOpt = None,
) -> None:
    """撤回已发布的文件，附公开说明。示例：gkctl withdraw 2026-bgs-001 --reason "内容有误，更正后重新发布" """
    from gkctl.services import steps
    res = steps.end_publication(repository(repo), doc, "withdraw", reason, _date(when, "--date"))
    console.print(t("workflow.done.end", step=t("workflow.state.withdrawn"), id=res.doc_id, commit=res.commit[:10]))


def repeal(
    doc: DocArg,
    when: Annotated[str, typer.Option("--date", help="废止日期 YYYY-MM-DD")],
    reason: Annotated[str, typer.Option("--reason", help="废止说明（公开显示）")] = "",
    repo: RepoOpt = None,
) -> None:
    """废止规范性文件（制度第十三条）。示例：gkctl repeal 2023-bgs-007 --date 2026-12-01 --reason 已被新制度替代"""
    from gkctl.services import steps
    res = steps.end_publication(repository(repo), doc, "repeal", reason, _date(when, "--date"))
    console.print(t("workflow.done.end", step=t("workflow.state.repealed"), id=res.doc_id, commit=res.commit[:10]))


def _wide() -> Console:
    """The shared console on a terminal; on a pipe one as wide as ``COLUMNS`` says (else 160),
    so ids and 索引号 are not folded."""
    return out_console(160)


def _field(column: str, value: str) -> str:
    return t("workflow.status.field", label=t(f"workflow.status.col.{column}"), value=value)


def _short(when: str) -> str:
    """``2025-10-15T10:00:00+08:00`` → ``2025-10-15 10:00`` (all times are Beijing time)."""
    return when[:16].replace("T", " ")


def _yes(flag: bool) -> str:
    return t("workflow.status.yes") if flag else t("workflow.status.no")


PLAIN_ROWS = 500  # beyond this many rows on a pipe, tab-separated lines instead of a rich table


def _plain_status(docs: list[dict[str, Any]]) -> None:
    """One tab-separated line per document: rich lays out 10,000 rows in seconds, a pipe wants lines."""
    head = ("workflow.status.col.id", "workflow.status.col.title", "workflow.status.col.attribute",
            "workflow.status.col.state", "workflow.status.col.index", "workflow.status.col.due")  # fmt: skip
    lines = ["\t".join(t(k) for k in head)]
    for d in docs:
        state = d["state_label"] + ("*" if d["unpublished_changes"] else "")
        due = (d["due"] or "-") + (f" {t('workflow.status.overdue')}" if d["overdue"] else "")
        lines.append("\t".join((d["id"], d["title"], d["attribute"], state, d["index_number"] or "-", due)))
    sys.stdout.write("\n".join(lines) + "\n")


def _status_table(docs: list[dict[str, Any]]) -> None:
    """Every document's row: a rich table on a terminal, tab-separated lines on a pipe."""
    if not docs:
        console.print(t("workflow.status.none"))
        return
    if not console.is_terminal and (len(docs) > PLAIN_ROWS or not os.environ.get("COLUMNS")):
        _plain_status(docs)  # a pipe that did not say how wide it is wants lines to parse
        return
    out = _wide()
    if out.width < STACKED_BELOW:
        _stacked_status(out, docs)
        return
    tb = table(t("workflow.status.col.id"), t("workflow.status.col.title"), t("workflow.status.col.attribute"),
               t("workflow.status.col.state"), t("workflow.status.col.progress"), t("workflow.status.col.index"),
               t("workflow.status.col.due"), title=t("workflow.status.title"))  # fmt: skip
    for i in (0, 2, 3, 4, 5, 6):  # ids, 索引号, states and dates stay whole; titles fold
        tb.columns[i].no_wrap = True
    tb.columns[1].min_width = 12
    for d in docs:
        due = d["due"] or "-"
        if d["overdue"]:
            due += f"\n[red]{t('workflow.status.overdue')}[/red]"
        tb.add_row(d["id"], _text(d["title"]), d["attribute"], _state(d), _progress(d), d["index_number"] or "-", due)
    out.print(tb)


def _state(d: dict[str, Any]) -> str:
    """The state with what needs action in red (rich drops colour off a terminal)."""
    state = d["state_label"] + ("*" if d["unpublished_changes"] else "")
    if (d.get("next") or {}).get("step") == "fix":
        state += f"[red]（{t('workflow.verdict.reject')}）[/red]"
    return state


def _next(d: dict[str, Any]) -> str:
    nxt = d.get("next")
    if not nxt:
        return ""
    who = "、".join(nxt["who"]) or t("status.next_nobody")
    return t("status.next", step=nxt["label"], who=who)


def _progress(d: dict[str, Any]) -> str:
    from gkctl.services.status_cache import status_row

    done, needed = d["progress"] if "progress" in d else status_row(d)["progress"]
    return f"{done}/{needed}"


def _stacked_status(out: Console, docs: list[dict[str, Any]]) -> None:
    """Narrow terminals: the id line with state and dates, then the title, then the next step."""
    out.print(f"[bold]{t('workflow.status.title')}[/bold]")
    for d in docs:
        due = d["due"] or "-"
        if d["overdue"]:
            due += f" [red]{t('workflow.status.overdue')}[/red]"
        head = "  ".join((d["id"], _state(d), _progress(d), d["attribute"], d["index_number"] or "-",
                          _field("due", due)))  # fmt: skip
        out.print(head, overflow="fold")
        out.print(_text("  " + (d["title"] or "-")), overflow="fold")
        if _next(d):
            out.print("  " + _next(d), markup=False, overflow="fold")


def _uncommitted(repo: Repository, doc: str) -> str | None:
    """Why ``status DOC`` has nothing to say about an existing file: not saved yet, or changed."""
    from gkctl.services.save import unsaved_state
    return unsaved_state(repo, doc)


def _flush(sink: BinaryIO, binary: BinaryIO | None) -> None:
    if binary is None and isinstance(sink, io.BytesIO):
        sys.stdout.write(sink.getvalue().decode("utf-8"))
    else:
        sink.flush()


def status(doc: Annotated[str | None, typer.Argument(help="文件编号或路径（默认全部）", autocompletion=complete_documents)] = None,
           fmt: FormatOpt = Format.text, repo: RepoOpt = None) -> None:  # fmt: skip
    """每份文件的状态、各步骤（谁、何时、结论、意见、是否仍有效）、下一步、索引号与公开期限。

    示例：gkctl status --format json
    """
    from gkctl.services.status_cache import refs_read_once

    with refs_read_once():  # status writes no ref
        _status(doc, fmt, repo)


def _status(doc: str | None, fmt: Format, repo: str | None) -> None:
    from gkctl.services.status_cache import cached_rows, today_beijing, write_cached
    root = repository_root(repo)
    today = today_beijing()
    opened: list[Repository] = []  # one Repository: its policy and its status share one analysis

    def the_repository() -> Repository:
        if not opened:
            opened.append(repository(repo))
        return opened[0]

    def head_policy() -> Policy:
        """The status needs HEAD's analysis whenever the note is not current: its policy is free."""
        r = the_repository()
        return r.analysis.trust.head_policy or r.policy  # the latter says why it cannot be read

    warn_calendar(root, today, head_policy)
    binary = getattr(sys.stdout, "buffer", None)  # a captured stdout may be text only
    sink = binary if binary is not None else io.BytesIO()
    if fmt == Format.json and doc is None:
        # the everyday warm case: the cached bytes, without importing the analysis or the policy
        sys.stdout.flush()
        if write_cached(root, sink):
            _flush(sink, binary)
            return
    if fmt == Format.text and doc is None:
        rows = cached_rows(root, today)  # the table's rows alone, again without the analysis
        if rows is not None:
            _status_table(rows)
            return
    r = the_repository()
    note = _uncommitted(r, doc) if doc is not None else None
    if note == "uncommitted":
        console.print(f"{doc}：[yellow]{t('status.uncommitted')}[/yellow]")
        return
    from gkctl.services.status import status_data, status_json, status_rows, write_status_json
    if fmt == Format.json:
        if doc is None:
            write_status_json(r, sink, today, tried=True)
            _flush(sink, binary)
        else:
            sys.stdout.write(status_json(r, doc))
        return
    docs = status_rows(r, today) if doc is None else status_data(r, doc, today)["documents"]
    if doc is None:
        _status_table(docs)
        return
    out, d = _wide(), docs[0]
    out.print(f"[bold]{_escape(d['title'])}[/bold]  {d['id']}  {d['path']}", overflow="fold")
    out.print("  ".join(_field(k, v) for k, v in (("state", _state(d)), ("attribute", d["attribute"]),
                                                    ("index", d["index_number"] or "-"))))  # fmt: skip
    if d["due"] or d["due_note"]:
        due = d["due"] or d["due_note"]
        overdue = f"  [red]{t('workflow.status.overdue')}[/red]" if d["overdue"] else ""
        out.print(_field("due", due) + overdue)
    if d["unpublished_changes"]:
        out.print(f"[yellow]{t('workflow.status.unpublished_changes')}[/yellow]")
    if note == "changed":
        out.print(f"[yellow]{t('status.changed')}[/yellow]")
    if _next(d):
        out.print(_next(d), markup=False)
    tb = table(t("workflow.status.col.step"), t("workflow.status.col.who"), t("workflow.status.col.when"),
               t("workflow.status.col.verdict"), t("status.opinion"), t("workflow.status.col.valid"))  # fmt: skip
    if not d["steps"]:
        return
    for s in d["steps"]:
        who = f"{s['name']}（{s['person']}）" if s["person"] else "-"
        verdict = t(f"workflow.verdict.{s['verdict']}") if s["verdict"] in ("approve", "reject") else "-"
        if s["verdict"] == "reject":
            verdict = f"[red]{verdict}[/red]"
        valid = _yes(s["valid"]) + (f"\n{s['problem']}" if s["problem"] else "")
        tb.add_row(s["label"], who, _short(s["when"]), verdict, _text(s.get("opinion") or ""), valid)
    out.print(tb)


def log(doc: DocArg, fmt: FormatOpt = Format.text, repo: RepoOpt = None) -> None:
    """文件的历史时间线：每条附签名状态与审核意见（退回的理由）。示例：gkctl log 2026-bgs-001"""
    from gkctl.services.status import log_data
    data = log_data(repository(repo), doc)
    if fmt == Format.json:
        print_json(data)
        return
    out = _wide()
    if out.width < STACKED_BELOW:
        out.print(f"[bold]{t('workflow.log.title', id=data['id'])}[/bold]")
        for e in data["entries"]:
            who = f"{e['name']}（{e['person']}）" if e["person"] else "-"
            sig = t("workflow.log.good") if not e["problem"] else f"[red]{_escape(e['problem'])}[/red]"
            verdict = t(f"workflow.verdict.{e['verdict']}") if e["verdict"] in ("approve", "reject") else ""
            if e["verdict"] == "reject":
                verdict = f"[red]{verdict}[/red]"
            out.print(f"{_short(e['when'])}  {e['label']}{verdict}  {_escape(who)}  {sig}  {e['commit'][:10]}",
                      overflow="fold")  # fmt: skip
            if e.get("opinion"):
                out.print(_text(f"  {t('status.opinion')}：{e['opinion']}"), overflow="fold")
        return
    tb = table(t("workflow.status.col.when"), t("workflow.status.col.step"), t("workflow.status.col.who"),
               t("workflow.status.col.verdict"), t("status.opinion"), t("status.col.commit"),
               title=t("workflow.log.title", id=data["id"]))  # fmt: skip
    for e in data["entries"]:
        who = f"{e['name']}（{e['person']}）" if e["person"] else "-"
        sig = t("workflow.log.good") if not e["problem"] else f"[red]{_escape(e['problem'])}[/red]"
        verdict = t(f"workflow.verdict.{e['verdict']}") if e["verdict"] in ("approve", "reject") else ""
        if e["verdict"] == "reject":
            verdict = f"[red]{verdict}[/red]"
        tb.add_row(_short(e["when"]), e["label"], f"{_escape(who)}\n{sig}", verdict, _text(e.get("opinion") or ""),
                   e["commit"][:10])  # fmt: skip
    out.print(tb)


def whoami(repo: RepoOpt = None) -> None:
    """配置的签名公钥对应的人员与角色。示例：gkctl whoami"""
    from gkctl.services import people as people_svc
    from gkctl.services.steps import today_beijing

    info = people_svc.whoami(repository(repo), today_beijing())
    if info.person is None:
        from gkctl.core.errors import RuleError

        raise RuleError(t("sig.unknown_key", key=info.key))
    p = info.person
    console.print(t("workflow.whoami", name=p.name, person=p.id, section=p.section, roles="、".join(info.role_names)))
    if not info.active and p.active_until:
        console.print(t("workflow.whoami.inactive", date=p.active_until.isoformat()))
        raise typer.Exit(1)


@contextmanager
def _transfer_progress() -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar for git's fetch and push on a terminal; nothing on a pipe."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    tasks: dict[str, TaskID] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console,
                  transient=True) as bar:  # fmt: skip

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(t(f"sync.progress.{stage}"), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def sync(remote: Annotated[str | None, typer.Argument(help="远程仓库名（默认上游或 origin）")] = None,
         repo: RepoOpt = None) -> None:  # fmt: skip
    """同步：fetch、合并（绝不变基）、必要时重新编号，再推送。示例：gkctl sync"""
    from gkctl.services.sync import sync as sync_svc

    with _transfer_progress() as progress:
        res = sync_svc(repository(repo), remote, progress)
    for doc_id, old, new in res.replayed:
        console.print(t("workflow.sync.replayed", id=doc_id, old=old, new=new))
    for doc_id, old, new in res.renumbered:
        console.print(t("workflow.sync.renumbered", id=doc_id, old=old, new=new))
    merged = t("workflow.sync.merged") if res.merged else t("workflow.sync.up_to_date")
    console.print(t("workflow.sync.done", merged=merged, remote=res.remote))


# -- people ---------------------------------------------------------------------------------

people_app = typer.Typer(help="人员、角色与签名公钥（policies/people.yaml，须管理员签名）", no_args_is_help=True)


@people_app.command("add")
def people_add(
    person: Annotated[str, typer.Argument(help="人员编号（小写字母、数字、-、_）")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    section: Annotated[str, typer.Option("--section", help="科室")],
    role: Annotated[list[str], typer.Option("--role", help="角色（可重复）")],
    key: Annotated[str, typer.Option("--key", help="ssh 公钥行、公钥文件（.pub）路径、@公钥文件 或 OpenPGP 指纹")],
    repo: RepoOpt = None,
) -> None:
    """新增人员（管理员）。示例：gkctl people add lisi --name 李四 --section 办公室 --role reviewer --key @lisi.pub"""
    from gkctl.services import people as people_svc
    sha = people_svc.add_person(repository(repo), person, name, section, role, key)
    console.print(t("workflow.people.added", person=person, commit=sha[:10]))


@people_app.command("grant")
def people_grant(
    person: Annotated[str, typer.Argument(help="人员编号", autocompletion=complete_people)],
    role: Annotated[str, typer.Option("--role", help="要授予的角色，如 publisher")],
    repo: RepoOpt = None,
) -> None:
    """授予人员一个角色（管理员签名）。示例：gkctl people grant admin --role publisher"""
    _change_role(repo, person, role, grant=True)


@people_app.command("ungrant")
def people_ungrant(
    person: Annotated[str, typer.Argument(help="人员编号", autocompletion=complete_people)],
    role: Annotated[str, typer.Option("--role", help="要取消的角色")],
    repo: RepoOpt = None,
) -> None:
    """取消人员的一个角色（管理员签名）。示例：gkctl people ungrant lisi --role reviewer"""
    _change_role(repo, person, role, grant=False)


def _change_role(repo: str | None, person: str, role: str, grant: bool) -> None:
    from gkctl.services import people as people_svc
    r = repository(repo)
    sha = people_svc.change_roles(r, person, role, grant=grant)
    key = "people.granted" if grant else "people.ungranted"
    console.print(t(key, person=person, role=people_svc.role_name(r.policy, role), commit=sha[:10]))


@people_app.command("list")
def people_list(fmt: FormatOpt = Format.text, repo: RepoOpt = None) -> None:
    """列出生效的人员名单。示例：gkctl people list --format json"""
    from gkctl.services import people as people_svc
    r = repository(repo)
    people = people_svc.list_people(r)
    if fmt == Format.json:
        print_json({"people": [{"id": p.id, "name": p.name, "section": p.section, "roles": list(p.roles),
                                "keys": list(p.keys), "active_until": p.active_until} for p in people]})  # fmt: skip
        return
    policy = people_svc.effective_policy(r)
    tb = table(t("workflow.status.col.id"), t("workflow.status.col.who"), t("workflow.people.col.section"),
               t("workflow.people.col.roles"), t("workflow.people.col.until"))  # fmt: skip
    tb.columns[0].no_wrap = tb.columns[1].no_wrap = True
    for p in people:
        roles = "、".join(people_svc.role_name(policy, role) for role in p.roles)
        tb.add_row(p.id, p.name, p.section, roles, p.active_until.isoformat() if p.active_until else "-")
    _wide().print(tb)


@people_app.command("revoke")
def people_revoke(
    person: Annotated[str, typer.Argument(help="人员编号")],
    when: Annotated[str, typer.Option("--date", help="最后有效日期 YYYY-MM-DD")],
    repo: RepoOpt = None,
) -> None:
    """停用人员的签名公钥（此日之后签名无效）。示例：gkctl people revoke lisi --date 2026-12-31"""
    from gkctl.services import people as people_svc
    until = _date(when, "--date")
    sha = people_svc.revoke_person(repository(repo), person, until)  # type: ignore[arg-type]
    console.print(t("workflow.people.revoked", person=person, date=when, commit=sha[:10]))


@people_app.command("export-allowed-signers")
def people_export(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件（默认标准输出）")] = None,
    repo: RepoOpt = None,
) -> None:
    """导出 git 的 allowed-signers 文件，供 git verify-commit / git log --show-signature 使用。

    示例：gkctl people export-allowed-signers -o .git/allowed_signers
          git config gpg.ssh.allowedSignersFile .git/allowed_signers
    """
    from gkctl.services import people as people_svc
    text, count = people_svc.export_allowed_signers(repository(repo))
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(t("workflow.people.exported", path=str(output), count=count))
