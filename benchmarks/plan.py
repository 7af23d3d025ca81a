"""The benchmark corpus as a plan: every commit (time, signer, message, files) in order.

Each document and application is given its own timeline (formed → committed by the drafter →
review → sign → check → [external] → three proofreads → publish, with some rejections,
stalled drafts, withdrawals and repeals); the timelines are then merged by time into one
linear history, the way a bureau's ``main`` reads after everyone has synced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from hashlib import sha1

import corpus_text as ct

from gkctl.core.resources import data_dir
from gkctl.core.yamlio import dump_yaml
from gkctl.register.model import RESULT_SUBITEMS

BEIJING = timezone(timedelta(hours=8))
START = date(2021, 1, 4)
CODE = "11500000MB1B37366Q"
ORG = "重庆市綦江区审计局"
PDF = b"%PDF-1.4\n% gkctl benchmark placeholder attachment\n%%EOF\n"
LABELS = {"review": "审稿", "sign": "签发", "check": "办公室复核与保密审查", "external": "区政府办公室审核",
          "proofread": "校对", "publish": "发布", "withdraw": "撤回", "repeal": "废止"}  # fmt: skip
# (category, kind, weight, attribute weights 主动/依申请/不予)
MIX = (
    ("工作信息", "非公文", 12, (100, 0, 0)),
    ("会议", "非公文", 8, (25, 10, 65)),
    ("领导活动", "非公文", 5, (100, 0, 0)),
    ("审计结果公告", "公文", 9, (100, 0, 0)),
    ("审计查出问题整改情况", "公文", 4, (100, 0, 0)),
    ("规范性文件", "公文", 3, (100, 0, 0)),
    ("本机关政策文件", "公文", 6, (80, 20, 0)),
    ("其他文件", "公文", 14, (25, 45, 30)),
    ("内部事务", "公文", 38, (0, 25, 75)),
    ("预算决算", "公文", 2, (100, 0, 0)),
    ("机构职能", "非公文", 1, (100, 0, 0)),
)
PREFIX = {"规范性文件": "綦审规", "审计结果公告": "綦审公", "审计查出问题整改情况": "綦审公", "内部事务": "綦审办"}
EXTERNAL = ("审计结果公告", "审计查出问题整改情况")


@dataclass(slots=True)
class Commit:
    time: int
    signer: str
    message: str
    files: list[tuple[str, bytes]] = field(default_factory=list)
    index_year: int = 0  # publish commits: 索引号 filled in once the history is in order


@dataclass
class Plan:
    people: dict[str, dict]
    commits: list[Commit]
    documents: int = 0
    applications: int = 0
    published: int = 0


def blob_id(data: bytes) -> str:
    return sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _ts(day: date, rng: random.Random, lo: float = 8.5, hi: float = 17.5) -> int:
    start = datetime.combine(day, time(0), BEIJING)
    return int(start.timestamp() + rng.uniform(lo, hi) * 3600)


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _front(meta: list[tuple[str, object]]) -> str:
    lines = ["---"]
    for key, value in meta:
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                if isinstance(item, dict):
                    lines.append("- {" + ", ".join(f"{k}: {v}" for k, v in item.items()) + "}")
                else:
                    lines.append(f"- {item}")
        else:
            lines.append(f"{key}: {value}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _initial_files(people: list[dict]) -> tuple[list[tuple[str, bytes]], bytes]:
    """The root commit (config, default policies, admin only) and the full people.yaml."""
    sections = [{"name": n, "code": c} for n, c in (("办公室", "bgs"), ("法规审理科", "fgk"), ("财政审计科", "czk"),
                                                   ("经济责任审计科", "jzk"), ("审计中心", "sjzx"))]  # fmt: skip
    config = {"organisation": {"name": ORG, "code": CODE}, "index_pattern": "{code}/{year}-{serial:05d}",
              "site": {"title": f"{ORG} 政府信息公开", "url": "https://www.cqqj.gov.cn/bm/qsjj/"},
              "sections": sections, "protected_branches": ["main"]}  # fmt: skip
    files = [("gkctl.yaml", dump_yaml(config).encode()), (".gitignore", b"/_site/\n/_site.*\n*.tmp\n")]
    pol = data_dir("policies")
    header = (pol / "people.yaml").read_text(encoding="utf-8").split("people:")[0]

    def people_yaml(items: list[dict]) -> bytes:
        rows = [{"id": p["id"], "name": p["name"], "section": p["section"], "roles": p["roles"], "keys": [p["key"]]}
                for p in items]  # fmt: skip
        return (header + dump_yaml({"people": rows})).encode()

    for path in sorted(pol.iterdir()):
        if path.suffix == ".yaml":
            data = people_yaml(people[:1]) if path.name == "people.yaml" else path.read_bytes()
            files.append((f"policies/{path.name}", data))
    files += [(f"{d}/.gitkeep", b"") for d in ("docs", "attachments", "applications", "appeals", "reports")]
    return files, people_yaml(people)


def _step_message(step: str, title: str, doc_id: str, path: str, blob: str, extra: list[tuple[str, str]],
                  body: str, verdict: str | None = "approve") -> str:  # fmt: skip
    if step in ("withdraw", "repeal", "publish"):
        subject = f"{LABELS[step]}：{title}"
    else:
        subject = f"{LABELS[step]}{'通过' if verdict == 'approve' else '退回'}：{title}"
    trailers = [("Gkctl-Step", step), ("Gkctl-Document", doc_id), ("Gkctl-Path", path), ("Gkctl-Blob", blob)]
    if verdict:
        trailers.append(("Gkctl-Verdict", verdict))
    trailers += extra
    return f"{subject}\n\n{body}\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers) + "\n"


class _Builder:
    def __init__(self, rng: random.Random, people: list[dict], end: datetime) -> None:
        self.rng = rng
        self.people = people
        self.end = int(end.timestamp())
        self.events: list[tuple[int, int, Commit]] = []
        self.seq = 0
        self.by_section: dict[str, list[dict]] = {}
        for p in people:
            self.by_section.setdefault(p["section"], []).append(p)
        self.proofreaders = [p["id"] for p in people if "proofreader" in p["roles"]]
        self.signers = [p["id"] for p in people if "signer" in p["roles"]]
        self.office = [p["id"] for p in people if "office" in p["roles"]]
        self.registrars = [p["id"] for p in people if "registrar" in p["roles"]]
        self.counters: dict[tuple, int] = {}
        self.recent: list[str] = []
        self.documents = self.published = self.applications = 0

    def add(self, commit: Commit) -> bool:
        if commit.time > self.end:
            return False
        self.seq += 1
        self.events.append((commit.time, self.seq, commit))
        return True

    def next(self, key: tuple) -> int:
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    # -- documents ------------------------------------------------------------------------
    def document(self, formed: date, category: str, kind: str, attribute: str, drafter: dict) -> None:
        rng = self.rng
        section = drafter["section"]
        code = {"办公室": "bgs", "法规审理科": "fgk", "财政审计科": "czk", "经济责任审计科": "jzk", "审计中心": "sjzx"}[section]
        year = formed.year
        doc_id = f"{year}-{code}-{self.next(('id', year, code)):03d}"
        path = f"docs/{year}/{doc_id}.md"
        title = ct.title_for(rng, category, year) if category != "政府信息公开指南" else f"{ORG}{year}年政府信息公开指南"
        if category == "政府信息公开年报":
            title = f"{ORG}{year - 1}年政府信息公开工作年度报告"
        number = None
        if kind == "公文":
            prefix = PREFIX.get(category, "綦审发")
            number = f"{prefix}〔{year}〕{self.next(('no', year, prefix))}号"
        basis = reason = None
        if attribute == "主动公开":
            basis = rng.sample(("公民切身利益", "社会广泛知晓", "机构职能程序", "法定公开"), rng.choice((1, 1, 2)))
        elif attribute == "不予公开" or rng.random() < 0.5:
            reason = rng.choice(("内部事务信息", "过程性信息", "第三方合法权益", "行政执法案卷"))
        secret = attribute == "不予公开" and rng.random() < 0.03
        attachments = None
        files: list[tuple[str, bytes]] = []
        if category == "政府信息公开指南":
            att = f"attachments/{year}/政府信息公开申请表.pdf"
            attachments = [{"file": att, "title": "政府信息公开申请表"}]
            files.append((att, PDF))
        links = [f"../{self.recent[-1].split('/')[1]}/{self.recent[-1].split('/')[2]}" if self.recent else "../",
                 "https://www.audit.gov.cn/", "https://flk.npc.gov.cn/"]  # fmt: skip
        self.recent = ([*self.recent, path])[-50:]
        meta = [("id", doc_id), ("title", title), ("kind", kind), ("category", category), ("doc_number", number),
                ("section", section), ("drafter", drafter["id"]), ("formed", formed.isoformat()),
                ("attribute", attribute), ("basis", basis), ("reason", reason),
                ("secrecy", "秘密" if secret else "非密"), ("secrecy_period", "10年" if secret else None),
                ("attachments", attachments), ("summary", f"{title}。")]  # fmt: skip
        text = _front(meta) + ct.body(rng, title, year, links)
        data = text.encode()
        blob = blob_id(data)
        t = _ts(formed + timedelta(days=rng.choice((0, 0, 1, 2))), rng)
        if not self.add(Commit(t, drafter["id"], f"拟稿：{title}\n", [(path, data), *files])):
            return
        self.documents += 1
        reviewer = f"{code}01"
        gap = lambda: int(rng.uniform(0.3, 26) * 3600)  # noqa: E731

        def step(step: str, who: str, verdict: str | None = "approve", extra: list | None = None, body: str = "") -> bool:
            nonlocal t
            t += gap()
            opinion = body or f"意见：{rng.choice(ct.OPINIONS[step])}"
            msg = _step_message(step, title, doc_id, path, blob, extra or [], opinion, verdict)
            return self.add(Commit(t, who, msg))

        if rng.random() < 0.04:  # rejected once, revised by the drafter
            if not step("review", reviewer, "reject", body="意见：请按意见修改后再报。"):
                return
            data = data.replace("相关链接：".encode(), "（已按审稿意见修改。）\n\n相关链接：".encode())
            blob = blob_id(data)
            t += gap()
            if not self.add(Commit(t, drafter["id"], f"修改：{title}\n\n按审稿意见修改。\n", [(path, data)])):
                return
        public = attribute == "主动公开"
        chain = ["review", "sign"]  # a decision not to publish is reviewed and signed off
        if public:  # what goes on the site is also checked, cleared and proofread three times
            chain += ["check"] + (["external"] if category in EXTERNAL else []) + ["proofread"] * 3
        stall = rng.random() < 0.05
        cut = rng.randrange(len(chain)) if stall else len(chain)
        signer = rng.choice(self.signers)
        checker = rng.choice(self.office)
        readers = rng.sample([p for p in self.proofreaders if p != drafter["id"]], 3)
        for i, name in enumerate(chain[:cut]):
            who = {"review": reviewer, "sign": signer, "check": checker,
                   "external": next(o for o in self.office if o != checker)}.get(name) or readers.pop()  # fmt: skip
            extra = [("Gkctl-Reference", f"綦府办审〔{year}〕{rng.randint(1, 400)}号")] if name == "external" else []
            if not step(name, who, extra=extra):
                return
            _ = i
        if stall or not public:
            return
        t += gap()
        pub = Commit(t, "wushi", "", index_year=0)
        pub.message = _step_message("publish", title, doc_id, path, blob, [], "", None)  # index filled later
        if not self.add(pub):
            return
        self.published += 1
        if category == "规范性文件" and rng.random() < 0.2:
            end_step, reason_text = "repeal", "因上位法修订，本文件自即日起废止。"
            t += int(rng.uniform(200, 900) * 86400)
        elif rng.random() < 0.005:
            end_step, reason_text = "withdraw", "因内容有误，撤回此件，更正后另行发布。"
            t += int(rng.uniform(1, 60) * 86400)
        else:
            return
        when = datetime.fromtimestamp(t, BEIJING).date().isoformat()
        msg = _step_message(end_step, title, doc_id, path, blob, [("Gkctl-Date", when)], reason_text, None)
        self.add(Commit(t, "wushi", msg))

    # -- applications ------------------------------------------------------------------------
    def application(self, received: date) -> None:
        rng = self.rng
        year = received.year
        app_id = f"{year}-{self.next(('app', year)):03d}"
        path = f"applications/{year}/{app_id}.yaml"
        applicant, request = ct.application(rng, year)
        channel = rng.choices(("网络", "当面", "邮寄", "传真", "其他"), (60, 20, 15, 3, 2))[0]
        head = [f"# {'依申请公开登记（由 gkctl apply 维护；日期为条例第三十一条确定的日期）'}", f"id: {app_id}",
                f"received: {received.isoformat()}", f"channel: {channel}",
                f"applicant: {{type: {applicant['type']}, name: {applicant['name']}}}", f"request: {request}"]  # fmt: skip
        registrar = rng.choice(self.registrars)
        self.applications += 1

        def app_commit(when: int, subject: str, body: str, lines: list[str]) -> bool:
            data = ("\n".join(lines) + "\n").encode()
            msg = f"{subject}\n\n{body}\n\nGkctl-Step: apply\nGkctl-Application: {app_id}\n"
            return self.add(Commit(when, registrar, msg, [(path, data)]))

        if not app_commit(_ts(received, rng), f"依申请公开：登记申请 {app_id}",
                          f"{received.isoformat()} 经{channel}收到，申请人类型：{applicant['type']}。", head):  # fmt: skip
            return
        events: list[str] = []
        replied = received + timedelta(days=rng.randint(3, 16))
        if rng.random() < 0.2:
            notice = received + timedelta(days=2)
            events = ["events:", f"  - {{type: 补正告知, date: {notice.isoformat()}}}"]
            if not app_commit(_ts(notice, rng), f"依申请公开：{app_id} 补正告知", f"日期：{notice.isoformat()}。",
                              head + events):  # fmt: skip
                return
            got = notice + timedelta(days=rng.randint(1, 5))
            events.append(f"  - {{type: 补正收到, date: {got.isoformat()}}}")
            replied = got + timedelta(days=rng.randint(3, 14))
        result = rng.choices(("予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"),
                             (45, 15, 10, 20, 7, 3))[0]  # fmt: skip
        subs = RESULT_SUBITEMS.get(result, ())
        tail = [f"result: {result}"]
        if subs:
            pick = {"不予公开": subs[3:7], "无法提供": subs[:2], "其他处理": subs[-1:]}.get(result, subs[:3])
            tail.append(f"result_reason: {rng.choice(pick)}")
        tail += [f"replied: {replied.isoformat()}", "fee: 0"]
        app_commit(_ts(replied, rng, 14, 17.5), f"依申请公开：答复 {app_id}，{result}", f"答复日期：{replied.isoformat()}。",
                   head + events + tail)  # fmt: skip


def build_plan(rng: random.Random, people: list[dict], docs: int, apps: int, end: datetime) -> Plan:
    root_files, full_people = _initial_files(people)
    t0 = int(datetime.combine(START, time(9), BEIJING).timestamp())
    commits = [Commit(t0, people[0]["id"], f"初始化{ORG}政务信息公开仓库\n\n此提交为信任根：规则与管理员公钥自此生效。\n", root_files),
               Commit(t0 + 1800, people[0]["id"], f"人员变更：新增 {len(people) - 1} 人\n\nGkctl-Step: people\n",
                      [("policies/people.yaml", full_people)])]  # fmt: skip
    b = _Builder(rng, people, end)
    drafters = [p for p in people if "drafter" in p["roles"]]
    office_drafters = [p for p in drafters if p["section"] == "办公室"]
    last_day = (end - timedelta(days=1)).date()
    years = range(START.year, last_day.year + 1)
    yearly = 0
    for y in years:  # the yearly guide (with the application form) and the annual report
        b.document(_workday(date(y, 1, 6)), "政府信息公开指南", "非公文", "主动公开", rng.choice(office_drafters))
        yearly += 1
        if y > START.year and yearly < docs:
            b.document(_workday(date(y, 1, 15)), "政府信息公开年报", "非公文", "主动公开", rng.choice(office_drafters))
            yearly += 1
    span = (last_day - START).days
    weights = [w for _, _, w, _ in MIX]
    for _ in range(max(0, docs - yearly)):
        category, kind, _, attrs = rng.choices(MIX, weights)[0]
        attribute = rng.choices(("主动公开", "依申请公开", "不予公开"), attrs)[0]
        formed = _workday(START + timedelta(days=rng.randrange(1, span)))
        b.document(min(formed, last_day), category, kind, attribute, rng.choice(drafters))
    for _ in range(apps):
        b.application(_workday(START + timedelta(days=rng.randrange(3, span))))
    b.events.sort(key=lambda e: (e[0], e[1]))
    serials: dict[int, int] = {}
    for _, _, c in b.events:
        if c.message.startswith("发布："):
            day = datetime.fromtimestamp(c.time, BEIJING).date()
            serials[day.year] = serials.get(day.year, 0) + 1
            index = f"{CODE}/{day.year}-{serials[day.year]:05d}"
            subject, rest = c.message.split("\n\n", 1)
            c.message = (f"{subject}\n\n索引号：{index}\n\n" + rest.strip("\n")
                         + f"\nGkctl-Index: {index}\nGkctl-Published: {day.isoformat()}\n")  # fmt: skip
    commits += [c for _, _, c in b.events]
    return Plan({p["id"]: p for p in people}, commits, b.documents, b.applications, b.published)
