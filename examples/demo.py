"""The example bureau end to end: what `make demo` runs.

Builds a real gkctl repository from ``examples/bureau/``: throwaway ssh signing keys for every
person, ``gkctl init`` by the admin, ``gkctl people add`` for the others, documents committed by
their drafters, the whole review chain as signed commits (one rejection, one attribute
correction, a repeal and a withdrawal on the way), then status, verify, the public site and the
2025 annual report. Each step's git dates are set to when it would have happened, so the history
reads like a real year of work (publication on time, deadlines counted on the real calendar).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
BUREAU = HERE / "bureau"
REVIEWERS = {"办公室": "lisi", "财政审计科": "qianqi", "法规审理科": "lisi"}
SIGNER, OFFICE, PUBLISHER, REGISTRAR = "sunba", "zhoujiu", "wushi", "zhoujiu"
PROOFREADERS = ("lisi", "sunba", "zhaoliu", "zhangsan")
REPORT_DAY = date(2026, 1, 16)  # the annual report is drafted before the 31 January deadline
FORM = "政府信息公开申请表.docx"  # attached to each year's 公开指南 (制度第十二条第（一）项)
CORRECTED = "2025-czk-020"  # drafted as 主动公开 by mistake; the reviewer corrects it


class Demo:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = out / "bureau"
        self.keys = out / "keys"
        self.people = yaml.safe_load((BUREAU / "people.yaml").read_text(encoding="utf-8"))["people"]
        self.names = {p["id"]: p["name"] for p in self.people}
        self.when = date(2019, 1, 2)

    # --- plumbing ------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        stamp = f"{self.when.isoformat()}T10:00:00+08:00"
        return {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GKCTL_LANG": "zh"}

    def run(self, *args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(list(args), cwd=self.root if self.root.exists() else self.out, env=self.env(),
                              capture_output=True, text=True)  # fmt: skip
        if not quiet and proc.stdout.strip():
            print(proc.stdout.rstrip())
        if check and proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"失败：{' '.join(args)}（退出码 {proc.returncode}）")
        return proc

    def gkctl(self, *args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "gkctl", *args, check=check, quiet=quiet)

    def git(self, *args: str) -> str:
        return self.run("git", *args, quiet=True).stdout

    def act_as(self, person: str) -> None:
        """Sign the next commits with ``person``'s key (what that person's own machine would do)."""
        self.git("config", "user.signingkey", str(self.keys / person))
        self.git("config", "user.name", self.names[person])
        self.git("config", "user.email", f"{person}@qj-audit.example")

    def at(self, day: date) -> None:
        self.when = max(self.when, day)

    def say(self, text: str) -> None:
        print(f"\n== {self.when.isoformat()} {text}")

    # --- the story -------------------------------------------------------------------------

    def setup(self) -> None:
        if self.out.exists():
            shutil.rmtree(self.out)
        self.keys.mkdir(parents=True)
        for p in self.people:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", p["id"], "-f", str(self.keys / p["id"])],
                           check=True)  # fmt: skip
        bureau = yaml.safe_load((BUREAU / "bureau.yaml").read_text(encoding="utf-8"))
        self.root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "gpg.format", "ssh")
        self.act_as("admin")
        self.say("管理员建库（首个提交即信任根）")
        admin_key = (self.keys / "admin.pub").read_text().strip()
        self.gkctl("init", str(self.root), "--org", bureau["organisation"], "--code", bureau["code"], "--admin", "admin",
                   "--admin-name", self.names["admin"], "--admin-key", admin_key, "--site-url", bureau["site_url"])
        self.say("管理员登记受理机构的地址和电话（申请表表头、年报开头用）")
        config = yaml.safe_load((self.root / "gkctl.yaml").read_text(encoding="utf-8"))
        config["office"] = bureau["office"]
        (self.root / "gkctl.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.git("add", "--", "gkctl.yaml")
        self.git("commit", "-q", "-S", "-m", "登记政府信息公开受理机构的联系方式")
        self.say("管理员登记人员、角色和签名公钥")
        for p in self.people:
            if p["id"] == "admin":
                continue
            roles = [x for r in p["roles"] for x in ("--role", r)]
            key = (self.keys / f"{p['id']}.pub").read_text().strip()
            self.gkctl("people", "add", p["id"], "--name", p["name"], "--section", p["section"], *roles, "--key", key,
                       quiet=True)
        self.gkctl("people", "list")

    def documents(self) -> list[tuple[date, str, dict]]:
        found = []
        for path in sorted((BUREAU / "docs").rglob("*.md")):
            meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
            found.append((meta["formed"], path.relative_to(BUREAU).as_posix(), meta))
        return sorted(found, key=lambda x: (x[0], x[1]))

    def draft(self, rel: str, meta: dict) -> None:
        self.act_as(meta["drafter"])
        self.say(f"{self.names[meta['drafter']]} 拟稿：{meta['title']}")
        files = [rel] + [a["file"] for a in meta.get("attachments") or []]
        for f in files:
            if (self.root / f).exists() and f == rel:
                raise SystemExit(f"示例文件 {rel} 与仓库中已有文件重名")
            (self.root / f).parent.mkdir(parents=True, exist_ok=True)
            if f.endswith(FORM):  # the guide's 申请表 is the one gkctl generates
                self.gkctl("form", "application", "--out", str(self.root / f), quiet=True)
            else:
                shutil.copy2(BUREAU / f, self.root / f)
        self.git("add", "--", *files)
        self.git("commit", "-q", "-S", "-m", f"拟稿：{meta['title']}")

    def chain(self, doc_id: str, meta: dict, start: date) -> None:
        """审稿 → 签发 → 办公室复核与保密审查 → (区政府办公室审核) → 三校 → 发布, a few working days apart."""
        day = start
        steps = [("review", REVIEWERS[meta["section"]], "公开属性准确，同意。"),
                 ("sign", SIGNER, "同意发布。"),
                 ("check", OFFICE, "已复核公开属性并完成保密审查，未发现涉密和个人隐私信息。")]
        if meta["category"] in ("审计结果公告", "审计查出问题整改情况"):
            steps.append(("external", OFFICE, "区政府办公室审核通过。"))
        readers = [p for p in PROOFREADERS if p != meta["drafter"]][:3]
        steps += [("proofread", r, f"第{i + 1}校无误。") for i, r in enumerate(readers)]
        for step, who, msg in steps:
            day += timedelta(days=1)
            self.at(day)
            self.act_as(who)
            extra = ["--reference", f"綦府办审〔{day.year}〕{doc_id[-3:]}号"] if step == "external" else []
            self.gkctl(step, doc_id, "--approve", "-m", msg, *extra, quiet=True)
        self.at(day + timedelta(days=1))
        self.act_as(PUBLISHER)
        self.gkctl("publish", doc_id, quiet=False)

    def story(self) -> None:
        docs = self.documents()
        registered = False
        for formed, rel, meta in docs:
            if not registered and formed > REPORT_DAY:
                self.registers()
                self.annual_report()
                registered = True
            self.at(formed)
            self.draft(rel, meta)
            if meta["id"] == CORRECTED:
                self.correct(meta)
                continue
            if meta["attribute"] != "主动公开":
                continue
            if meta["id"] == "2025-bgs-033":
                # A rejection and a re-review: the reviewer asks for a fix; the drafter edits.
                self.at(formed + timedelta(days=1))
                self.act_as(REVIEWERS[meta["section"]])
                self.say("审稿退回：要求补充培训人数")
                self.gkctl("review", meta["id"], "--reject", "-m", "请补充参训人数。", quiet=True)
                self.act_as(meta["drafter"])
                path = self.root / rel
                path.write_text(path.read_text(encoding="utf-8").rstrip() + "\n\n全局共 46 名干部参加培训。\n",
                                encoding="utf-8")
                self.git("commit", "-q", "-S", "-am", "补充参训人数")
            self.chain(meta["id"], meta, self.when)
        # 规范性文件 of 2019 repealed in 2025 (制度第十三条).
        self.at(date(2025, 12, 10))
        self.act_as(PUBLISHER)
        self.say("废止 2019 年的审计现场管理办法（制度第十三条）")
        self.gkctl("repeal", "2019-fgk-003", "--date", "2025-12-10", "--reason", "已被《审计现场管理规定（2025年修订）》替代。")
        # A work item withdrawn with a public explanation.
        self.at(date(2026, 7, 1))
        self.say("撤回一条工作信息（附公开说明）")
        self.gkctl("withdraw", "2026-bgs-011", "--reason", "活动信息有误，更正后重新发布。")

    def correct(self, meta: dict) -> None:
        """A 依申请公开 report drafted as 主动公开 by mistake is corrected at review (制度第八条)."""
        self.at(meta["formed"] + timedelta(days=2))
        self.act_as(REVIEWERS[meta["section"]])
        self.say("审稿人更正公开属性（制度第八条）")
        self.gkctl("review", meta["id"], "--set-attribute", "依申请公开", "--reason", "过程性信息",
                   "-m", "工作方案属于过程性信息，应依申请公开。", quiet=True)

    def annual_report(self) -> None:
        """The 2025 annual report becomes a document and goes through the chain (条例第四十九条：1月31日前)."""
        self.act_as("zhangsan")
        self.say("办公室起草 2025 年度政府信息公开工作年度报告并走审核发布流程")
        rel = self.gkctl("report", "annual", "--year", "2025", "--as-document", quiet=True).stdout.strip().splitlines()[-1]
        meta = yaml.safe_load((self.root / rel).read_text(encoding="utf-8").split("---")[1])
        self.git("add", "--", rel)
        self.git("commit", "-q", "-S", "-m", f"拟稿：{meta['title']}")
        self.chain(meta["id"], meta, self.when)

    def registers(self) -> None:
        """The applications desk's register and the appeals, committed by the registrar."""
        self.at(REPORT_DAY)
        self.act_as(REGISTRAR)
        self.say("登记依申请公开和行政复议、诉讼案件")
        files = []
        for folder in ("applications", "appeals", "reports"):
            src = BUREAU / folder
            if src.is_dir():
                shutil.copytree(src, self.root / folder, dirs_exist_ok=True)
                files.append(folder)
        if files:
            self.git("add", "--", *files)
            self.git("commit", "-q", "-S", "-m", "登记2024—2025年依申请公开申请、复议诉讼案件和年报素材")

    def finish(self) -> None:
        self.when = date.today()
        self.say("检查、状态、核验")
        self.gkctl("validate", check=False)
        self.gkctl("status")
        self.gkctl("verify")
        self.say("审计 2025 年（制度第十二、二十二、二十四条）")
        self.gkctl("audit", "--year", "2025")
        self.say("生成公开网站")
        site = self.out / "site"
        self.gkctl("build", "--out", str(site))
        self.say("生成 2025 年度政府信息公开工作年度报告")
        formats = ["html", "md", "docx"] + (["pdf"] if shutil.which("soffice") or shutil.which("chromium") else [])
        for fmt in formats:
            self.gkctl("report", "annual", "--year", "2025", "--format", fmt, "--out", str(self.out / f"report-2025.{fmt}"),
                       quiet=True)
        print(f"\n完成。仓库：{self.root}\n网站：{site / 'index.html'}（或运行 gkctl -C {self.root} serve --out {site}）"
              f"\n年报：{self.out / 'report-2025.html'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-run", help="where to build (deleted first)")
    args = parser.parse_args()
    demo = Demo(Path(args.out).resolve())
    demo.setup()
    demo.story()
    demo.finish()


if __name__ == "__main__":
    main()
