"""The site renderer, sanitiser and output machinery, on documents read from real git blobs."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import markupsafe
import pytest

from gkctl.core.errors import InputError, RuleError
from gkctl.site import search
from gkctl.site.cache import BodyCache, Rendered
from gkctl.site.model import safe_attachment_name, safe_file_name, safe_slug
from gkctl.site.output import Staging, check_rel_path
from gkctl.site.render import _env, _escape, load_templates, render_site
from gkctl.trail.cache import load_marshal
from helpers.site import BUILD_TIME, all_files, build, doc_from_git, document_text, fetcher, git_repo, site_input

EVIL = """# 标题

正文第一段。<script>alert('pwned-script')</script>

[点我](javascript:alert('pwned-link')) 和 <a href="JaVaScRiPt:alert('pwned-a')">另一个</a>

<img src="x.png" onerror="alert('pwned-img')">
<div onclick="alert('pwned-div')" style="position:fixed">原始HTML</div>
<iframe src="https://evil.example/"></iframe>
<svg onload="alert('pwned-svg')"><circle r="5"/></svg>
<style>body{display:none}</style>
<form action="https://evil.example/"><input name="p"></form>

| 项目 | 金额 |
| --- | --- |
| 审计 | 100 |

脚注示例[^1]

[^1]: 注释内容。
"""


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, str]:
    """A repository with several documents and an attachment, committed once."""
    root = tmp_path / "content"
    files: dict[str, str | bytes] = {
        "docs/2026/guide.md": document_text("綦江区审计局政府信息公开指南", "# 指南\n\n本指南说明申请方式。",
                                            category="政府信息公开指南",
                                            attachments=[("attachments/2026/申请表.docx", "政府信息公开申请表")]),
        "attachments/2026/申请表.docx": b"PK fake docx",
        "docs/2026/evil.md": document_text("含有恶意代码的文件", EVIL),
        "docs/2026/rule.md": document_text(
            "关于印发审计工作规则的通知", "## 第一条\n\n为规范审计项目管理，制定本规则。", category="规范性文件",
            doc_number="綦审发〔2026〕3号", attachments=[("attachments/2026/规则附表.pdf", "审计工作规则附表")],
        ),
        "docs/2026/gone.md": document_text("已撤回文件标题WITHDRAWNTITLE", "撤回正文WITHDRAWNBODY"),
        "attachments/2026/规则附表.pdf": b"%PDF-1.4 fake attachment bytes\n",
    }  # fmt: skip
    for i in range(25):
        files[f"docs/2026/audit-{i:02d}.md"] = document_text(
            f"2026年第{i + 1}号审计结果公告", f"对区水务局开展预算执行审计，发现问题{i}项。"
        )
    commit = git_repo(root, files)
    return root, commit


def _docs(root: Path, commit: str) -> list:
    docs = [
        doc_from_git(root, commit, "docs/2026/guide.md", doc_id="2026-bgs-001", serial=1, column="zfxxgkzn",
                     published=date(2026, 1, 5)),
        doc_from_git(root, commit, "docs/2026/evil.md", doc_id="2026-bgs-002", serial=2, column="gzxx"),
        doc_from_git(root, commit, "docs/2026/rule.md", doc_id="2026-bgs-003", serial=3, column="xzgfxwj",
                     published=date(2026, 2, 1), validity="废止", notice="因上位法修订，本规则废止。",
                     notice_date=date(2026, 9, 1)),
        doc_from_git(root, commit, "docs/2026/gone.md", doc_id="2026-bgs-004", serial=4, column="sjxx",
                     validity="撤回", notice="因内容有误，现予撤回。", notice_date=date(2026, 4, 1)),
    ]  # fmt: skip
    for i in range(25):
        docs.append(doc_from_git(root, commit, f"docs/2026/audit-{i:02d}.md", doc_id=f"2026-sj-{i:03d}",
                                 serial=10 + i, published=date(2025 + i % 2, 1 + i % 12, 1 + i)))  # fmt: skip
    return docs


@pytest.fixture
def built(tmp_path: Path, corpus: tuple[Path, str]) -> tuple[Path, dict[str, bytes]]:
    root, commit = corpus
    out = tmp_path / "site"
    build(site_input(_docs(root, commit)), out, root)
    return out, all_files(out)


def text_of(files: dict[str, bytes], rel: str) -> str:
    return files[rel].decode("utf-8")


def test_script_links_handlers_and_raw_html_are_not_active_in_any_page(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    page = text_of(files, "doc/2026/2026-bgs-002.html")
    assert "正文第一段" in page and "原始HTML" in page  # the harmless text survives
    assert "<table>" in page and 'href="#fn:1"' in page  # tables and footnotes render
    body = page[page.index('<section class="body"') : page.index("</section>", page.index('<section class="body"'))]
    assert not re.search(r"<(form|input|div onclick|img[^>]*onerror)", body)
    for rel, data in files.items():
        if not rel.endswith((".html", ".xml", ".js", ".json", ".csv")) or rel.startswith("static/"):
            continue
        text = data.decode("utf-8-sig")
        for payload in ("pwned-script", "pwned-img", "pwned-div", "pwned-svg", "pwned-a"):
            assert payload not in text, (rel, payload)  # removed with the script / attribute that held it
        assert not re.search(r"javascript:", text, re.I), rel
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", text, re.I), rel  # no event-handler attributes
        assert "evil.example" not in text, rel
        assert not re.search(r"<(iframe|svg|style|object|embed)\b", text, re.I), rel
        for form in re.findall(r"<form\b[^>]*>", text):  # only the site's own search and filter forms
            assert re.search(r'action="((/([^"/]*/)*|(\.\./)*)search\.html|index\.html)"', form), (rel, form)
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):  # only our own scripts, from our own folders
            assert re.fullmatch(r'<script src="(/|(\.\./)*)(static|search)/[a-z0-9]+\.js">', tag), (rel, tag)


def test_document_page_has_the_chongqing_index_block(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    page = text_of(files, "doc/2026/2026-bgs-003.html")
    cells = dict(re.findall(r'<dt>([^<]+)</dt><dd>(?:<span class="[a-z]+">)?([^<]*)', page))
    assert cells == {
        "索引号": "11500000MB1B37366Q/2026-00003",
        "发文字号": "綦审发〔2026〕3号",
        "主题分类": "审计",
        "体裁分类": "公告公示",
        "发布机构": "重庆市綦江区审计局",
        "有效性": "废止",
        "成文日期": "2026-03-02",
        "发布日期": "2026-02-01",
    }
    assert 'lang="zh-CN"' in page and '<main id="main"' in page and "已废止" in page
    assert "script-src 'self'" in page  # no inline script runs even if something slipped past the sanitiser
    assert "因上位法修订，本规则废止。" in page and "本文件自 2026-09-01 起废止" in page
    assert 'href="../../files/2026-bgs-003/%E8%A7%84%E5%88%99%E9%99%84%E8%A1%A8.pdf">审计工作规则附表</a>' in page
    assert files["files/2026-bgs-003/规则附表.pdf"] == b"%PDF-1.4 fake attachment bytes\n"
    # headings in order: one h1 (the title), body headings demoted below it
    assert page.count("<h1") == 1 and '<h3 id="第一条">第一条</h3>' in page


def test_withdrawn_document_becomes_a_notice_listed_only_with_the_notices(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    notice = text_of(files, "doc/2026/2026-bgs-004.html")
    assert "信息已撤回" in notice and "因内容有误，现予撤回。" in notice and "11500000MB1B37366Q/2026-00004" in notice
    for rel, data in files.items():
        assert b"WITHDRAWN" not in data, rel
    catalogue = text_of(files, "xxgkml/index.html")
    assert "2026-bgs-004" not in catalogue and "2026-bgs-004" not in text_of(files, "col/sjxx/index.html")
    # the notice is findable: the 撤回和废止信息 page, the sitemap and the feed name it, with date and reason
    notices = text_of(files, "notices/index.html")
    row = notices[notices.index("doc/2026/2026-bgs-004.html") :]
    assert "11500000MB1B37366Q/2026-00004" in row and "因内容有误，现予撤回。" in row and "2026-04-01" in row
    assert "关于印发审计工作规则的通知" in notices and "因上位法修订，本规则废止。" in notices  # the repealed one too
    assert "doc/2026/2026-bgs-004.html" in text_of(files, "sitemap.xml")
    assert "信息已撤回（索引号 11500000MB1B37366Q/2026-00004）" in text_of(files, "feed.xml")
    manifest = json.loads(files["manifest.json"])
    gone = [i for i in manifest["items"] if i["page"] == "doc/2026/2026-bgs-004.html"]
    assert gone == [{"attachments": [], "column": "", "doc_number": "", "index_number": "11500000MB1B37366Q/2026-00004",
                     "page": "doc/2026/2026-bgs-004.html", "published": "2026-03-10", "title": "", "validity": "撤回"}]  # fmt: skip


def test_repealed_normative_document_stays_listed_as_repealed(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    column = text_of(files, "col/xzgfxwj/index.html")
    assert "关于印发审计工作规则的通知" in column and "已废止" in column
    assert "关于印发审计工作规则的通知" in text_of(files, "col/lzyj/index.html")  # parent columns list the subtree
    assert "已废止" in text_of(files, "xxgkml/index.html")


def test_column_pages_are_paginated_and_link_each_other(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    first, second = text_of(files, "col/sjxx/index.html"), text_of(files, "col/sjxx/page-2.html")
    assert "第 1 页 / 共 2 页" in first and 'href="../../col/sjxx/page-2.html" rel="next"' in first
    assert 'href="../../col/sjxx/index.html" rel="prev"' in second
    assert first.count('<li>\n    <a href="../../doc/') == 20
    assert "col/sjxx/page-3.html" not in files
    apply = text_of(files, "col/ysqgk/index.html")
    assert "公民、法人或者其他组织可以向本机关申请获取政府信息" in apply  # the column's own intro
    assert "20 个工作日内予以答复" in apply
    form = 'href="../../files/2026-bgs-001/%E7%94%B3%E8%AF%B7%E8%A1%A8.docx">政府信息公开申请表</a>'
    assert form in apply and files["files/2026-bgs-001/申请表.docx"] == b"PK fake docx"


def test_every_internal_link_resolves(built: tuple[Path, dict[str, bytes]]) -> None:
    out, files = built
    base = out.resolve()
    checked = 0
    for rel, data in files.items():
        if not rel.endswith(".html"):
            continue
        for href in re.findall(r'(?:href|src)="([^"]+)"', data.decode()):
            if href.startswith(("#", "http:", "https:", "mailto:")):
                continue
            path = urllib.parse.unquote(href.split("#")[0].split("?")[0])
            # the 404 page's links start at the site's root (the base URL's path, "/" here)
            target = base / path.lstrip("/") if path.startswith("/") else (base / rel).parent / path
            assert target.resolve().is_file(), f"{rel} → {href}"
            assert base in target.resolve().parents
            checked += 1
    assert checked > 500


def test_catalogue_feed_sitemap_and_manifest(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built
    catalogue = text_of(files, "xxgkml/index.html")
    for label in ("索引号", "名称", "内容概述", "生成日期"):
        assert f'<th scope="col">{label}</th>' in catalogue
    assert '<option value="xzgfxwj">' in catalogue and '<option value="2025">2025年</option>' in catalogue
    assert 'data-columns="xzgfxwj lzyj fdzdgknr" data-year="2026"' in catalogue
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(files["feed.xml"])
    assert feed.findtext("a:updated", namespaces=ns) == "2026-11-20T17:30:00+08:00"
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 28 + 1  # the listed items and the withdrawal notice
    assert entries[0].find("a:link", ns).get("href").startswith("https://sjj.example.gov.cn/doc/")
    sitemap = ET.fromstring(files["sitemap.xml"])
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert "https://sjj.example.gov.cn/doc/2026/2026-bgs-003.html" in locs and len(locs) == 28 + 1 + 4 + 7
    manifest = json.loads(files["manifest.json"])
    rule = next(i for i in manifest["items"] if i["index_number"].endswith("2026-00003"))
    assert rule == {"index_number": "11500000MB1B37366Q/2026-00003", "title": "关于印发审计工作规则的通知",
                    "column": "法定主动公开内容/履职依据/行政规范性文件", "published": "2026-02-01",
                    "doc_number": "綦审发〔2026〕3号", "validity": "废止", "page": "doc/2026/2026-bgs-003.html",
                    "attachments": ["files/2026-bgs-003/规则附表.pdf"]}  # fmt: skip
    rows = list(csv.reader(io.StringIO(files["manifest.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["索引号", "标题", "栏目", "发布日期", "文号", "有效性", "页面", "附件"]
    assert len(rows) == 1 + 29


def test_search_index_finds_a_chinese_word_in_bodies(built: tuple[Path, dict[str, bytes]]) -> None:
    _, files = built

    def find(query: str) -> list[str]:
        return sorted(search.find(files, query))

    assert find("上位法") == []  # notices are not indexed text of the body
    assert find("审计项目管理") == ["doc/2026/2026-bgs-003.html"]
    assert find("申请方式") == ["doc/2026/2026-bgs-001.html"]
    assert len(find("水务局")) == 25
    assert find("撤回正文") == []


def test_tokens_cut_chinese_into_pairs_and_keep_ascii_words() -> None:
    assert search.tokens("审计结果") == {"审计", "计结", "结果"}
    assert search.tokens("２０２６年 ABC，局") == {"2026", "年", "abc", "局"}


def test_same_input_gives_byte_identical_output(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    root, commit = corpus
    build(site_input(_docs(root, commit)), tmp_path / "one", root)
    build(site_input(list(reversed(_docs(root, commit)))), tmp_path / "two", root)
    one, two = all_files(tmp_path / "one"), all_files(tmp_path / "two")
    assert one == two
    assert b"2026-11-20" in one["index.html"]  # the build date is the REV's date, not today


def test_failed_build_leaves_the_old_site_live_and_untouched(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    root, commit = corpus
    out = tmp_path / "site"
    docs = _docs(root, commit)
    build(site_input(docs), out, root)
    before, live = all_files(out), out.resolve()
    broken = load_templates({"document.html": b"{% extends 'base.html' %}{% block main %}{{ doc.nope }}{% endblock %}"})
    with pytest.raises(InputError, match="nope") as exc:
        build(site_input(docs), out, root, templates=broken)
    assert exc.value.path == "templates/site/document.html"
    assert out.resolve() == live and all_files(out) == before
    bad = [*docs[:3], dataclasses.replace(docs[0], column="zzz", doc_id="x")]
    with pytest.raises(RuleError, match="zzz"):
        build(site_input(bad), out, root)
    assert out.resolve() == live and all_files(out) == before
    build(site_input(docs[:5]), out, root)  # a good build still works afterwards, and swaps
    assert out.resolve() != live and "doc/2026/2026-sj-010.html" not in all_files(out)


def test_later_builds_rerender_only_what_changed(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    root, commit = corpus
    out = tmp_path / "site"
    docs = _docs(root, commit)
    first = build(site_input(docs), out, root)
    build(site_input(docs), out, root)  # the second tree is filled once
    same = build(site_input(docs), out, root)
    assert first.rendered > len(docs) and same.rendered == 0  # nothing changed: no page is rendered again
    commit2 = git_repo(
        root, {"docs/2026/audit-03.md": document_text("2026年第4号审计结果公告（更正）", "更正后的正文。")}
    )
    docs[7] = doc_from_git(root, commit2, "docs/2026/audit-03.md", doc_id="2026-sj-003", serial=13,
                           published=docs[7].published_at)  # fmt: skip
    later = site_input(docs, build_time=BUILD_TIME + timedelta(days=3))  # a new REV, a later commit date
    changed = build(later, out, root)
    # the page itself, the pages that list it (its column and the parent's, the catalogue), the home page
    # and the 网站地图 (they show the date)
    assert sorted(changed.rendered_pages) == [
        "col/fdzdgknr/index.html", "col/sjxx/index.html", "doc/2026/2026-sj-003.html", "index.html",
        "sitemap.html", "xxgkml/index.html",
    ]  # fmt: skip
    fresh = tmp_path / "fresh"
    build(later, fresh, root)
    assert all_files(out) == all_files(fresh)  # what was skipped is exactly what a full build makes
    assert "更正后的正文" in (out / "doc" / f"{docs[7].published_at.year}" / "2026-sj-003.html").read_text()
    # a withdrawal changes what sitemap.xml lists (the notice's date): it is rendered again, as a full build makes it
    gone = [*docs[:2], dataclasses.replace(docs[2], validity="撤回", notice="撤回说明", notice_date=date(2026, 11, 30)),
            *docs[3:]]  # fmt: skip
    withdrawn = build(site_input(gone, build_time=BUILD_TIME + timedelta(days=4)), out, root)
    assert "sitemap.xml" in withdrawn.rendered_pages
    assert "2026-11-30" in (out / "sitemap.xml").read_text()
    fresh2 = tmp_path / "fresh2"
    build(site_input(gone, build_time=BUILD_TIME + timedelta(days=4)), fresh2, root)
    assert all_files(out) == all_files(fresh2)
    changed_templates = load_templates(
        {"_list.html": b"<ul>{% for d in docs %}<li>{{ d.title }}</li>{% endfor %}</ul>"}
    )
    staging_state = build(site_input(docs), out, root, templates=changed_templates)
    assert staging_state.rendered == first.rendered  # a template change re-renders every page


@pytest.mark.parametrize("reads", ["none", "plainly", "by a computed name"])
def test_an_edit_of_the_text_alone_renders_only_the_pages_that_show_the_text(
    tmp_path: Path, corpus: tuple[Path, str], reads: str
) -> None:
    """Lists are keyed by what they show: without a template that reads a body in a list, only
    the document's own page is rendered again; with one (spelled plainly, or read by a name the
    template computes, which only rendering shows) its lists are too, and every byte is a fresh build's."""
    root, commit = corpus
    shown = {"none": "", "plainly": "{{ d.body_html[-40:] }}", "by a computed name": "{{ d['bo' ~ 'dy_html'][-40:] }}"}
    templates = load_templates({"_list.html": b"<ul>{% for d in docs %}<li>" + shown[reads].encode()
                                + b"{{ d.title }}</li>{% endfor %}</ul>"})  # fmt: skip
    out = tmp_path / "site"
    docs = _docs(root, commit)
    text = "对区水务局开展预算执行审计，发现问题8项。" * 5  # longer than a summary: an addition at its end leaves it

    def edited(body: str) -> object:
        at = git_repo(root, {"docs/2026/audit-08.md": document_text("2026年第9号审计结果公告", body)})
        return doc_from_git(root, at, "docs/2026/audit-08.md", doc_id="2026-sj-008", serial=18,
                            published=docs[12].published_at)  # fmt: skip

    docs[12] = edited(text)
    build(site_input(docs), out, root, templates)
    build(site_input(docs), out, root, templates)  # the second tree is filled once
    old = docs[12]
    docs[12] = edited(text + "正文已更正为新的说明。")
    assert (docs[12].title, docs[12].summary) == (old.title, old.summary) and docs[12].body_html != old.body_html
    changed = build(site_input(docs), out, root, templates)
    lists = [rel for rel in changed.rendered_pages if rel.startswith("col/") or rel == "index.html"]
    if reads == "none":
        assert changed.rendered_pages == (old.url,)
    else:
        assert old.url in changed.rendered_pages and lists, changed.rendered_pages
        assert any("正文已更正为新的说明" in (out / rel).read_text() for rel in lists)
    fresh = tmp_path / "fresh"
    build(site_input(docs), fresh, root, templates)
    assert all_files(out) == all_files(fresh)


def test_a_body_read_by_a_computed_name_is_remembered_for_those_templates(
    tmp_path: Path, corpus: tuple[Path, str]
) -> None:
    """Only rendering shows such a read: the build that sees it starts again keyed by whole
    digests, and the next build with the same templates starts keyed so (one pass, not two)."""
    root, commit = corpus
    templates = load_templates({"_list.html": b"<ul>{% for d in docs %}<li>{{ d['bo' ~ 'dy_html'][-40:] }}"
                                b"</li>{% endfor %}</ul>"})  # fmt: skip
    docs = _docs(root, commit)
    cache = tmp_path / "cache"
    cache.mkdir()

    def passes() -> int:
        seen: list[tuple[str, int, int]] = []
        staging = Staging(tmp_path / "site")
        staging.open()
        try:
            render_site(site_input(docs), templates, staging, fetcher(root),
                        lambda what, done, total: seen.append((what, done, total)), cache)  # fmt: skip
            staging.commit()
        finally:
            staging.close()
        return sum(1 for what, done, total in seen if what == "pages" and done == total)

    assert passes() == 2  # the first build learns of the read while rendering a list
    assert passes() == 1 and passes() == 1
    for marker in cache.glob("body-reads-*"):
        marker.unlink()  # the cache lost: a pass wasted once, the same bytes
    assert passes() == 2 and passes() == 1


def test_manifest_digests_are_the_files_own_whatever_the_trees_records_say(
    tmp_path: Path, corpus: tuple[Path, str]
) -> None:
    """The digests of unchanged files come from the staging trees' records: a record without
    them (an older gkctl's) or a damaged one costs reading and rendering, never a wrong manifest."""
    import hashlib

    root, commit = corpus
    out = tmp_path / "site"
    docs = _docs(root, commit)
    build(site_input(docs), out, root)
    build(site_input(docs), out, root)
    records = sorted((out.parent / f"{out.name}.trees").glob("*.record"))
    assert len(records) == 2
    for number, record in enumerate(records):
        value = load_marshal(record)
        assert set(value["sha256"]) == set(value["files"])
        if number == 0:  # as an older gkctl kept it: plain JSON beside the tree, keys only
            record.unlink()
            record.with_suffix(".json").write_text(json.dumps({"files": value["files"]}), encoding="utf-8")
        else:  # damaged: the checksum is no longer its bytes
            data = bytearray(record.read_bytes())
            data[len(data) // 2] ^= 0x5A
            record.write_bytes(bytes(data))
    for days in (1, 2, 3):  # both trees, each built on top of a damaged record
        later = site_input(docs, build_time=BUILD_TIME + timedelta(days=days))
        build(later, out, root)
        files = all_files(out)
        listed = json.loads(files["manifest.json"])["files"]
        assert listed == {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()
                          if rel not in ("manifest.json", "manifest.json.sig")}  # fmt: skip
        fresh = tmp_path / f"fresh-{days}"
        build(later, fresh, root)
        assert files == all_files(fresh)


def test_compiled_templates_are_kept_checked_and_never_needed(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    """Builds keep the compiled templates under the cache folder; a damaged file, or one holding
    another template's code, is compiled again, and the site is byte for byte a fresh build's."""
    root, commit = corpus
    docs, cache = _docs(root, commit), tmp_path / "cache"
    build(site_input(docs), tmp_path / "fresh", root)
    expected = all_files(tmp_path / "fresh")
    build(site_input(docs), tmp_path / "one", root, cache_dir=cache)
    compiled = sorted(cache.glob("templates-*/*.code"))
    assert len(compiled) > 5 and all_files(tmp_path / "one") == expected
    swapped = compiled[0].read_bytes()
    for f in compiled[1:]:  # another template's code under this one's name: its digest holds, its source does not
        f.write_bytes(swapped)
    build(site_input(docs), tmp_path / "two", root, cache_dir=cache)
    assert all_files(tmp_path / "two") == expected
    for f in sorted(cache.glob("templates-*/*.code")):
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0x5A
        f.write_bytes(bytes(data))
    build(site_input(docs), tmp_path / "three", root, cache_dir=cache)
    assert all_files(tmp_path / "three") == expected
    override = load_templates({"404.html": b"{% extends 'base.html' %}{% block main %}mkoverride404{% endblock %}"})
    build(site_input(docs), tmp_path / "four", root, templates=override, cache_dir=cache)
    assert b"mkoverride404" in all_files(tmp_path / "four")["404.html"]


def test_unsafe_ids_and_attachment_names_stay_inside_the_output() -> None:
    assert safe_slug("2026-bgs-001") == "2026-bgs-001"
    for evil in ("../../etc/passwd", "/abs", "a/b", "..", ".hidden", "中文编号", "a\x00b", "x" * 200):
        slug = safe_slug(evil)
        assert re.fullmatch(r"d-[0-9a-f]{12}", slug), evil
    assert safe_file_name("attachments/2026/申请表.docx", "f") == "申请表.docx"
    assert safe_file_name("../../../etc/passwd", "f") == "passwd"
    assert safe_file_name("..\\..\\win.ini", "f") == "win.ini"
    assert safe_file_name("..", "f") == "f" and safe_file_name(".env", "f") == "env"
    assert safe_file_name("a<script>.pdf", "f") == "a_script_.pdf"
    assert safe_attachment_name("attachments/说明.HTML", "f") == "说明.HTML.txt"  # would run in the site's origin
    assert safe_attachment_name("图.svg", "f") == "图.svg.txt" and safe_attachment_name("表.xlsx", "f") == "表.xlsx"
    for bad in ("../x", "/etc/x", "a/../b", "a//b", ".git/config", "a\\b", ""):
        with pytest.raises(RuleError):
            check_rel_path(bad)


def test_a_folder_gkctl_did_not_build_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "www"
    out.mkdir()
    (out / "precious.html").write_text("keep me")
    with pytest.raises(InputError, match="不是 gkctl 生成的站点"):
        Staging(out).open()
    assert (out / "precious.html").read_text() == "keep me"


def test_body_cache_round_trips_and_a_broken_cache_is_ignored(tmp_path: Path) -> None:
    cache = BodyCache(tmp_path / "c", "r1")
    cache.put_many({"b1": Rendered("<p>一</p>", "一", "{}")})
    cache.close()
    assert BodyCache(tmp_path / "c", "r1").get_many(["b1", "b2"]) == {"b1": Rendered("<p>一</p>", "一", "{}")}
    assert BodyCache(tmp_path / "c", "r2").get_many(["b1"]) == {}  # another renderer version: a miss
    (tmp_path / "c" / "bodies.sqlite").write_bytes(b"this is not a database" * 100)
    broken = BodyCache(tmp_path / "c", "r1")
    assert broken.get_many(["b1"]) == {}
    broken.put_many({"b1": Rendered("x", "x")})  # never raises: the cache is not needed for correctness


def test_the_manifest_lists_a_file_or_a_document_a_line() -> None:
    from gkctl.site.manifest import dumps_listing

    cases: list[dict[str, object]] = [
        {}, {"a": [], "b": {}, "c": None, "d": 3},
        {"b": {"y": [1, 2.5, None, True, False]}, "a": ["\u2028\"\\<中>\n", {"k": "v"}]},
        {"files": {"z.html": "1", "a.html": "2"}, "items": [{"t": "标题", "att": ["a", "b"]}, {"t": "二"}],
         "site": "站", "rev": "abc"},
    ]  # fmt: skip
    for value in cases:
        text = dumps_listing(value)
        assert json.loads(text) == value, value
        assert text.startswith("{\n") and text.endswith("\n}")
    text = dumps_listing(cases[3])
    assert text.splitlines() == [
        "{", ' "files": {', '  "a.html": "2",', '  "z.html": "1"', " },",
        ' "items": [', '  {"att": ["a", "b"], "t": "标题"},', '  {"t": "二"}', " ],",
        ' "rev": "abc",', ' "site": "站"', "}",
    ]  # fmt: skip


def test_the_sandbox_reads_plain_values_as_it_always_did(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    """Reading the site's own fields directly gives what the sandbox gave; nothing private opens up."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from gkctl.site.render import _env

    root, commit = corpus
    doc = _docs(root, commit)[0]
    source = ("{{ d.title }}|{{ d.url }}|{{ d.withdrawn }}|{{ d.published_at.year }}|{{ d.published_at.isoformat() }}|"
              "{{ r.doc.index_number }}|{{ r.columns }}|{{ r['columns'] }}|{{ r.items() | list | length }}|"
              "{{ r.nope is defined }}|{{ d._bodies is defined }}|{{ d.body._bodies is defined }}|{{ d.body_html[:20] }}")  # fmt: skip
    ctx = {"d": doc, "r": {"doc": doc, "columns": "a b"}}
    ours = _env(load_templates({"t.html": source.encode()})).get_template("t.html").render(ctx)
    theirs = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source).render(ctx)
    assert ours == theirs and "|False|False|" in ours
    for private in ("{{ d.body._bodies.get }}", "{{ r.doc.body._value }}", "{{ d.__class__ }}"):
        with pytest.raises(jinja2.exceptions.TemplateRuntimeError):  # refused, as an unsafe or undefined name
            _env(load_templates({"p.html": private.encode()})).get_template("p.html").render(ctx)
    with pytest.raises(jinja2.exceptions.UndefinedError):
        _env(load_templates({"m.html": b"{{ r.nope }}"})).get_template("m.html").render(ctx)


@pytest.mark.parametrize("plain", [False, True], ids=["json-keys", "plain-keys"])
def test_long_loops_render_a_row_at_a_time_and_give_the_same_bytes(tmp_path: Path, plain: bool) -> None:
    from gkctl.site.loops import NAME, LoopRows
    from gkctl.site.render import _env

    page = (b"{% extends 'base.html' %}{% block main %}<ul>\n{% for r in rows %}\n  <li class=\"{{ r.k }}\">"
            b"<a href=\"{{ base }}{{ root }}{{ r.u }}\">{{ r.t }}</a>{% if r.t is string %} s{% endif %}</li>\n{% endfor %}\n"
            b"</ul>{% for r in rows %}{{ loop.index }}{% endfor %}|{% for y in years %}{{ y }}{{ title }}{% endfor %}"
            b"{% endblock %}")  # fmt: skip
    templates = load_templates({"cat.html": page, "map.html": b"{% for r in rows %}<{{ r.u }}>{% endfor %}"})
    env = _env(templates)
    base = {"org": None, "top_columns": [], "gov_mark": "", "crumbs": [], "active_columns": (), "page_kind": "",
            "page_url": "x", "root": "../", "base": "https://sjj.example.gov.cn/", "title": "T",
            "years": [2026, 2025]}  # fmt: skip
    from helpers.site import ORG

    base["org"] = ORG
    items = [{"k": f"c{i}", "u": f"doc/{i}.html", "t": f"<第{i}号>"} for i in range(60)]

    def render(cache: Path | None, rows: list[dict[str, str]], name: str = "cat.html") -> tuple[str, int]:
        loops = LoopRows(env, templates.digest, cache, str, (lambda v: None) if plain else None)
        out = loops.render(name, {**base, "rows": rows})
        loops.save()
        return out, loops.rendered

    whole = env.get_template("cat.html").render({**base, "rows": items})
    assert render(tmp_path, items) == (whole, 60)  # only the first loop is cut: the others read loop, title
    assert render(tmp_path, items) == (whole, 0)  # every row kept
    changed = [*items[:7], {**items[7], "t": "改"}, *items[8:]]
    assert render(tmp_path, changed) == (env.get_template("cat.html").render({**base, "rows": changed}), 1)
    # a build that renders only another page (this one's key unchanged) keeps this page's rows
    assert render(tmp_path, items[:5], "map.html")[1] == 5
    again = [*changed[:20], {**changed[20], "t": "再改"}, *changed[21:]]
    assert render(tmp_path, again) == (env.get_template("cat.html").render({**base, "rows": again}), 1)
    data = bytearray((tmp_path / NAME).read_bytes())
    data[len(data) // 2] ^= 0x5A
    (tmp_path / NAME).write_bytes(bytes(data))  # a damaged file: every row again, the same bytes
    assert render(tmp_path, changed)[0] == env.get_template("cat.html").render({**base, "rows": changed})
    assert render(None, items) == (whole, 60)


def test_writing_the_staging_tree_never_changes_the_live_one_or_follows_a_link(
    tmp_path: Path, corpus: tuple[Path, str]
) -> None:
    """The tree being built shares files with the live one (hard links): a file is replaced by a
    new one under its name, never written through the link, nor through a symlink or a hard
    link to another file left there (only a file the tree alone holds is written over)."""
    root, commit = corpus
    out = tmp_path / "site"
    docs = _docs(root, commit)
    build(site_input(docs), out, root)
    build(site_input(docs), out, root)  # the second tree starts as links to the first
    live = out.resolve()
    before = all_files(out)
    staging = next(p for p in (out.parent / f"{out.name}.trees").iterdir() if p.is_dir() and p != live)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (staging / "index.html").unlink()
    (staging / "index.html").symlink_to(outside)
    linked = tmp_path / "linked.txt"  # a hard link to a file outside, where a page is
    linked.write_text("keep me too")
    (staging / "sitemap.html").unlink()
    os.link(linked, staging / "sitemap.html")
    broken = load_templates({"404.html": b"{{ nope }}"})  # every page changes, then the last one fails
    with pytest.raises(InputError):
        build(site_input(docs, build_time=BUILD_TIME + timedelta(days=1)), out, root, templates=broken)
    assert out.resolve() == live and all_files(out) == before
    assert (staging / "doc").is_dir() and not (staging / "index.html").is_symlink()
    assert outside.read_text() == "keep me" and linked.read_text() == "keep me too"


def test_what_a_build_did_not_produce_leaves_its_tree_links_and_empty_folders_too(
    tmp_path: Path, corpus: tuple[Path, str]
) -> None:
    root, commit = corpus
    out = tmp_path / "site"
    docs = _docs(root, commit)
    build(site_input(docs), out, root)
    build(site_input(docs), out, root)
    live = out.resolve()
    staging = next(p for p in (out.parent / f"{out.name}.trees").iterdir() if p.is_dir() and p != live)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep me")
    (staging / "stray" / "deeper").mkdir(parents=True)
    (staging / "stray" / "deeper" / "x.html").write_text("stray")
    (staging / "linked").symlink_to(outside)  # a link to a folder: the link goes, never what it points to
    (staging / "doc" / "old.html").symlink_to(outside / "keep.txt")
    build(site_input(docs), out, root)
    assert out.resolve() == staging
    assert not (staging / "stray").exists() and not (staging / "linked").is_symlink()
    assert not (staging / "doc" / "old.html").is_symlink() and (staging / "doc").is_dir()
    assert (outside / "keep.txt").read_text() == "keep me"
    assert all_files(out) == all_files(live)


class _Html:
    def __html__(self) -> str:
        return "<b>已核</b>"


@pytest.mark.parametrize("value", [
    "", "plain", "<script>alert('x')</script>", 'a "b" & c', "&amp; already", "审计〔2026〕1号 <>&'\"",
    markupsafe.Markup("<em>safe</em>"), 12, date(2026, 1, 2), None, _Html(),
])  # fmt: skip
def test_page_escaping_is_markupsafes_to_the_byte(value: object) -> None:
    """The site's own escape (a faster path for plain strings) gives markupsafe's result, and
    a template rendered by the site's environment escapes exactly as markupsafe would."""
    expected = markupsafe.escape(value)
    got = _escape(value)
    assert type(got) is markupsafe.Markup and str(got) == str(expected)
    env = _env(load_templates({"probe.html": b"[{{ v }}]"}))
    assert env.get_template("probe.html").render(v=value) == f"[{expected}]"


@pytest.mark.parametrize("odd", ["", '引号"', "反斜杠\\", "换行\n", "制表\t", "\x01"])
def test_the_manifest_listing_is_the_encoders_json_whatever_a_path_holds(odd: str) -> None:
    """Paths are written as they are when nothing in them needs escaping, else through the encoder:
    either way the listing parses back to the same files, one a line."""
    from gkctl.site.manifest import dumps_listing

    files = {f"files/文件-{i}/{odd}附件.pdf": f"{i:064x}" for i in range(50)}
    text = dumps_listing({"files": files, "rev": "abc", "items": [{"title": odd + "标题", "page": "doc/x.html"}]})
    assert json.loads(text) == {"files": files, "rev": "abc", "items": [{"title": odd + "标题", "page": "doc/x.html"}]}
    lines = text.splitlines()
    assert sum(1 for line in lines if line.startswith('  "files/')) == 50  # a file a line
    expected = [f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}" for k, v in sorted(files.items())]
    assert ",\n".join(expected) in text


def test_the_manifests_lines_kept_change_the_cost_never_the_bytes(tmp_path: Path, corpus: tuple[Path, str]) -> None:
    """manifest.json's items and manifest.csv's rows are kept by each document's fields and column:
    after an edit, a withdrawal, a damaged or a deleted cache they are what a build without it writes."""
    from gkctl.site import items
    from gkctl.site.render import doc_digests

    root, commit = corpus
    docs = _docs(root, commit)
    cache = tmp_path / "cache"
    cache.mkdir()

    def lines(docs: list[object], folder: Path | None) -> tuple[list[str], bytes]:
        got = items.listed(docs, lambda d: "审计信息/" + d.column, lambda d: doc_digests(d)[0], folder)  # type: ignore[arg-type]
        return list(got.items), got.csv()

    first = lines(docs, cache)
    assert first == lines(docs, None) and (cache / items.CACHE).is_file()
    assert first[1].startswith("\ufeff索引号,标题".encode()) and first[1].count(b"\r\n") == len(docs) + 1
    shown = [n for n, d in enumerate(docs) if not d.withdrawn]
    docs[shown[0]] = dataclasses.replace(docs[shown[0]], title="=HYPERLINK(\"x\")更正后的标题")
    docs[shown[1]] = dataclasses.replace(docs[shown[1]], validity="撤回", notice="内容有误")
    edited = lines(docs, cache)
    assert edited == lines(docs, None) and edited != first
    assert "'=HYPERLINK" in edited[1].decode("utf-8-sig")  # a formula is shown as text
    (cache / items.CACHE).write_bytes(b"\x00damaged")
    assert lines(docs, cache) == edited
    (cache / items.CACHE).unlink()
    assert lines(docs, cache) == edited and lines(docs, cache) == edited
