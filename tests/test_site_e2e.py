"""End to end: the real publish chain, then ``gkctl build``; nothing non-public reaches any byte.

Unique markers are planted in the titles, bodies and attachments of documents that are
依申请公开, 不予公开, unapproved, withdrawn, or edited after publication (in the working tree
and in a later unapproved commit). The build must contain none of them, anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gkctl.services import steps
from gkctl.services.init import init_repository
from helpers.docs import write_doc
from helpers.git import CODE, ORG
from helpers.sig import SshKey, make_ssh_key, use_ssh_key
from helpers.workflow import Bureau, run_git

MARKERS = {
    "ysq": "mkysq",  # 依申请公开
    "bygk": "mkbygk",  # 不予公开
    "draft": "mkdraft",  # never approved
    "gone": "mkgone",  # published, then withdrawn
    "editwt": "mkeditwt",  # edit after publication, working tree only
    "editcm": "mkeditcm",  # edit after publication, committed but not approved
}


def _doc(b: Bureau, name: str, marker: str, **meta: object) -> str:
    """A document with ``marker`` in its title, body and attachment, committed by the clerk."""
    rel, att = f"docs/2026/{name}.md", f"attachments/2026/{name}.txt"
    (b.root / att).parent.mkdir(parents=True, exist_ok=True)
    (b.root / att).write_text(f"附件内容 {marker}attachment\n", encoding="utf-8")
    write_doc(
        b.root, rel, body=f"# 正文\n\n本文件正文 {marker}body 。\n", id=f"2026-{name}", drafter="clerk",
        title=f"关于{name}事项的通知 {marker}title", attachments=[{"file": att, "title": f"附件{marker}atttitle"}],
        **meta,
    )  # fmt: skip
    b.as_("clerk")
    run_git(b.root, "add", rel, att)
    run_git(b.root, "commit", "-q", "-S", "-m", f"拟稿 {name}")
    return rel


def _approve(b: Bureau, rel: str) -> None:
    steps.decide(b.as_("reviewer").repo, rel, "review", True, "公开属性准确")
    steps.decide(b.as_("signer").repo, rel, "sign", True, "同意")
    steps.decide(b.as_("office").repo, rel, "check", True, "复核无误")
    for p in ("p1", "p2", "p3"):
        steps.decide(b.as_(p).repo, rel, "proofread", True, "校对无误")


@pytest.fixture(scope="module")
def bureau_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, SshKey]]:
    """The signed history is made once per module (it is the slow part); each test gets a copy."""
    base = tmp_path_factory.mktemp("site-e2e")
    with pytest.MonkeyPatch.context() as mp:
        home = base / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = Test\n\temail = test@example.org\n[init]\n\tdefaultBranch = main\n"
        )
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GKCTL_LANG"):
            mp.delenv(var, raising=False)
        admin_key = make_ssh_key(base / "keys", "admin")
        repo = base / "bureau"
        repo.mkdir()
        run_git(repo, "init", "-q", "-b", "main")
        use_ssh_key(repo, admin_key)
        init_repository(repo, org=ORG, code=CODE, admin_id="admin", admin_name="王主任", admin_key=admin_key.line)
        b = Bureau(repo, admin_key, base / "people-keys")
        public = _doc(b, "pub", "okpublic")
        _approve(b, public)
        ysq = _doc(b, "ysq", MARKERS["ysq"], attribute="依申请公开", basis=None)
        _approve(b, ysq)  # fully approved, but never 主动公开: publishing it is refused
        _doc(b, "bygk", MARKERS["bygk"], attribute="不予公开", basis=None, reason="内部事务信息")
        draft = _doc(b, "draft", MARKERS["draft"])
        steps.decide(b.as_("reviewer").repo, draft, "review", True, "初审通过")  # one approval is not enough
        gone = _doc(b, "gone", MARKERS["gone"])
        _approve(b, gone)
        edited = _doc(b, "edited", "okoriginal")
        _approve(b, edited)
        steps.publish(b.as_("publisher").repo, [public, gone, edited])
        steps.end_publication(b.as_("publisher").repo, gone, "withdraw", "内容有误，予以撤回")
        # after publication: a committed, unapproved edit of the body and the attachment …
        text = (b.root / edited).read_text(encoding="utf-8").replace("okoriginalbody", MARKERS["editcm"] + "body")
        (b.root / edited).write_text(text.replace("okoriginaltitle", MARKERS["editcm"] + "title"), encoding="utf-8")
        (b.root / "attachments/2026/edited.txt").write_text(
            f"改过的附件 {MARKERS['editcm']}attachment\n", encoding="utf-8"
        )
        b.as_("clerk")
        run_git(b.root, "commit", "-q", "-S", "-am", "发布后修改（未审核）")
        # … and a further edit left in the working tree
        (b.root / edited).write_text(text.replace(MARKERS["editcm"], MARKERS["editwt"]), encoding="utf-8")
        (b.root / "attachments/2026/pub.txt").write_text(f"工作区 {MARKERS['editwt']}attachment\n", encoding="utf-8")
        return repo, b.keys


@pytest.fixture
def bureau_site(bureau_template: tuple[Path, dict[str, SshKey]], tmp_path: Path, cli) -> tuple[Bureau, Path]:
    template, keys = bureau_template
    root = tmp_path / "bureau"
    shutil.copytree(template, root, symlinks=True)
    b = Bureau.__new__(Bureau)
    b.root, b.keys, b._use = root, keys, use_ssh_key
    out = tmp_path / "public-site"
    result = cli("-C", str(b.root), "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "站点已生成" in result.stdout and "生成页面" not in result.output  # no progress bar on a pipe
    history = run_git(b.root, "log", "-p", "--all")  # the markers really are in the repository
    assert all(m in history for k, m in MARKERS.items() if k != "editwt")
    assert MARKERS["editwt"] in (b.root / "docs/2026/edited.md").read_text(encoding="utf-8")
    return b, out


def _all_bytes(out: Path) -> dict[str, bytes]:
    base = out.resolve()
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def test_nothing_non_public_reaches_any_byte_of_the_site(bureau_site: tuple[Bureau, Path]) -> None:
    _, out = bureau_site
    files = _all_bytes(out)
    assert len(files) > 20
    for rel, data in files.items():
        low = data.lower()
        for what, marker in MARKERS.items():
            assert marker.encode() not in low, f"{what} marker leaked into {rel}"
    # the public documents are there, with the approved content and the attachment as published
    pages = {rel: data.decode() for rel, data in files.items() if rel.startswith("doc/")}
    pub = next(text for text in pages.values() if "okpublicbody" in text)
    assert "okpublictitle" in pub and "okpublicatttitle" in pub
    assert any(b"okpublicattachment" in data for rel, data in files.items() if rel.startswith("files/"))
    index = b"".join(data for rel, data in files.items() if rel.startswith("search/"))
    assert b'"okpublicbody"' in index and b'"okoriginalbody"' in index  # bodies are searchable
    edited = next(text for text in pages.values() if "okoriginalbody" in text)
    assert "okoriginaltitle" in edited
    assert any(b"okoriginalattachment" in data for rel, data in files.items() if rel.startswith("files/"))


def test_withdrawn_page_is_the_public_notice(bureau_site: tuple[Bureau, Path]) -> None:
    _, out = bureau_site
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    states = sorted((i["validity"], i["title"]) for i in manifest["items"])
    assert [s for s, _ in states] == ["撤回", "有效", "有效"]
    gone = next(i for i in manifest["items"] if i["validity"] == "撤回")
    notice = (out / gone["page"]).read_text(encoding="utf-8")
    assert "信息已撤回" in notice and "内容有误，予以撤回" in notice and gone["index_number"] in notice
    assert gone["attachments"] == [] and not (out / "files" / "2026-gone").exists()


def test_build_is_deterministic_and_renders_from_git_not_the_working_tree(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli
) -> None:
    b, out = bureau_site
    before = _all_bytes(out)
    for _ in range(2):  # rebuilding through the --out symlink fills the other tree, then skips everything
        rebuilt = cli("-C", str(b.root), "build", "--out", str(out))
        assert rebuilt.exit_code == 0, rebuilt.output
    assert "写入 0 个文件" in rebuilt.stdout and _all_bytes(out) == before
    again = tmp_path / "again"
    assert cli("-C", str(b.root), "build", "--out", str(again)).exit_code == 0
    assert _all_bytes(again) == before
    # the same revision from a fresh clone (no working-tree edits, cold cache) gives the same bytes
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", str(b.root), str(clone))
    third = tmp_path / "third"
    assert cli("-C", str(clone), "build", "--out", str(third)).exit_code == 0
    unsigned = {rel: data for rel, data in before.items() if rel != "manifest.json.sig"}
    assert _all_bytes(third) == unsigned  # the clone has no signing key: everything but the signature
    index = (out / "index.html").read_text(encoding="utf-8")
    # the REV's Beijing calendar day (the bureau's), whatever zone the commit was made in
    stamp = int(run_git(b.root, "show", "-s", "--format=%ct", "HEAD").strip())
    commit_day = datetime.fromtimestamp(stamp, timezone(timedelta(hours=8))).date().isoformat()
    assert f"本站内容生成于 {commit_day}" in index


def test_the_collect_memo_changes_the_cost_never_the_bytes(bureau_site: tuple[Bureau, Path], tmp_path: Path, cli) -> None:
    """The last build's briefs are reused for what did not change; with the memo fresh, stale (an
    earlier commit's, across a withdrawal), damaged or deleted, every build gives the same bytes."""
    from gkctl.site.collect import MEMO
    from gkctl.trail.cache import cache_path

    b, _ = bureau_site
    memo = cache_path(b.root, "site") / MEMO
    assert memo.is_file()  # the fixture's build left it
    earlier = memo.read_bytes()
    steps.end_publication(b.as_("publisher").repo, "docs/2026/pub.md", "withdraw", "内容有误，予以撤回")

    def build(name: str) -> dict[str, bytes]:
        res = cli("-C", str(b.root), "build", "--out", str(tmp_path / name))
        assert res.exit_code == 0, res.output
        return {rel: data for rel, data in _all_bytes(tmp_path / name).items() if rel != "manifest.json.sig"}

    stale = build("stale")  # folded from the memo of the commit before the withdrawal
    assert memo.read_bytes() == earlier  # one document behind: the memo serves, it is not written again
    manifest = json.loads(stale["manifest.json"])
    assert sorted(i["validity"] for i in manifest["items"]) == ["撤回", "撤回", "有效"]
    assert "okpublicbody" not in b"".join(stale.values()).decode(errors="replace")
    memo.unlink()
    assert build("deleted") == stale
    assert memo.is_file() and memo.read_bytes() != earlier  # made again, of this commit
    assert build("fresh") == stale  # the memo of this very commit
    data = bytearray(memo.read_bytes())
    for i in range(0, len(data), max(1, len(data) // 7)):
        data[i] ^= 0x5A
    memo.write_bytes(bytes(data))
    assert build("damaged") == stale
    shutil.rmtree(cache_path(b.root, "site"), ignore_errors=True)  # the stale memo alone, every other cache cold
    memo.parent.mkdir(parents=True)
    memo.write_bytes(earlier)
    assert build("stale-cold") == stale


def test_the_memo_is_written_again_once_it_is_commits_behind(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A memo one document behind serves (its commit stays), unless the commits since it are more
    than ``MEMO_COMMITS``: each build asks git for every one of them. Either way, the same bytes."""
    from gkctl.site import collect
    from gkctl.site.collect import MEMO
    from gkctl.trail.cache import cache_path, load_marshal

    b, _ = bureau_site
    memo = cache_path(b.root, "site") / MEMO
    before = load_marshal(memo)["commit"]
    steps.end_publication(b.as_("publisher").repo, "docs/2026/pub.md", "withdraw", "内容有误，予以撤回")
    head = run_git(b.root, "rev-parse", "HEAD").strip()

    def build(name: str) -> dict[str, bytes]:
        res = cli("-C", str(b.root), "build", "--out", str(tmp_path / name))
        assert res.exit_code == 0, res.output
        return {rel: data for rel, data in _all_bytes(tmp_path / name).items() if rel != "manifest.json.sig"}

    kept = build("kept")
    assert load_marshal(memo)["commit"] == before != head  # one commit behind: it serves
    monkeypatch.setattr(collect, "MEMO_COMMITS", 0)
    assert build("again") == kept
    assert load_marshal(memo)["commit"] == head  # more commits behind than allowed: written again


def test_bodies_rendered_by_workers_and_read_in_small_batches_give_the_same_bytes(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build renders bodies in worker processes once there are enough of them (forked for
    a few, fresh for many), keeps only their front matter and reads bodies back a batch at a time
    (so a district's fit in memory): with either pool from two bodies on and batches of one, the
    site is the same bytes."""
    from gkctl.site import collect, model, search
    from gkctl.trail.cache import cache_path

    b, _ = bureau_site

    def cold(name: str) -> dict[str, bytes]:
        shutil.rmtree(cache_path(b.root, "site"), ignore_errors=True)
        res = cli("-C", str(b.root), "build", "--out", str(tmp_path / name))
        assert res.exit_code == 0, res.output
        return {rel: data for rel, data in _all_bytes(tmp_path / name).items() if rel != "manifest.json.sig"}

    plain = cold("plain")
    monkeypatch.setattr(collect, "PARALLEL_FROM", 2)
    monkeypatch.setattr(model.Bodies, "KEEP", 1)
    monkeypatch.setattr(search, "BATCH", 1)
    counts: list[int] = []
    real = collect._renderer

    def watched(count: int):  # how many bodies each call renders: the pool is used from two on
        counts.append(count)
        return real(count)

    monkeypatch.setattr(collect, "_renderer", watched)
    assert cold("forked") == plain  # a few bodies: forked workers
    assert max(counts) >= 2, counts  # the bodies went through the pool
    counts.clear()
    monkeypatch.setattr(collect, "SPAWN_FROM", 2)
    assert cold("spawned") == plain  # many: fresh ones
    assert max(counts) >= 2, counts
    assert any(b"<p>" in data for rel, data in plain.items() if rel.startswith("doc/"))


def test_documents_the_memo_keeps_are_the_ones_made_again(bureau_site: tuple[Bureau, Path]) -> None:
    """A build takes an unchanged document and its digests from the memo: they are exactly what
    making the document again from its record, front matter and attachments gives."""
    from gkctl.site.collect import collect
    from gkctl.site.render import doc_digests
    from gkctl.trail.cache import cache_path

    b, _ = bureau_site
    kept = collect(b.root, cache_dir=cache_path(b.root, "site"))  # the fixture's build left the memo
    made = collect(b.root, cache_dir=None)
    assert made.site.digests == {} and set(kept.site.digests) == {d.doc_id for d in kept.site.documents}
    assert kept.site.documents == made.site.documents and kept.warnings == made.warnings
    assert all(kept.site.digests[d.doc_id] == doc_digests(d) for d in made.site.documents)


def test_build_of_an_older_revision_and_bad_input(bureau_site: tuple[Bureau, Path], tmp_path: Path, cli) -> None:
    b, _ = bureau_site
    first = run_git(b.root, "rev-list", "--max-parents=0", "HEAD").strip()
    old = tmp_path / "old"
    result = cli("-C", str(b.root), "build", "--rev", first, "--out", str(old))
    assert result.exit_code == 0, result.output
    assert (old / "index.html").is_file() and not (old / "doc").exists()  # nothing was published yet
    bad = cli("-C", str(b.root), "build", "--rev", "no-such-rev", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "no-such-rev" in bad.output and "Traceback" not in bad.output
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("x")
    refused = cli("-C", str(b.root), "build", "--out", str(taken))
    assert refused.exit_code == 2 and "不是 gkctl 生成的站点" in refused.output
    assert re.fullmatch(r"x", (taken / "keep.txt").read_text())


def test_default_output_is_ignored_by_git_and_serve_needs_a_build(bureau_site: tuple[Bureau, Path], cli) -> None:
    b, _ = bureau_site
    assert cli("-C", str(b.root), "serve", "--port", "0").exit_code == 2  # nothing built at _site yet
    status_before = run_git(b.root, "status", "--porcelain")
    result = cli("-C", str(b.root), "build")
    assert result.exit_code == 0, result.output
    assert (b.root / "_site" / "index.html").is_file() and (b.root / "_site").is_symlink()
    assert run_git(b.root, "status", "--porcelain") == status_before  # the site and its trees are ignored


def test_bureau_templates_override_the_package_ones_from_the_revision(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli
) -> None:
    b, _ = bureau_site
    override = b.root / "templates/site/404.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block title %}找不到{% endblock %}"
                        "{% block main %}<h1>本局自定义的找不到页面</h1>{% endblock %}", encoding="utf-8")  # fmt: skip
    b.as_("admin")
    run_git(b.root, "add", "templates/site/404.html")
    run_git(b.root, "commit", "-q", "-S", "-m", "自定义网站模板")
    override.write_text("工作区里未提交的模板 mkuncommitted", encoding="utf-8")
    out = tmp_path / "custom"
    result = cli("-C", str(b.root), "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "本局自定义的找不到页面" in (out / "404.html").read_text(encoding="utf-8")
    assert all(b"mkuncommitted" not in p.read_bytes() for p in out.resolve().rglob("*") if p.is_file())
    broken = b.root / "templates/site/home.html"
    broken.write_text("{% block main %}{% endfor %}", encoding="utf-8")
    run_git(b.root, "add", "templates/site/home.html")
    run_git(b.root, "commit", "-q", "-S", "-m", "坏模板")
    bad = cli("-C", str(b.root), "build", "--out", str(out))
    assert bad.exit_code == 2 and "templates/site/home.html:1" in bad.output and "Traceback" not in bad.output
    assert "本局自定义的找不到页面" in (out / "404.html").read_text(encoding="utf-8")  # the old site stays


def test_a_clerks_template_override_is_not_in_force(bureau_site: tuple[Bureau, Path], tmp_path: Path, cli) -> None:
    """Templates decide what every public page shows: only an admin's signature puts them in force."""
    b, _ = bureau_site
    override = b.root / "templates/site/404.html"
    override.parent.mkdir(parents=True)
    override.write_text("{% extends 'base.html' %}{% block main %}mkclerktemplate{% endblock %}", encoding="utf-8")
    b.as_("clerk")
    run_git(b.root, "add", "templates/site/404.html")
    run_git(b.root, "commit", "-q", "-S", "-m", "改模板（无管理员签名）")
    out = tmp_path / "site"
    assert cli("-C", str(b.root), "build", "--out", str(out)).exit_code == 0
    assert all(b"mkclerktemplate" not in p.read_bytes() for p in out.resolve().rglob("*") if p.is_file())
    verify = cli("-C", str(b.root), "verify", "--format", "json")
    assert verify.exit_code == 1 and "GK4" in verify.stdout


def test_template_expressions_cannot_reach_python(bureau_site: tuple[Bureau, Path], tmp_path: Path, cli) -> None:
    """Even an admin's template runs sandboxed: no path from an expression to files or objects."""
    b, _ = bureau_site
    override = b.root / "templates/site/404.html"
    override.parent.mkdir(parents=True)
    override.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    b.as_("admin")
    run_git(b.root, "add", "templates/site/404.html")
    run_git(b.root, "commit", "-q", "-S", "-m", "自定义模板")
    out = tmp_path / "site"
    result = cli("-C", str(b.root), "build", "--out", str(out))
    assert result.exit_code == 2 and "unsafe" in result.output and "Traceback" not in result.output
    assert "subclasses" not in result.stdout and "<class" not in result.output
    assert not out.exists()


# -- 网页防篡改: gkctl verify --site ------------------------------------------------------------


def _deploy(out: Path, where: Path) -> Path:
    """Copy a built site the way it is put on a web server: plain files, no symlinks."""
    shutil.copytree(out.resolve(), where)
    return where


def test_the_manifest_lists_every_file_and_is_signed_by_the_builder(bureau_site: tuple[Bureau, Path]) -> None:
    b, out = bureau_site
    files = _all_bytes(out)
    manifest = json.loads(files["manifest.json"])
    assert manifest["rev"] == run_git(b.root, "rev-parse", "HEAD").strip()
    assert set(manifest["files"]) == set(files) - {"manifest.json", "manifest.json.sig"}
    assert manifest["files"]["index.html"] == hashlib.sha256(files["index.html"]).hexdigest()
    sig = files["manifest.json.sig"]
    assert sig.startswith(b"-----BEGIN SSH SIGNATURE-----")
    allowed = out.parent / "allowed"
    allowed.write_text(f"clerk {b.keys['clerk'].line}\n", encoding="utf-8")
    (out.parent / "m.sig").write_bytes(sig)
    check = subprocess.run(  # OpenSSH itself accepts it, in the gkctl-site namespace only
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "clerk", "-n", "gkctl-site", "-s",
         str(out.parent / "m.sig")], input=files["manifest.json"], capture_output=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_verify_site_passes_an_untouched_copy_offline_and_by_rebuilding(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli
) -> None:
    b, out = bureau_site
    www = _deploy(out, tmp_path / "www")
    for extra in ((), ("--offline",)):
        result = cli("-C", str(b.root), "verify", "--site", str(www), *extra)
        assert result.exit_code == 0, result.output
        assert "网站副本与版本" in result.stdout and "一致" in result.stdout and "签名人 clerk" in result.stdout
    as_json = cli("-C", str(b.root), "verify", "--site", str(out), "--offline", "--format", "json")
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["problems"] == []  # the live symlink works too


def test_verify_site_names_every_tampering(bureau_site: tuple[Bureau, Path], tmp_path: Path, cli) -> None:
    b, out = bureau_site
    www = _deploy(out, tmp_path / "www")
    page = next(p for p in (www / "doc" / "2026").glob("*.html") if "okpublicbody" in p.read_text(encoding="utf-8"))
    page.write_text(page.read_text(encoding="utf-8").replace("okpublicbody", "篡改的内容"), encoding="utf-8")
    (www / "doc" / "2026" / "added.html").write_text("<p>后来加的页面</p>", encoding="utf-8")
    (www / "feed.xml").unlink()
    attachment = next((www / "files").rglob("*.txt"))
    attachment.write_bytes(attachment.read_bytes() + b"x")
    rel = {p: p.relative_to(www).as_posix() for p in (page, attachment)}
    for extra in ((), ("--offline",)):
        result = cli("-C", str(b.root), "verify", "--site", str(www), "--format", "json", *extra)
        assert result.exit_code == 1, result.output
        problems = {(p["code"], p["path"]) for p in json.loads(result.stdout)["problems"]}
        assert problems == {("GK470", rel[page]), ("GK470", rel[attachment]), ("GK471", "doc/2026/added.html"),
                            ("GK472", "feed.xml")}, extra  # fmt: skip
    text = cli("-C", str(b.root), "verify", "--site", str(www), "--offline")
    assert text.exit_code == 1 and f"已被修改：{rel[page]}" in text.stdout and "缺少文件：feed.xml" in text.stdout
    assert "多出的文件：doc/2026/added.html" in text.stdout and "4 处问题" in text.stdout


def test_verify_site_refuses_a_forged_or_missing_signature(
    bureau_site: tuple[Bureau, Path], tmp_path: Path, cli
) -> None:
    b, out = bureau_site
    www = _deploy(out, tmp_path / "www")
    # a forger edits a page and writes its new digest into the manifest: the signature no longer holds
    (www / "index.html").write_text("<p>假的首页</p>", encoding="utf-8")
    manifest = json.loads((www / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["index.html"] = hashlib.sha256("<p>假的首页</p>".encode()).hexdigest()
    (www / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")  # fmt: skip
    forged = cli("-C", str(b.root), "verify", "--site", str(www), "--offline", "--format", "json")
    assert forged.exit_code == 1
    assert {p["code"] for p in json.loads(forged.stdout)["problems"]} == {"GK474"}
    # … and re-signs it with a key of their own: a good signature, but by no one in the policy
    stranger = make_ssh_key(tmp_path / "keys", "stranger")
    signed = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "gkctl-site", "-f", str(stranger.private)],
                            input=(www / "manifest.json").read_bytes(), capture_output=True, check=True)  # fmt: skip
    (www / "manifest.json.sig").write_bytes(signed.stdout)
    resigned = cli("-C", str(b.root), "verify", "--site", str(www), "--offline")
    assert resigned.exit_code == 1 and "GK475" in resigned.stdout and "不属于" in resigned.stdout
    (www / "manifest.json.sig").unlink()
    unsigned = cli("-C", str(b.root), "verify", "--site", str(www), "--offline")
    assert unsigned.exit_code == 1 and "GK474" in unsigned.stdout and "没有签名" in unsigned.stdout
    (www / "manifest.json").unlink()
    lost = cli("-C", str(b.root), "verify", "--site", str(www))
    assert lost.exit_code == 1 and "GK473" in lost.stdout
    missing = cli("-C", str(b.root), "verify", "--site", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "不存在" in missing.output and "Traceback" not in missing.output
    alone = cli("-C", str(b.root), "verify", "--offline")
    assert alone.exit_code == 2 and "--site" in alone.output
