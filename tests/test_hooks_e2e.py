"""The central repository's gate, end to end: real keys, real signed commits, real ``git push``
to a bare repository whose pre-receive hook is the one ``gkctl server init`` installs.

One honest bureau is built and pushed per module; every attack starts from a copy of its
clone, pushes, and must be refused with a Chinese reason on the pusher's screen, leaving the
central repository's refs exactly as they were.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from gkctl.core.yamlio import dump_yaml
from gkctl.trail.gitutil import commit
from helpers.central import Central, assert_refused, central_repository, push
from helpers.sig import Bureau, use_ssh_key


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with central_repository(tmp_path_factory.mktemp("central")) as c:
        yield c


def _refused(c: Central, b: Bureau, code: str, *push_args: str) -> str:
    stderr = assert_refused(c.path, b, code, *push_args)
    return stderr


def _step_message(subject: str, trailers: dict[str, str]) -> str:
    return subject + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items()) + "\n"


def test_honest_chain_is_accepted_and_pins_the_root(central: Central) -> None:
    assert central.first_push is not None and central.first_push.returncode == 0, central.first_push.stderr
    head = central.honest.git("rev-parse", "HEAD").strip()
    assert f"{head} refs/heads/main" in central.refs()
    pinned = subprocess.run(["git", "-C", str(central.path), "config", "gkctl.root"], capture_output=True, text=True)
    assert pinned.stdout.strip() == central.honest.git("rev-list", "--max-parents=0", "HEAD").strip()


def test_unsigned_commit_is_refused(central: Central) -> None:
    b = central.clone("unsigned")
    (b.work / "docs" / "2026" / "note.md").write_text("随手记", encoding="utf-8")
    commit(b.work, "随手改一下", ["docs/2026/note.md"], sign=False)
    assert "提交没有签名" in _refused(central, b, "GK401")


def test_unknown_key_is_refused(central: Central) -> None:
    b = central.clone("unknown")
    use_ssh_key(b.work, b.keys["mallory"])
    commit(b.work, "来历不明的提交", [], allow_empty=True)
    assert "不属于" in _refused(central, b, "GK403")


def test_clerk_adding_own_key_then_approving_is_refused(central: Central) -> None:
    b = central.clone("selfadd")
    rel = b.draft("关于2026年度内部审计工作安排的通知")
    people = b.work / "policies" / "people.yaml"
    data = yaml.safe_load(people.read_text(encoding="utf-8"))
    data["people"].append({"id": "ghost", "name": "影子", "section": "办公室", "roles": ["reviewer"],
                           "keys": [b.keys["mallory"].line]})  # fmt: skip
    people.write_text(dump_yaml(data), encoding="utf-8")
    b.act("zhang")
    commit(b.work, "人员：增加审稿人\n\nGkctl-Step: people", ["policies/people.yaml"])
    use_ssh_key(b.work, b.keys["mallory"])
    doc_id = Path(rel).stem
    commit(b.work, _step_message("审稿通过", {"Gkctl-Step": "review", "Gkctl-Document": doc_id, "Gkctl-Path": rel,
                                           "Gkctl-Blob": b.blob(rel), "Gkctl-Verdict": "approve"}),
           [], allow_empty=True)  # fmt: skip
    out = _refused(central, b, "GK410")
    assert "[GK403]" in out  # the self-added key is nobody in the effective policy


def test_approval_by_the_wrong_role_is_refused(central: Central) -> None:
    b = central.clone("wrongrole")
    rel = b.draft("关于审计整改情况的说明")
    b.act("p1")  # a proofreader approving the review step
    commit(b.work, _step_message("审稿通过", {"Gkctl-Step": "review", "Gkctl-Document": Path(rel).stem,
                                           "Gkctl-Path": rel, "Gkctl-Blob": b.blob(rel), "Gkctl-Verdict": "approve"}),
           [], allow_empty=True)  # fmt: skip
    assert "reviewer" in _refused(central, b, "GK441")


def test_edit_after_sign_off_then_publish_is_refused(central: Central) -> None:
    b = central.clone("editafter")
    rel = central.published
    path = b.work / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n签发后悄悄加的一句话。\n", encoding="utf-8")
    b.act("zhang")
    commit(b.work, "补充一句", [rel])
    index = b.git("log", "-1", "--grep=Gkctl-Index", "--format=%(trailers:key=Gkctl-Index,valueonly)").strip()
    assert index
    b.act("wang")
    commit(b.work, _step_message("发布", {"Gkctl-Step": "publish", "Gkctl-Document": Path(rel).stem, "Gkctl-Path": rel,
                                        "Gkctl-Blob": b.blob(rel), "Gkctl-Index": index,
                                        "Gkctl-Published": "2026-11-20"}),
           [], allow_empty=True)  # fmt: skip
    assert "审核链不完整" in _refused(central, b, "GK442")


def test_forged_trailer_in_ordinary_commit_is_refused(central: Central) -> None:
    b = central.clone("forged")
    rel = b.draft("关于公开审计结果的说明")
    path = b.work / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n改了正文。\n", encoding="utf-8")
    b.act("zhang")
    commit(b.work, "修改正文\n\nGkctl-Verdict: approve", [rel])
    assert "Gkctl-Step" in _refused(central, b, "GK440")


def test_forged_step_that_also_changes_files_is_refused(central: Central) -> None:
    b = central.clone("forgedstep")
    rel = b.draft("关于审计项目进展的通报")
    path = b.work / rel
    path.write_text(path.read_text(encoding="utf-8") + "\n审稿人顺手改了正文。\n", encoding="utf-8")
    b.act("li")
    blob = subprocess.run(["git", "-C", str(b.work), "hash-object", rel], capture_output=True, text=True).stdout.strip()
    commit(b.work, _step_message("审稿通过", {"Gkctl-Step": "review", "Gkctl-Document": Path(rel).stem,
                                           "Gkctl-Path": rel, "Gkctl-Blob": blob, "Gkctl-Verdict": "approve"}),
           [rel])  # fmt: skip
    _refused(central, b, "GK440")


def test_force_push_rewriting_published_history_is_refused(central: Central) -> None:
    b = central.clone("rewrite")
    b.git("reset", "-q", "--hard", "HEAD~3")
    b.act("zhang")
    commit(b.work, "另起炉灶", [], allow_empty=True)
    assert "非快进" in _refused(central, b, "GK460", "--force", "main")


def test_deleting_the_protected_branch_is_refused(central: Central) -> None:
    b = central.clone("delete")
    _refused(central, b, "GK461", ":main")


def test_committer_date_in_the_future_is_refused(central: Central) -> None:
    b = central.clone("future")
    b.act("zhang")
    commit(b.work, "穿越", [], allow_empty=True, env={"GIT_COMMITTER_DATE": "2031-01-01T09:00:00+08:00"})
    assert "在未来" in _refused(central, b, "GK420")


def test_a_good_push_after_refusals_is_accepted(central: Central) -> None:
    b = central.clone("later")
    rel = b.draft("关于2027年度审计计划征求意见的通知")
    b.approve_all(rel)
    proc = push(b)
    assert proc.returncode == 0, proc.stderr
    assert b.git("rev-parse", "HEAD").strip() in central.refs()


def test_one_bad_ref_refuses_the_whole_push(central: Central) -> None:
    b = central.clone("tworefs")
    b.act("zhang")
    commit(b.work, "好的提交", [], allow_empty=True)
    b.git("checkout", "-q", "-b", "topic")
    commit(b.work, "坏的提交", [], allow_empty=True, sign=False)
    out = _refused(central, b, "GK401", "main", "topic")
    assert "topic" not in central.refs()
    assert "[GK401]" in out and out.count("错误[") == 1
