"""The built site in Debian's headless chromium: pages render, search runs, links resolve.

Screenshots go to ``tests/screenshots/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gkctl.cli.site import make_server
from helpers.site import build, doc_from_git, document_text, git_repo, site_input

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (apt-get install -y chromium); browser test skipped"
)
SHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An example bureau's site, built from git blobs and served on localhost like ``gkctl serve``."""
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "content"
    files: dict[str, str | bytes] = {
        "docs/guide.md": document_text("綦江区审计局政府信息公开指南", "# 一、公开方式\n\n本指南说明主动公开和依申请公开的方式。",
                                       category="政府信息公开指南"),
        "docs/rule.md": document_text("关于印发审计项目质量控制办法的通知", "## 第一条\n\n为加强审计项目质量控制，制定本办法。",
                                      category="规范性文件", doc_number="綦审发〔2026〕5号",
                                      attachments=[("attachments/质量控制办法.pdf", "质量控制办法全文")]),
        "attachments/质量控制办法.pdf": b"%PDF-1.4\n",
    }  # fmt: skip
    for i in range(30):
        files[f"docs/a{i}.md"] = document_text(f"2026年第{i + 1}号审计结果公告", f"区财政局预算执行审计结果，第{i}项。")
    commit = git_repo(root, files)
    docs = [
        doc_from_git(root, commit, "docs/guide.md", doc_id="2026-bgs-001", serial=1, column="zfxxgkzn",
                     published=date(2026, 1, 6)),
        doc_from_git(root, commit, "docs/rule.md", doc_id="2026-bgs-002", serial=2, column="xzgfxwj",
                     published=date(2026, 2, 3)),
    ]  # fmt: skip
    docs += [
        doc_from_git(root, commit, f"docs/a{i}.md", doc_id=f"2026-sj-{i:03d}", serial=10 + i,
                     published=date(2025 + i % 2, 1 + i % 12, 1 + i % 28))
        for i in range(30)
    ]  # fmt: skip
    out = tmp / "site"
    build(site_input(docs), out, root)
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [
        CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
        "--virtual-time-budget=5000", *args,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def dom(tmp_path: Path, url: str) -> str:
    return chromium(tmp_path, "--dump-dom", url)


def shot(tmp_path: Path, url: str, name: str, size: str = "1280,1400") -> Path:
    SHOTS.mkdir(exist_ok=True)
    target = SHOTS / name
    target.unlink(missing_ok=True)
    chromium(tmp_path, f"--window-size={size}", f"--screenshot={target}", url)
    assert target.stat().st_size > 10_000  # a real picture, not an empty page
    return target


def test_pages_render_in_chromium_and_are_screenshotted(served: str, tmp_path: Path) -> None:
    home = dom(tmp_path, served + "index.html")
    assert "<h1>綦江区审计局政府信息公开</h1>" in home and "2026年第" in home
    column = dom(tmp_path, served + "col/sjxx/index.html")
    assert "<h1>审计信息</h1>" in column and "第 1 页 / 共 2 页" in column
    page = dom(tmp_path, served + "doc/2026/2026-bgs-002.html")
    assert "索引号" in page and "綦审发〔2026〕5号" in page and "为加强审计项目质量控制" in page
    for url, name in (("index.html", "home.png"), ("col/sjxx/index.html", "column.png"),
                      ("doc/2026/2026-bgs-002.html", "document.png"), ("xxgkml/index.html", "catalogue.png")):  # fmt: skip
        shot(tmp_path, served + url, name)
    shot(tmp_path, served + "doc/2026/2026-bgs-002.html", "document-phone.png", size="390,1000")  # responsive
    pdf = SHOTS / "document-print.pdf"  # the print stylesheet, for a person to look at
    pdf.unlink(missing_ok=True)
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", served + "doc/2026/2026-bgs-002.html")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000


def test_catalogue_filters_by_column_and_year_from_the_url(served: str, tmp_path: Path) -> None:
    page = dom(tmp_path, served + "xxgkml/index.html?column=xzgfxwj&year=2026")
    rows = re.findall(r"<tr (data-columns=[^>]*)>", page)
    shown = [r for r in rows if " hidden" not in r]
    assert len(rows) == 32 and len(shown) == 1 and "xzgfxwj" in shown[0]
    assert "显示 1 条" in page
    everything = dom(tmp_path, served + "xxgkml/index.html?year=2025")
    assert "显示 15 条" in everything


def test_search_finds_a_chinese_word_in_the_browser(served: str, tmp_path: Path) -> None:
    q = urllib.parse.quote("质量控制")
    page = dom(tmp_path, served + f"search.html?q={q}")
    results = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', page.split('id="search-results"')[1])
    assert results == [("doc/2026/2026-bgs-002.html", "关于印发审计项目质量控制办法的通知")]
    assert "找到 1 条" in page
    body_word = dom(tmp_path, served + "search.html?q=" + urllib.parse.quote("预算执行审计"))
    assert "找到 30 条" in body_word
    wide = dom(tmp_path, served + "search.html?q=" + urllib.parse.quote("２０２６年第３号"))  # full-width = ASCII
    first = re.search(r'<li><a href="[^"]+">([^<]+)</a>', wide.split('id="search-results"')[1])
    assert first is not None and first.group(1) == "2026年第3号审计结果公告"
    nothing = dom(tmp_path, served + "search.html?q=" + urllib.parse.quote("不存在的词语"))
    assert "没有找到" in nothing
    shot(tmp_path, served + f"search.html?q={q}", "search.png")


def test_every_internal_link_resolves_on_the_served_site(served: str, tmp_path: Path) -> None:
    seen: set[str] = set()
    queue = [served + "index.html"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        with urllib.request.urlopen(url) as resp:  # a broken link raises HTTPError 404
            assert resp.status == 200, url
            body = resp.read()
        if not url.endswith(".html"):
            continue
        for href in re.findall(r'(?:href|src)="([^"#?]+)', body.decode()):
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            queue.append(urllib.parse.urljoin(url, href))
    assert len([u for u in seen if "/doc/" in u]) == 32  # every document page is reachable
    assert any("/files/2026-bgs-002/" in u for u in seen) and any(u.endswith("site.css") for u in seen)
