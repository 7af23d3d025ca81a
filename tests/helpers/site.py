"""Site tests: documents committed to a real git repository, rendered from their blobs.

The renderer takes plain ``SiteInput`` dataclasses; these helpers make them from git objects
(``git cat-file --batch``), the way ``collect`` does, without needing the publish chain.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from gkctl.site.collect import blob_sizes, cat_batch, render_blob
from gkctl.site.model import Body, Column, SiteAttachment, SiteDocument, SiteInput, SiteOrg, safe_attachment_name
from gkctl.site.output import Staging
from gkctl.site.render import RenderStats, TemplateSet, load_templates, render_site

CODE = "11500000MB1B37366Q"
ORG = SiteOrg("重庆市綦江区审计局", CODE, "綦江区审计局政府信息公开", "https://sjj.example.gov.cn/")
COLUMNS = (
    Column("zfxxgkzn", "政府信息公开指南"),
    Column("fdzdgknr", "法定主动公开内容"),
    Column("lzyj", "履职依据", "fdzdgknr"),
    Column("xzgfxwj", "行政规范性文件", "lzyj"),
    Column("sjxx", "审计信息", "fdzdgknr"),
    Column("gzxx", "工作信息"),
    Column("ysqgk", "依申请公开", None, "公民、法人或者其他组织可以向本机关申请获取政府信息。"),
)
BUILD_TIME = datetime(2026, 11, 20, 17, 30, tzinfo=timezone(timedelta(hours=8)))


def git_repo(root: Path, files: dict[str, str | bytes], message: str = "content") -> str:
    """Write ``files`` into the repository ``root`` (created if needed) and commit; returns the id."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith("GIT_CONFIG")}
    env |= {"GIT_AUTHOR_DATE": "2026-11-20T17:30:00+08:00", "GIT_COMMITTER_DATE": "2026-11-20T17:30:00+08:00"}
    if not (root / ".git").exists():
        root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True, env=env)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "add", "--", *files], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "--no-gpg-sign", "-m", message], check=True, env=env)
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, env=env, capture_output=True, text=True
    ).stdout.strip()


def document_text(title: str, body: str, *, category: str = "审计结果公告", formed: str = "2026-03-02",
                  doc_number: str = "", attachments: list[tuple[str, str]] | None = None) -> str:  # fmt: skip
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", "kind: 公文", f"category: {category}",
             f"formed: {formed}", "attribute: 主动公开", "basis: [公民切身利益]", "secrecy: 非密"]  # fmt: skip
    if doc_number:
        lines.append(f"doc_number: {doc_number}")
    if attachments:
        lines.append("attachments:")
        lines += [f"  - {{file: {f}, title: {t}}}" for f, t in attachments]
    return "\n".join([*lines, "---", body])


def doc_from_git(
    root: Path, commit: str, path: str, *, doc_id: str, serial: int, column: str = "sjxx",
    published: date = date(2026, 3, 10), validity: str = "有效", notice: str = "", notice_date: date | None = None,
) -> SiteDocument:  # fmt: skip
    """A ``SiteDocument`` from the blob at ``commit:path``, as ``collect`` would make it."""
    got = cat_batch(root, [f"{commit}:{path}"])[0]
    assert got is not None, path
    rendered = render_blob(got[1], path)
    meta = json.loads(rendered.meta)
    files = meta["attachments"]
    sizes = blob_sizes(root, [f"{commit}:{f}" for f, _ in files])
    atts = tuple(
        SiteAttachment(t, safe_attachment_name(f, f"attachment-{i}"), s[0], s[1])
        for i, ((f, t), s) in enumerate(zip(files, sizes, strict=True), start=1)
        if s is not None
    )
    withdrawn = validity == "撤回"
    return SiteDocument(
        doc_id=doc_id, index_number=f"{CODE}/{published.year}-{serial:05d}",
        title="" if withdrawn else meta["title"], doc_number=meta["doc_number"], category=meta["category"],
        column=column, genre="公告公示", topic="审计", publisher=ORG.name, validity=validity,
        formed=date.fromisoformat(meta["formed"]) if meta["formed"] else None, published_at=published,
        body=Body("" if withdrawn else rendered.html, rendered.text), summary=meta["summary"],
        attachments=() if withdrawn else atts, notice=notice, notice_date=notice_date,
    )  # fmt: skip


def site_input(docs: list[SiteDocument], build_time: datetime = BUILD_TIME, **kw: object) -> SiteInput:
    return SiteInput(ORG, COLUMNS, tuple(docs), build_time, rev="0" * 40, **kw)  # type: ignore[arg-type]


def fetcher(root: Path):
    def fetch_many(ids: list[str]) -> dict[str, bytes]:
        return {got[0]: got[1] for got in cat_batch(root, ids) if got is not None}

    return fetch_many


def build(site: SiteInput, out: Path, root: Path, templates: TemplateSet | None = None,
          cache_dir: Path | None = None) -> RenderStats:  # fmt: skip
    staging = Staging(out)
    staging.open()
    try:
        stats = render_site(site, templates or load_templates(), staging, fetcher(root), cache_dir=cache_dir)
        staging.commit()
    finally:
        staging.close()
    return stats


def all_files(out: Path) -> dict[str, bytes]:
    base = out.resolve()
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}
