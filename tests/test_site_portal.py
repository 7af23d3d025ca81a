"""The site to a government portal's conventions: footer, 网站地图, notices, search, 404, a title once.

Documents are committed to a real git repository and rendered from their blobs.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sqlite3
import threading
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from gkctl.cli.site import make_server
from gkctl.core.errors import InputError
from gkctl.core.policy import load_policy_from_files
from gkctl.core.resources import data_dir
from gkctl.site import search
from gkctl.site.output import Staging
from helpers.site import ORG, all_files, build, doc_from_git, document_text, git_repo, site_input

FOOTER = dataclasses.replace(
    ORG, host="重庆市綦江区人民政府办公室", identifier="5001100011", icp="渝ICP备05003300号",
    police="渝公网安备 50011002500001号", contact=("联系电话：023-48661234", "地址：重庆市綦江区文龙街道沙溪路2号"),
    supervision=("綦江区人民政府办公室（政务公开科）：023-48667890", "区纪委监委驻区审计局纪检组：023-48661111"),
    feedback="gkyj@sjj.example.gov.cn",
)  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    tmp = tmp_path_factory.mktemp("portal")
    root = tmp / "content"
    files: dict[str, str | bytes] = {
        "docs/guide.md": document_text("綦江区审计局政府信息公开指南", "# 綦江区审计局政府信息公开指南\n\n本指南说明申请方式。",
                                       category="政府信息公开指南"),
        "docs/one.md": document_text("关于2025年度预算执行审计的公告", "根据审计法，对区财政局开展预算执行审计。",
                                     doc_number="綦审公〔2025〕1号"),
        "docs/two.md": document_text("关于2025年度专项资金审计的公告", "对专项资金开展审计，另见綦审公〔2025〕1号。",
                                     doc_number="綦审公〔2025〕2号"),
        "docs/three.md": document_text("关于印发审计工作规则的通知", "## 第一条\n\n为规范审计项目管理，制定本规则。",
                                       category="规范性文件", doc_number="綦审发〔2026〕3号"),
    }  # fmt: skip
    commit = git_repo(root, files)
    docs = [
        doc_from_git(root, commit, "docs/guide.md", doc_id="2026-bgs-001", serial=1, column="zfxxgkzn",
                     published=date(2026, 1, 5)),
        doc_from_git(root, commit, "docs/one.md", doc_id="2025-sj-005", serial=5, published=date(2025, 6, 1)),
        doc_from_git(root, commit, "docs/two.md", doc_id="2025-sj-006", serial=6, published=date(2025, 7, 1)),
        doc_from_git(root, commit, "docs/three.md", doc_id="2026-bgs-003", serial=3, column="xzgfxwj",
                     published=date(2026, 2, 1), validity="废止", notice="因上位法修订，本规则废止。",
                     notice_date=date(2026, 9, 1)),
    ]  # fmt: skip
    out = tmp / "site"
    build(dataclasses.replace(site_input(docs), org=FOOTER), out, root)
    return out, all_files(out)


def text_of(files: dict[str, bytes], rel: str) -> str:
    return files[rel].decode("utf-8")


def test_footer_conventions_and_supervision_channels_are_on_every_page(site: tuple[Path, dict[str, bytes]]) -> None:
    _, files = site
    pages = [rel for rel in files if rel.endswith(".html")]
    assert len(pages) > 15
    for rel in pages:
        page = text_of(files, rel)
        for needle in ("主办单位：重庆市綦江区人民政府办公室", "网站标识码：5001100011", "渝ICP备05003300号",
                       "渝公网安备 50011002500001号", "联系电话：023-48661234", "区纪委监委驻区审计局纪检组",
                       'href="mailto:gkyj@sjj.example.gov.cn"', "网站地图</a>", "撤回和废止信息</a>"):  # fmt: skip
            assert needle in page, (rel, needle)
        assert 'href="https://beian.mps.gov.cn/#/query/webSearch?code=50011002500001"' in page
        assert '<meta name="description" content="' in page and '<meta property="og:title" content="' in page
        assert 'property="og:url" content="https://sjj.example.gov.cn/' in page
        assert "sjj.example.gov.cn/" in page[page.index('class="print-source"') :][:200]  # the URL in a printout
    guide = text_of(files, "col/zfxxgkzn/index.html")
    assert "监督和举报" in guide and "向上级行政机关、监察机关或者政府信息公开工作主管部门举报" in guide
    assert "监督和举报" not in text_of(files, "col/sjxx/index.html")
    doc = text_of(files, "doc/2025/2025-sj-005.html")
    assert '<meta property="og:type" content="article">' in doc
    assert '<meta property="og:title" content="关于2025年度预算执行审计的公告">' in doc


def test_the_sitemap_is_an_html_page_with_the_build_date(site: tuple[Path, dict[str, bytes]]) -> None:
    _, files = site
    page = text_of(files, "sitemap.html")
    assert "<h1>网站地图</h1>" in page and "本站内容生成于 2026-11-20" in page
    for col in ("col/fdzdgknr/index.html", "col/xzgfxwj/index.html", "xxgkml/index.html", "notices/index.html"):
        assert f'href="{col}"' in page
    assert 'href="sitemap.html">网站地图</a>' in text_of(files, "index.html")
    assert "本站内容生成于 2026-11-20" in text_of(files, "index.html")  # the same day on both


def test_a_document_shows_its_title_once(site: tuple[Path, dict[str, bytes]]) -> None:
    _, files = site
    page = text_of(files, "doc/2026/2026-bgs-001.html")
    assert page.count(">綦江区审计局政府信息公开指南<") == 1 and "本指南说明申请方式" in page
    rule = text_of(files, "doc/2026/2026-bgs-003.html")
    assert '<h3 id="第一条">第一条</h3>' in rule  # headings that are not the title stay
    assert '<span class="idx">11500000MB1B37366Q/2026-00003</span>' in rule  # 索引号 never breaks


def test_search_by_index_number_serial_and_exact_doc_number(site: tuple[Path, dict[str, bytes]]) -> None:
    _, files = site
    assert search.find(files, "綦审公〔2025〕1号") == ["doc/2025/2025-sj-005.html", "doc/2025/2025-sj-006.html"]
    assert search.find(files, "綦审公〔2025〕2号") == ["doc/2025/2025-sj-006.html"]  # never 〔2025〕1号
    assert search.find(files, "綦审公[2025]2号") == ["doc/2025/2025-sj-006.html"]  # as clerks type brackets
    assert search.find(files, "2025-00005") == ["doc/2025/2025-sj-005.html"]
    assert search.find(files, "11500000MB1B37366Q/2025-00006") == ["doc/2025/2025-sj-006.html"]
    assert search.find(files, "2025-0000") == []  # a serial matches whole, not by its prefix token
    assert search.find(files, "审计")[:1] == ["doc/2026/2026-bgs-003.html"]  # title matches first, newest first
    assert search.find(files, "审计", column="sjxx") == ["doc/2025/2025-sj-006.html", "doc/2025/2025-sj-005.html"]
    assert search.find(files, "审计", year="2026") == ["doc/2026/2026-bgs-003.html", "doc/2026/2026-bgs-001.html"]
    assert search.find(files, "审计", column="lzyj") == ["doc/2026/2026-bgs-003.html"]  # a parent column
    assert search.find(files, "不存在的词语") == [] and search.find(files, "  ") == []


def test_the_search_page_offers_column_and_year_filters(site: tuple[Path, dict[str, bytes]]) -> None:
    _, files = site
    page = text_of(files, "search.html")
    assert '<select id="s-column" name="column">' in page and '<option value="xzgfxwj">' in page
    assert '<option value="2025">2025年</option>' in page and '<option value="2026">2026年</option>' in page


def _entries(n: int, changed: int = -1) -> list[search.Entry]:
    def entry(i: int) -> search.Entry:
        word = "更正" if i == changed else "原文"
        record = [f"doc/{i}.html", f"第{i}号公告", "审计信息", "2026-01-01", f"X/2026-{i:05d}", "", "sjxx"]
        return search.Entry(f"doc-{i}", f"{i}:{word}", record, lambda: search.tokens(f"审计公告{word} {i}"),
                            lambda: f"审计公告{word}")  # fmt: skip

    return [entry(i) for i in range(n)]


def _index(tmp: Path, name: str, entries: list[search.Entry], cache: Path | None) -> tuple[int, dict[str, bytes]]:
    staging = Staging(tmp / name)
    staging.open()
    segments = search.write_index(staging, entries, "salt", cache)
    staging.commit()
    return segments, all_files(tmp / name)


def test_one_changed_document_reinverts_one_search_segment(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    older = cache / f"{'ab' * 32}.json"  # a segment as an older gkctl kept it: a file of its own
    older.write_text("[]", encoding="utf-8")
    (cache / "segments.sqlite").write_bytes(b"an older index's rows")
    first, _ = _index(tmp_path, "a", _entries(1300), cache)
    assert first == search.segment_count(1300) == 16 and not older.exists()
    assert not (cache / "segments.sqlite").exists()
    with sqlite3.connect(cache / search.CACHE) as db:  # pages that hold a group's row whole
        assert db.execute("PRAGMA page_size").fetchone()[0] == search.PAGE
    again, _ = _index(tmp_path, "a", _entries(1300), cache)
    assert again == 0  # nothing changed: every segment from the cache
    one, cached = _index(tmp_path, "a", _entries(1300, changed=7), cache)
    assert one == 1
    cold, fresh = _index(tmp_path, "b", _entries(1300, changed=7), None)
    assert cold == 16 and cached == fresh  # the cache changes the cost, never the bytes
    assert search.find(fresh, "更正") == ["doc/7.html"] and len(search.find(fresh, "原文")) == 1299
    (cache / "rows-v1.json").write_text("{}", encoding="utf-8")  # another cache in the same folder
    _index(tmp_path, "a", _entries(1300, changed=8), cache)
    assert (cache / "rows-v1.json").exists()  # pruning old segments leaves it alone
    for bad in cache.iterdir():
        bad.write_bytes(b"{not json" + bad.read_bytes()[9:])  # a corrupt cache is recomputed
    corrupt, again_bytes = _index(tmp_path, "a", _entries(1300, changed=7), cache)
    assert corrupt == 16 and again_bytes == fresh
    assert _index(tmp_path, "a", _entries(1300, changed=7), cache)[0] == 0  # and kept again


def test_an_edit_rewrites_only_the_search_shards_whose_postings_changed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    shards = search.shard_count(1300)
    _index(tmp_path, "a", _entries(1300), cache)
    _index(tmp_path, "a", _entries(1300), cache)  # both staging trees hold the first index

    def written(entries: list[search.Entry]) -> set[str]:
        staging = Staging(tmp_path / "a")
        staging.open()
        before = dict(staging._old)
        search.write_index(staging, entries, "salt", cache)
        changed = {rel for rel, key in staging._new.items() if before.get(rel) != key}
        staging.commit()
        return changed

    moved = list(reversed(_entries(1300)))  # the same documents in another order (a republication moves one)
    assert written(moved) == set()
    edited = written(_entries(1300, changed=7))
    shards_written = {rel for rel in edited if rel.startswith("search/s")}
    # doc 7 lost 告原 and 原文 and gained 告更 and 更正: their shards, the records and its snippet file
    assert 1 <= len(shards_written) <= 4 < shards
    assert {"search/docs.js"} < edited and len(edited - shards_written) == 2
    _, fresh = _index(tmp_path, "fresh", _entries(1300, changed=7), None)
    assert all_files(tmp_path / "a") == fresh  # the shards kept are the bytes a fresh index has
    with sqlite3.connect(cache / search.CACHE) as db:  # the fragments lost, their digests kept
        db.execute(f'DELETE FROM "{search.FORMAT}"')
    assert written(_entries(1300, changed=8))
    assert all_files(tmp_path / "a") == _index(tmp_path, "fresh", _entries(1300, changed=8), None)[1]


def test_serve_answers_a_missing_page_with_the_sites_own_404(site: tuple[Path, dict[str, bytes]]) -> None:
    out, files = site
    page = text_of(files, "404.html")
    links = re.findall(r'(?:href|src)="([^"]+)"', page)
    assert links and all(link.startswith(("/", "#", "https:", "mailto:")) for link in links), links  # root-relative
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/doc/2030/nope.html")
        assert exc.value.code == 404
        body = exc.value.read().decode("utf-8")
        assert "<h1>页面不存在</h1>" in body and 'href="/static/site.css"' in body
    finally:
        server.shutdown()
        server.server_close()


def _policy_files(site_yaml: str) -> dict[str, bytes]:
    files = {f"policies/{p.name}": p.read_bytes() for p in (data_dir("policies")).glob("*.yaml")}
    files["gkctl.yaml"] = (
        "organisation: {name: 重庆市綦江区审计局, code: 11500000MB1B37366Q}\n" + site_yaml
    ).encode()
    return files


def test_site_keys_of_gkctl_yaml_are_read_and_checked() -> None:
    policy = load_policy_from_files(_policy_files(
        "site:\n  title: 綦江区审计局政府信息公开\n  identifier: '5001100011'\n  icp: 渝ICP备05003300号\n"
        "  contact: [联系电话：023-48661234, 地址：沙溪路2号]\n  supervision: 区政府办公室：023-48667890\n"
        "  feedback: https://zwfw.example.gov.cn/yjzj\n"
    ))  # fmt: skip
    footer = policy.org.footer
    assert footer.host == "重庆市綦江区审计局"  # the organisation unless the site names another
    assert footer.identifier == "5001100011" and footer.contact == ("联系电话：023-48661234", "地址：沙溪路2号")
    assert footer.supervision == ("区政府办公室：023-48667890",) and footer.feedback.startswith("https://")
    with pytest.raises(InputError) as exc:
        load_policy_from_files(_policy_files("site:\n  title: x\n  contact: {phone: 1}\n"))
    assert exc.value.path == "gkctl.yaml" and exc.value.line == 4 and "contact" in str(exc.value)
    with pytest.raises(InputError) as exc:
        load_policy_from_files(_policy_files("site: [a, b]\n"))
    assert exc.value.line == 2 and "site" in str(exc.value)


def test_without_footer_settings_the_footer_stays_clean(tmp_path: Path) -> None:
    root = tmp_path / "content"
    commit = git_repo(root, {"docs/a.md": document_text("公告", "正文。")})
    out = tmp_path / "site"
    build(site_input([doc_from_git(root, commit, "docs/a.md", doc_id="a", serial=1)]), out, root)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "主办单位：重庆市綦江区审计局" in page  # the organisation
    assert "网站标识码" not in page and "监督举报" not in page and "ICP" not in page
    shutil.rmtree(out.parent / "site.trees")
