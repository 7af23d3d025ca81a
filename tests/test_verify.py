"""``gkctl verify`` as CI and auditors run it: exit codes, formats, ranges, the trust anchor,
and agreement with ``git verify-commit`` on every commit."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from gkctl.services.people import add_person, revoke_person
from gkctl.trail.gitutil import commit
from gkctl.trail.history import load_history
from gkctl.trail.signatures import allowed_signers
from gkctl.trail.trust import build_trust
from helpers.cli import Result
from helpers.sig import Bureau, GpgKey, bureau_env, make_gpg_key, published_bureau, use_gpg_key, use_ssh_key

Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    with published_bureau(tmp_path_factory.mktemp("verify")) as (b, _):
        yield b


@pytest.fixture
def bureau(honest: Bureau, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bureau:
    for k, v in bureau_env(tmp_path / "home").items():
        monkeypatch.setenv(k, v)
    return honest.copy(tmp_path / "work")


def _root(b: Bureau) -> str:
    return b.git("rev-list", "--max-parents=0", "HEAD").strip()


def test_honest_history_verifies(bureau: Bureau, cli: Cli) -> None:
    res = cli("verify", "-C", str(bureau.work))
    assert res.exit_code == 0, res.output
    count = len(bureau.git("rev-list", "HEAD").split())
    assert f"验证通过：{count} 个提交" in res.stdout


def test_json_output_is_stable(bureau: Bureau, cli: Cli) -> None:
    bureau.act("zhang")
    commit(bureau.work, "没签名", [], allow_empty=True, sign=False)
    res = cli("verify", "-C", str(bureau.work), "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert set(data) == {"ok", "head", "root", "checked", "violations"}
    assert data["ok"] is False and data["root"] == _root(bureau)
    (v,) = data["violations"]
    assert v["code"] == "GK401" and v["commit"] == bureau.git("rev-parse", "HEAD").strip()
    assert set(v) == {"commit", "code", "message", "path", "line", "document", "severity"}


def test_github_annotations(bureau: Bureau, cli: Cli) -> None:
    rel = bureau.draft("关于审计工作的说明")
    path = bureau.work / rel
    path.write_text(path.read_text(encoding="utf-8").replace("attribute: 主动公开", "attribute: 随便公开"),
                    encoding="utf-8")  # fmt: skip
    bureau.act("zhang")
    commit(bureau.work, "改坏了公开属性", [rel])
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work), "--format", "github")
    assert res.exit_code == 1
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("::error "))
    assert line.startswith(f"::error file={rel},line=")
    assert ",title=gkctl GK1" in line and "随便公开" in line


def test_range_checks_only_its_commits(bureau: Bureau, cli: Cli) -> None:
    bureau.act("zhang")
    commit(bureau.work, "没签名", [], allow_empty=True, sign=False)
    bureau.act("zhang")
    commit(bureau.work, "签了名", [], allow_empty=True)
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 0 and "验证通过：1 个提交" in res.stdout
    assert cli("verify", "HEAD~2..HEAD", "-C", str(bureau.work)).exit_code == 1


def test_root_pins_the_trust_anchor(bureau: Bureau, cli: Cli) -> None:
    assert cli("verify", "--root", _root(bureau), "-C", str(bureau.work)).exit_code == 0
    res = cli("verify", "--root", "1" * 40, "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK421]" in res.stdout and "历史已被改写" in res.stdout
    bad = cli("verify", "--root", "no-such-commit", "-C", str(bureau.work))
    assert bad.exit_code == 2 and "找不到 --root 指定的信任根提交" in bad.stderr


def test_bad_range_is_a_usage_error(bureau: Bureau, cli: Cli) -> None:
    res = cli("verify", "nosuchbranch..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 2 and "无法解析版本范围" in res.stderr


def test_rewritten_root_is_caught(bureau: Bureau, cli: Cli, tmp_path: Path) -> None:
    """Someone rebuilds history from scratch with their own admin: --root catches it, and an
    unpinned verify still refuses a root that no admin of its own policy signed."""
    original = _root(bureau)
    fake = tmp_path / "fake"
    subprocess.run(["git", "init", "-q", str(fake)], check=True)
    subprocess.run(["git", "-C", str(fake), "commit", "-q", "--allow-empty", "-m", "假的开始"], check=True)
    res = cli("verify", "--root", original, "-C", str(fake))
    assert res.exit_code == 1 and "[GK421]" in res.stdout
    res = cli("verify", "-C", str(fake))
    assert res.exit_code == 1 and "[GK423]" in res.stdout


def test_second_root_is_refused(bureau: Bureau, cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    use_ssh_key(other, bureau.keys["mallory"])
    (other / "readme.txt").write_text("另一段历史\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(other), "add", "."], check=True)
    subprocess.run(["git", "-C", str(other), "commit", "-q", "-S", "-m", "我的政策"], check=True)
    bureau.git("fetch", "-q", str(other), "main:other")
    bureau.act("zhang")
    bureau.git("merge", "-q", "--allow-unrelated-histories", "-S", "-m", "合并", "other")
    res = cli("verify", "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK422]" in res.stdout


def test_revoked_key_cannot_sign_after_active_until(bureau: Bureau, cli: Cli) -> None:
    revoke_person(bureau.act("wang"), "zhang", date(2026, 11, 10))
    bureau.act("zhang")
    commit(bureau.work, "停用后的提交", [], allow_empty=True)  # committer date 2026-11-20
    res = cli("verify", "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK404]" in res.stdout and "zhang" in res.stdout


def test_tampered_commit_has_a_bad_signature(bureau: Bureau, cli: Cli) -> None:
    bureau.act("zhang")
    commit(bureau.work, "原文", [], allow_empty=True)
    raw = subprocess.run(["git", "-C", str(bureau.work), "cat-file", "commit", "HEAD"], capture_output=True).stdout
    forged = subprocess.run(["git", "-C", str(bureau.work), "hash-object", "-t", "commit", "-w", "--stdin"],
                            input=raw.replace("原文".encode(), "改文".encode()), capture_output=True,
                            check=True).stdout.decode().strip()  # fmt: skip
    bureau.git("update-ref", "refs/heads/main", forged)
    res = cli("verify", "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK402]" in res.stdout and "篡改" in res.stdout


def test_auditor_verifies_a_bare_clone(bureau: Bureau, cli: Cli, tmp_path: Path) -> None:
    bare = tmp_path / "audit.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(bureau.work), str(bare)], check=True)
    res = cli("verify", "--root", _root(bureau), "-C", str(bare))
    assert res.exit_code == 0, res.output


def test_agrees_with_git_verify_commit(bureau: Bureau, tmp_path: Path) -> None:
    """Every commit: git verify-commit (allowed signers exported from the policy) accepts it
    exactly when gkctl finds a good signature by a registered, active key."""
    bureau.act("zhang")
    commit(bureau.work, "没签名", [], allow_empty=True, sign=False)
    use_ssh_key(bureau.work, bureau.keys["mallory"])
    commit(bureau.work, "陌生人", [], allow_empty=True)
    hist = load_history(bureau.work)
    trust = build_trust(bureau.work, hist)
    policy = trust.head_policy
    assert policy is not None
    signers = tmp_path / "allowed_signers"
    signers.write_text(allowed_signers(policy), encoding="utf-8")
    bureau.git("config", "gpg.ssh.allowedSignersFile", str(signers))
    trust.check(list(hist))
    verdicts = []
    for rec in hist:
        key = trust.signing_key(rec)
        person = policy.people.by_key(key) if key else None
        ours = person is not None
        theirs = subprocess.run(["git", "-C", str(bureau.work), "verify-commit", rec.id],
                                capture_output=True).returncode == 0  # fmt: skip
        assert ours == theirs, rec.subject
        verdicts.append(ours)
    assert verdicts.count(False) == 2 and len(verdicts) > 10


@pytest.fixture
def gpg(tmp_path: Path) -> Iterator[GpgKey]:
    key = make_gpg_key("赵六", "zhaoliu@example.org")
    try:
        yield key
    finally:
        key.close()


def test_openpgp_signer_is_verified_through_gpg(bureau: Bureau, cli: Cli, gpg: GpgKey) -> None:
    add_person(bureau.act("wang"), "zhaoliu", "赵六", "办公室", ["drafter"], gpg.fingerprint)
    use_gpg_key(bureau.work, gpg)
    commit(bureau.work, "用 OpenPGP 签名的提交", [], allow_empty=True)
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 0, res.output
    # a verifier whose keyring lacks the key (and has no cached verdict) cannot check it: fails closed
    shutil.rmtree(bureau.work / ".git" / "gkctl")
    empty = make_gpg_key("空", "empty@example.org")
    try:
        bureau.git("config", "gpg.program", str(empty.program))
        res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
        assert res.exit_code == 1 and "[GK405]" in res.stdout and "NO_PUBKEY" in res.stdout
    finally:
        empty.close()


def test_admin_breaking_the_policy_is_reported_with_file_and_line(bureau: Bureau, cli: Cli) -> None:
    people = bureau.work / "policies" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + "people: []\n", encoding="utf-8")  # duplicate key
    bureau.act("wang")
    commit(bureau.work, "人员：误操作", ["policies/people.yaml"])
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 1
    line = next(ln for ln in res.stdout.splitlines() if "[GK411]" in ln)
    assert "policies/people.yaml:" in line and "重复的键" in line


def _step(b: Bureau, pid: str, subject: str, trailers: dict[str, str]) -> None:
    b.act(pid)
    message = subject + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items()) + "\n"
    commit(b.work, message, [], allow_empty=True)


def test_index_number_is_never_reused(bureau: Bureau, cli: Cli) -> None:
    taken = bureau.git("log", "-1", "--grep=Gkctl-Index", "--format=%(trailers:key=Gkctl-Index,valueonly)").strip()
    rel = bureau.draft("关于第二份文件的通知")
    bureau.approve_all(rel)
    _step(bureau, "wang", "发布", {"Gkctl-Step": "publish", "Gkctl-Document": Path(rel).stem, "Gkctl-Path": rel,
                                 "Gkctl-Blob": bureau.blob(rel), "Gkctl-Index": taken,
                                 "Gkctl-Published": "2026-11-20"})  # fmt: skip
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK450]" in res.stdout and taken in res.stdout


def test_step_naming_a_blob_that_is_not_at_its_path(bureau: Bureau, cli: Cli) -> None:
    rel = bureau.draft("关于第三份文件的通知")
    _step(bureau, "li", "审稿通过", {"Gkctl-Step": "review", "Gkctl-Document": Path(rel).stem, "Gkctl-Path": rel,
                                    "Gkctl-Blob": "0123456789abcdef0123456789abcdef01234567",
                                    "Gkctl-Verdict": "approve"})  # fmt: skip
    res = cli("verify", "HEAD~1..HEAD", "-C", str(bureau.work))
    assert res.exit_code == 1 and "[GK443]" in res.stdout


def test_caches_change_nothing(bureau: Bureau, cli: Cli) -> None:
    """Verdicts and validation results are cached by object ids; a damaged cache is ignored."""
    rel = bureau.draft("关于缓存的说明")
    path = bureau.work / rel
    path.write_text(path.read_text(encoding="utf-8").replace("attribute: 主动公开", "attribute: 随便公开"),
                    encoding="utf-8")  # fmt: skip
    bureau.act("zhang")
    commit(bureau.work, "改坏了", [rel])
    first = cli("verify", "-C", str(bureau.work), "--format", "json")
    cache = bureau.work / ".git" / "gkctl"
    assert (cache / "verify-docs-v2.marshal").is_file()
    assert cli("verify", "-C", str(bureau.work), "--format", "json").stdout == first.stdout
    for f in cache.iterdir():
        f.write_bytes(b"\x00damaged")
    again = cli("verify", "-C", str(bureau.work), "--format", "json")
    assert again.stdout == first.stdout and again.exit_code == first.exit_code == 1
    assert "随便公开" in first.stdout


def test_process_count_does_not_grow_with_history(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    """One history pass: the git processes verify starts do not depend on the number of commits."""
    from gkctl.services.verify import verify
    from gkctl.trail import cache, gitutil

    spawned: list[object] = []
    real = subprocess.Popen.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        spawned.append(args[0] if args else kwargs.get("args"))
        real(self, *args, **kwargs)

    def processes() -> int:
        shutil.rmtree(bureau.work / ".git" / "gkctl", ignore_errors=True)  # cold: every cache gone
        # and what a process keeps between calls (the open cat-file, the git directory's path)
        gitutil._close_cats()
        cache._GIT_DIRS.clear()
        spawned.clear()
        with monkeypatch.context() as m:
            m.setattr(subprocess.Popen, "__init__", counting)
            assert verify(bureau.work).ok
        return len(spawned)

    bureau.act("zhang")
    commit(bureau.work, "日常提交", [], allow_empty=True)
    before = processes()
    for i in range(25):
        commit(bureau.work, f"日常提交 {i}", [], allow_empty=True)
    assert processes() == before


def test_a_parsed_document_changed_in_the_cache_is_not_believed(bureau: Bureau, cli: Cli) -> None:
    """verify judges and validates each document version as parsed once into a cache under
    ``.git/gkctl/``: a byte changed there (still a loadable pickle, another attribute) makes the
    cache read as empty, never as another document."""
    from gkctl.services.verify import VALIDATION_CACHE
    from gkctl.trail.cache import cache_path
    from gkctl.trail.trust import DOC_CACHE

    first = cli("verify", "-C", str(bureau.work), "--format", "json")
    docs = cache_path(bureau.work, DOC_CACHE)
    data = docs.read_bytes()
    assert "主动公开".encode() in data
    docs.write_bytes(data.replace("主动公开".encode(), "不予公开".encode()))  # same length: it still loads
    cache_path(bureau.work, VALIDATION_CACHE).unlink()  # so the versions are validated again
    again = cli("verify", "-C", str(bureau.work), "--format", "json")
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)
