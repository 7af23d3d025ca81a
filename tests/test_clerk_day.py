"""A new clerk's first day, end to end, with gkctl commands only.

A temporary HOME with no git identity and no key; a real central bare repository with the
installed pre-receive hook; real ssh keys made by ``setup --new``; real pushes through
``sync``. The clerk never runs git or ssh-keygen: if a step needed raw git, this test would
have to call it, and it does not.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from helpers.cli import Result, run_cli
from helpers.git import CODE, ORG
from helpers.sig import GpgKey, gpg_key, make_ssh_key

__all__ = ["gpg_key"]  # a fixture, imported for pytest

TITLE = "关于2026年度政府信息公开工作安排的通知"


def ok(*args: str, cwd: Path | None = None) -> Result:
    res = run_cli(*args, cwd=cwd)
    assert res.exit_code == 0, (args, res.output)
    return res


@pytest.fixture
def bare_home(hermetic_git: Path) -> Path:
    """HOME as a new clerk's machine has it: no git identity, no ~/.ssh."""
    (hermetic_git / ".gitconfig").write_text("")
    return hermetic_git


def test_a_clerk_from_clone_to_a_second_review(bare_home: Path, tmp_path: Path) -> None:
    central, admin, clerk = tmp_path / "central.git", tmp_path / "admin", tmp_path / "clerk"
    # -- the admin: a central repository and a bureau repository that signs from its first commit
    admin_key = make_ssh_key(tmp_path / "admin-keys", "admin")
    ok("server", "init", str(central))
    ok("init", str(admin), "--org", ORG, "--code", CODE, "--admin", "admin", "--admin-name", "王主任",
       "--admin-key", f"@{admin_key.public}", "--role", "reviewer", "--remote", str(central))  # fmt: skip
    ok("-C", str(admin), "sync")

    # -- the clerk: no identity, no key
    assert run_cli("whoami", cwd=tmp_path).exit_code == 2
    ok("clone", str(central), str(clerk))
    res = run_cli("-C", str(clerk), "whoami")
    assert res.exit_code == 2 and "gkctl setup" in res.output and "gpg" not in res.output
    res = ok("-C", str(clerk), "setup", "--new", "--no-passphrase", "--id", "zhangsan", "--name", "张三",
             "--section", "办公室")  # fmt: skip
    assert (bare_home / ".ssh" / "gkctl_ed25519").is_file()
    line = res.stdout.strip().splitlines()[-1]
    assert line.startswith("gkctl people add zhangsan ")

    # -- the admin runs the printed line as it is
    argv = shlex.split(line)[1:]
    res = ok("-C", str(admin), *argv)
    assert "zhangsan" in res.output
    ok("-C", str(admin), "sync")

    # -- the clerk drafts and saves
    ok("-C", str(clerk), "sync")
    assert "张三（zhangsan），办公室；角色：拟稿人" in ok("-C", str(clerk), "whoami").stdout
    res = ok("-C", str(clerk), "new", "--title", TITLE, "--category", "工作信息", "--attribute", "主动公开",
             "--basis", "社会广泛知晓", "--section", "办公室", "--drafter", "zhangsan", "--kind", "非公文",
             "--save")  # fmt: skip
    path = res.stdout.strip().splitlines()[-1]
    doc_id = Path(path).stem
    assert f"拟稿：{TITLE}" in res.stdout
    assert "下一步：审稿（王主任）" in ok("-C", str(clerk), "status", doc_id).stdout
    shown = ok("-C", str(clerk), "show", doc_id).stdout
    assert re.search(r"拟稿人\s*│ 张三（zhangsan）", shown) and re.search(r"状态\s*│ 草稿", shown)
    ok("-C", str(clerk), "sync")

    # -- the reviewer sends it back with a reason
    ok("-C", str(admin), "sync")
    res = ok("-C", str(admin), "review", doc_id, "--reject", "-m", "第二段日期有误，请核实后再送审")
    assert "审稿退回" in res.stdout and "review" not in res.stdout
    ok("-C", str(admin), "sync")

    # -- the drafter reads the reason, fixes the text, saves again
    ok("-C", str(clerk), "sync")
    log = ok("-C", str(clerk), "log", doc_id).stdout
    assert "第二段日期有误，请核实后再送审" in log and "退回" in log
    assert "下一步：拟稿人修改后 gkctl save（张三）" in ok("-C", str(clerk), "status", doc_id).stdout
    doc = clerk / path
    doc.write_text(doc.read_text(encoding="utf-8").replace("（在此撰写正文。）", "日期已核实：2026年12月1日。"),
                   encoding="utf-8")  # fmt: skip
    assert "gkctl save" in ok("-C", str(clerk), "status", doc_id).stdout
    res = ok("-C", str(clerk), "save", doc_id, "-m", "已按审稿意见核实日期")
    assert f"修改：{TITLE}" in res.stdout
    ok("-C", str(clerk), "sync")

    # -- the second review passes, and the clerk sees who is next
    ok("-C", str(admin), "sync")
    assert "审稿通过" in ok("-C", str(admin), "review", doc_id, "--approve", "-m", "同意").stdout
    ok("-C", str(admin), "sync")
    ok("-C", str(clerk), "sync")
    status = ok("-C", str(clerk), "status", doc_id).stdout
    assert "下一步：签发" in status and "同意" in status
    ok("-C", str(clerk), "verify")


def test_save_refuses_without_a_signing_key(repo: Path, bare_home: Path) -> None:
    """An unsigned change would count for nothing: save says to run setup and commits nothing."""
    from helpers.workflow import run_git

    run_git(repo, "config", "--unset", "user.signingkey")
    res = run_cli("-C", str(repo), "new", "--title", "未签名", "--category", "工作信息", "--attribute", "依申请公开",
                  "--section", "办公室", "--drafter", "admin", "--kind", "非公文", "--save")  # fmt: skip
    assert res.exit_code == 2 and "gkctl setup" in res.output
    assert not list((repo / "docs").rglob("*.md"))
    assert run_git(repo, "log", "--oneline").count("\n") == 1


def test_setup_with_an_existing_key_and_bad_keys(repo: Path, bare_home: Path, tmp_path: Path) -> None:
    key = make_ssh_key(tmp_path / "k", "lisi")
    res = ok("-C", str(repo), "setup", "--key", str(key.private), "--id", "lisi", "--name", "李四",
             "--section", "办公室", "--role", "reviewer")  # fmt: skip
    assert key.key in res.stdout
    assert res.stdout.strip().splitlines()[-1] == (
        f"gkctl people add lisi --name 李四 --section 办公室 --role reviewer --key '{key.line}'")
    from helpers.workflow import run_git

    assert run_git(repo, "config", "--local", "commit.gpgsign").strip() == "true"
    assert run_git(repo, "config", "--local", "gpg.format").strip() == "ssh"
    assert (repo / ".git" / "hooks" / "pre-commit").is_file()
    # a public key where the private one belongs, a missing file, both or neither option
    for args in (["--key", str(key.public)], ["--key", str(tmp_path / "nope")], ["--key", str(key.private), "--new"],
                 [], ["--new", "--role", "boss", "--no-passphrase"]):  # fmt: skip
        res = run_cli("-C", str(repo), "setup", *args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
    # a new key without --no-passphrase off a terminal is refused, not silently unprotected
    res = run_cli("-C", str(repo), "setup", "--new", "--key-file", str(tmp_path / "k2"))
    assert res.exit_code == 2 and "--no-passphrase" in res.output
    assert not (tmp_path / "k2").exists()


def test_validate_warns_about_what_new_left_to_fill_in(repo: Path) -> None:
    res = ok("-C", str(repo), "new", "--title", "待写的通知", "--category", "工作信息", "--attribute", "主动公开",
             "--basis", "社会广泛知晓", "--section", "办公室", "--drafter", "admin", "--kind", "非公文")  # fmt: skip
    path = repo / res.stdout.strip().splitlines()[-1]
    text = path.read_text(encoding="utf-8")
    assert "\nsummary: " in text
    rel = path.relative_to(repo).as_posix()
    out = ok("-C", str(repo), "validate", rel).stdout
    body_line = text.splitlines().index("（在此撰写正文。）") + 1
    assert f"{rel}:{body_line}: 警告[GK126]" in out
    assert "警告[GK127]" in out and "0 个错误，2 个警告" in out
    path.write_text(text.replace("（在此撰写正文。）", "正文。").replace('summary: ""', "summary: 年度审计项目安排。"),
                    encoding="utf-8")  # fmt: skip
    assert "0 个错误，0 个警告" in ok("-C", str(repo), "validate", rel).stdout


def test_setup_with_an_openpgp_key_signs_saves(repo: Path, gpg_key: GpgKey, tmp_path: Path) -> None:
    """Where gpg is set up (here: its program), setup takes the fingerprint and save signs with it."""
    from helpers.workflow import run_git

    run_git(repo, "config", "gpg.program", str(gpg_key.program))
    res = ok("-C", str(repo), "setup", "--key", gpg_key.fingerprint, "--id", "wangwu", "--name", "王五",
             "--section", "办公室")  # fmt: skip
    assert res.stdout.strip().splitlines()[-1].endswith(f"--key {gpg_key.fingerprint}")
    assert run_git(repo, "config", "--local", "gpg.format").strip() == "openpgp"
    ok("-C", str(repo), "new", "--title", "开放式签名", "--category", "工作信息", "--attribute", "依申请公开",
       "--section", "办公室", "--drafter", "admin", "--kind", "非公文", "--save")  # fmt: skip
    assert run_git(repo, "log", "-1", "--format=%G? %s").startswith("G 拟稿：开放式签名")
    bad = run_cli("-C", str(repo), "setup", "--key", "0" * 40)
    assert bad.exit_code == 2 and "gpg 中没有指纹" in bad.output
