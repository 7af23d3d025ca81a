"""history.py: one pass over real git history, parsed right, cached by commit id."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gkctl.trail import history
from gkctl.trail.history import load_history, parse_trailers, read_records
from gkctl.trail.sshsig import split_signed_commit
from helpers.sig import make_ssh_key, use_ssh_key
from helpers.workflow import git_home, run_git, write  # noqa: F401  (fixture)

STEP_MSG = """审稿通过：关于印发政务信息公开工作制度的通知

意见：公开属性准确。

Gkctl-Step: review
Gkctl-Document: 2023-bgs-007
Gkctl-Blob: 3b18e512dba79e4c8300dd08aeb37f8e728b8dad
Gkctl-Verdict: approve
Gkctl-Waive: GK301
Gkctl-Waive: GK302
"""


@pytest.fixture
def repo(tmp_path: Path, git_home: Path) -> Path:  # noqa: F811
    root = tmp_path / "repo"
    root.mkdir()
    run_git(root, "init", "-q")
    return root


def test_trailers_are_parsed_multi_valued_and_case_insensitive() -> None:
    tr = parse_trailers(STEP_MSG)
    assert tr["gkctl-step"] == ("review",)
    assert tr["gkctl-waive"] == ("GK301", "GK302")
    assert parse_trailers("subject only\n") == {}
    # a last paragraph with prose is not a trailer block
    assert parse_trailers("subject\n\nGkctl-Step: review\nnot a trailer line\n") == {}


def test_records_carry_parents_changes_and_trailers(repo: Path) -> None:
    write(repo, "docs/a.md", "one\n")
    run_git(repo, "add", "docs/a.md")
    run_git(repo, "commit", "-qm", "first")
    write(repo, "docs/a.md", "two\n")
    write(repo, "docs/b.md", "b\n")
    run_git(repo, "add", "docs")
    run_git(repo, "commit", "-qm", "second")
    run_git(repo, "rm", "-q", "docs/b.md")
    run_git(repo, "commit", "-q", "--allow-empty", "-F", "-", input=STEP_MSG)

    hist = load_history(repo)
    assert len(hist) == 3
    first, second, third = hist.commits
    assert first.parents == () and second.parents == (first.id,) and third.parents == (second.id,)
    assert [(c.path, c.status, c.old_blob) for c in first.changes] == [("docs/a.md", "A", None)]
    blob_two = run_git(repo, "rev-parse", f"{second.id}:docs/a.md").strip()
    change = second.changed("docs/a.md")
    assert change is not None and change.status == "M" and change.new_blob == blob_two
    assert change.old_blob == first.changed("docs/a.md").new_blob
    assert third.changed("docs/b.md").new_blob is None
    assert third.step == "review" and third.trailer("gkctl-document") == "2023-bgs-007"
    assert third.trailer_all("Gkctl-Waive") == ("GK301", "GK302")
    assert third.subject.startswith("审稿通过")
    assert second.author == "Test <test@example.org>" and second.committer_time > 0


def test_merge_changes_are_relative_to_first_parent(repo: Path) -> None:
    write(repo, "a.txt", "a\n")
    run_git(repo, "add", "a.txt")
    run_git(repo, "commit", "-qm", "base")
    run_git(repo, "checkout", "-qb", "side")
    write(repo, "side.txt", "s\n")
    run_git(repo, "add", "side.txt")
    run_git(repo, "commit", "-qm", "side")
    run_git(repo, "checkout", "-q", "main")
    write(repo, "main.txt", "m\n")
    run_git(repo, "add", "main.txt")
    run_git(repo, "commit", "-qm", "main")
    run_git(repo, "merge", "-q", "--no-edit", "side")

    hist = load_history(repo)
    merge = hist.commits[-1]
    assert merge.is_merge
    assert [c.path for c in merge.changes] == ["side.txt"]
    # parents come before children
    seen: set[str] = set()
    for rec in hist:
        assert all(p in seen for p in rec.parents)
        seen.add(rec.id)


def test_signature_and_payload_are_cut_like_git(repo: Path, tmp_path: Path) -> None:
    key = make_ssh_key(tmp_path / "keys", "alice")
    use_ssh_key(repo, key)
    write(repo, "a.txt", "a\n")
    run_git(repo, "add", "a.txt")
    run_git(repo, "commit", "-q", "-S", "-m", "signed")
    assert load_history(repo).commits[0].raw is None  # a whole history is kept without raw objects
    [rec] = read_records(repo, [load_history(repo).commits[0].id])
    assert rec.raw is not None
    signed_payload, signature = split_signed_commit(rec.raw)
    assert signature is not None and signature.startswith(b"-----BEGIN SSH SIGNATURE-----")
    assert b"gpgsig" not in signed_payload
    # the payload is exactly what ssh-keygen verifies for git
    sigfile = tmp_path / "sig"
    sigfile.write_bytes(signature)
    allowed = tmp_path / "allowed"
    allowed.write_text(f"alice {key.key}\n")
    proc = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "alice", "-n", "git", "-s", str(sigfile)],
        input=signed_payload, capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr
    payload, sig = split_signed_commit(b"tree x\nauthor a\n\nmsg\n")
    assert sig is None and payload == b"tree x\nauthor a\n\nmsg\n"


def test_one_pass_and_cache(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        write(repo, f"f{i}.txt", str(i))
        run_git(repo, "add", ".")
        run_git(repo, "commit", "-qm", f"c{i}")
    calls: list[tuple[str, ...]] = []
    real = history.git_bytes

    def counting(root, *args, **kw):  # real git, only counted
        calls.append(args)
        return real(root, *args, **kw)

    monkeypatch.setattr(history, "git_bytes", counting)
    cold = load_history(repo)
    assert len(cold) == 30
    cold_calls = len(calls)
    assert cold_calls <= 5, calls  # never one process per commit
    assert (repo / ".git" / "gkctl" / history.CACHE_NAME).is_file()
    calls.clear()
    warm = load_history(repo)
    assert [r.id for r in warm] == [r.id for r in cold]
    assert [r.changes for r in warm] == [r.changes for r in cold]
    assert not any(a[0] in ("cat-file", "diff-tree") for a in calls), calls


def test_a_damaged_cache_is_ignored(repo: Path) -> None:
    write(repo, "a.txt", "a\n")
    run_git(repo, "add", "a.txt")
    run_git(repo, "commit", "-qm", "honest message")
    first = load_history(repo).commits[0]
    cache = repo / ".git" / "gkctl" / history.CACHE_NAME
    blob = cache.read_bytes()
    assert b"honest" in blob
    cache.write_bytes(blob.replace(b"honest", b"forged"))  # contents changed, checksum not
    assert load_history(repo).commits[0].message.startswith("honest")
    cache.write_bytes(b"\x00garbage")
    assert load_history(repo).commits[0].message.startswith("honest")
    assert load_history(repo).commits[0].id == first.id


def test_unborn_branch_is_empty_history(repo: Path) -> None:
    hist = load_history(repo)
    assert hist.head is None and len(hist) == 0


def test_a_forked_worker_reads_objects_beside_its_parent(tmp_path: Path) -> None:
    """Small reads share one kept-open ``cat-file --batch``; a forked worker (validate, builds
    and signature checks fork) reading at the same time as its parent must get its own process,
    not interleave with the parent's answers on the same pipes."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from gkctl.trail.gitutil import cat_objects

    repo = tmp_path / "r"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    blobs = {}
    for i in range(40):
        data = f"object {i}\n".encode() * (i + 1)
        sha = subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"], input=data,
                             capture_output=True, check=True).stdout.decode().strip()  # fmt: skip
        blobs[sha] = data
    ids = sorted(blobs)
    assert [c[2] for c in cat_objects(repo, ids[:1]) if c] == [blobs[ids[0]]]  # the parent's process is open
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
        child = pool.submit(_read_many, repo, ids, 150)
        mine = _read_many(repo, ids, 150)
        theirs = child.result()
    assert mine == theirs == [blobs[i] for i in ids] * 150


def _read_many(repo: Path, ids: list[str], rounds: int) -> list[bytes]:
    from gkctl.trail.gitutil import cat_objects

    out: list[bytes] = []
    for _ in range(rounds):
        for sha in ids:
            got = cat_objects(repo, [sha])[0]
            out.append(got[2] if got else b"")
    return out


def test_blobs_in_trees_answer_what_git_answers_on_branches_merges_and_deletions(repo: Path) -> None:
    """The full pass reads each step's document from the history's own diffs: it must name the
    blob git names for every (commit, path), on first-parent lines, side branches, merges that
    keep either side, deletions and an unrelated second root."""
    from gkctl.trail.trees import blobs_in_trees

    def commit(msg: str, **files: str | None) -> None:
        for name, text in files.items():
            path = f"docs/{name}.md"
            if text is None:
                run_git(repo, "rm", "-q", path)
            else:
                write(repo, path, text)
                run_git(repo, "add", path)
        run_git(repo, "commit", "-q", "--allow-empty", "-m", msg)

    commit("a1", a="1\n", b="1\n")
    run_git(repo, "checkout", "-q", "-b", "side")
    commit("side a2", a="side 2\n")
    commit("side drop b", b=None)
    run_git(repo, "checkout", "-q", "-")
    commit("main a3", a="main 3\n", c="1\n")
    run_git(repo, "merge", "-q", "-X", "theirs", "--no-edit", "side")  # side's a, b deleted
    commit("main c2", c="2\n")
    run_git(repo, "checkout", "-q", "side")
    run_git(repo, "merge", "-q", "-s", "ours", "--no-edit", "main")  # keeps side's tree, names main's
    commit("side b again", b="again\n")
    run_git(repo, "checkout", "-q", "--orphan", "other")
    run_git(repo, "rm", "-rqf", ".")
    commit("other root", a="other\n")
    run_git(repo, "checkout", "-q", "side")
    run_git(repo, "merge", "-q", "--allow-unrelated-histories", "-s", "ours", "--no-edit", "other")

    hist = load_history(repo, "side")
    assert sum(rec.is_merge for rec in hist) == 3
    pairs = [(rec.id, f"docs/{n}.md") for rec in hist for n in "abcd"]
    text = "".join(f"{c}:{p}\n" for c, p in pairs)
    out = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                         input=text, capture_output=True, text=True, check=True).stdout.splitlines()
    expected = {pair: line.split()[0] for pair, line in zip(pairs, out, strict=True) if line.endswith(" blob")}
    assert 10 < len(expected) < len(pairs)  # some paths absent somewhere, most present
    assert blobs_in_trees(hist.commits, pairs) == expected
    assert blobs_in_trees(hist.commits, [("0" * 40, "docs/a.md")]) == {}


def test_a_commit_is_diffed_against_the_parent_its_object_names_whatever_a_graft_says(repo: Path) -> None:
    """``rev-list --parents`` (which feeds the early diff) follows ``.git/info/grafts``; the
    records follow the objects. A grafted parent must not decide what a commit changed."""
    ids = []
    for text in ("one\n", "two\n", "three\n"):
        write(repo, "docs/a.md", text)
        run_git(repo, "add", "docs/a.md")
        run_git(repo, "commit", "-qm", text.strip())
        ids.append(run_git(repo, "rev-parse", "HEAD").strip())
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "grafts").write_text(f"{ids[2]} {ids[0]}\n")
    grafted = subprocess.run(["git", "-C", str(repo), "rev-list", "--parents", "-1", ids[2]],
                             capture_output=True, text=True, check=True).stdout.split()
    assert grafted[1:] == [ids[0]]  # git's walk sees the graft
    last = load_history(repo, use_cache=False).by_id[ids[2]]
    assert last.parents == (ids[1],)
    blob = lambda rev: run_git(repo, "rev-parse", f"{rev}:docs/a.md").strip()  # noqa: E731
    assert [(c.path, c.old_blob, c.new_blob) for c in last.changes] == [("docs/a.md", blob(ids[1]), blob(ids[2]))]


def test_verdicts_of_a_cached_history_are_read_from_git_when_not_cached(repo: Path, tmp_path: Path) -> None:
    """A cached history keeps no raw objects: with the verdict cache gone, each signature is
    verified from the object git holds: the verdicts are the ones a fresh check gives."""
    from gkctl.trail.signatures import check_signatures

    key = make_ssh_key(tmp_path / "keys", "alice")
    use_ssh_key(repo, key)
    write(repo, "a.txt", "a\n")
    run_git(repo, "add", "a.txt")
    run_git(repo, "commit", "-q", "-S", "-m", "signed")
    write(repo, "b.txt", "b\n")
    run_git(repo, "add", "b.txt")
    run_git(repo, "commit", "-q", "--no-gpg-sign", "-m", "unsigned")
    (repo / ".git" / "gkctl" / "history-v3.marshal").parent.mkdir(parents=True, exist_ok=True)
    (repo / ".git" / "gkctl" / "history-v3.marshal").write_bytes(b"an older gkctl's cache")
    cold = load_history(repo)
    assert not (repo / ".git" / "gkctl" / "history-v3.marshal").exists()  # replaced by the lean one
    first = check_signatures(repo, cold.commits)
    (repo / ".git" / "gkctl" / "cache.sqlite").unlink()
    warm = load_history(repo)
    assert all(rec.raw is None for rec in warm)
    again = check_signatures(repo, warm.commits)
    fresh = check_signatures(repo, read_records(repo, [r.id for r in warm]), use_cache=False)
    assert again == first == fresh
    signed, unsigned = (again[r.id] for r in warm)
    assert signed.good and signed.key is not None and key.key.split()[1] in signed.key
    assert not unsigned.good


def test_a_cold_pass_diffed_in_several_processes_gives_the_same_changes(repo: Path, monkeypatch) -> None:
    """Each diff-tree process takes a few commits (git keeps all it parsed until it exits): the
    records are the same as from one process."""
    for i in range(7):
        write(repo, f"d/f{i % 3}.txt", str(i))
        run_git(repo, "add", ".")
        run_git(repo, "commit", "-qm", f"c{i}")
    whole = load_history(repo, use_cache=False)
    monkeypatch.setattr(history, "_DIFF_CHUNK", 2)
    pieces = load_history(repo, use_cache=False)
    assert [(r.id, r.changes) for r in pieces] == [(r.id, r.changes) for r in whole]
    assert all(r.changes for r in whole)


def test_a_large_batch_of_objects_reads_what_git_shows_and_a_failing_git_says_so(repo: Path, tmp_path: Path) -> None:
    """More names than the kept-open reader takes go to one process of their own, whose whole
    output is read in one buffer; each answer must still be the object git shows, a missing name
    None, and a git that fails must give a Chinese error, not a half-read list."""
    from gkctl.trail.gitutil import _SMALL_BATCH, GitError, cat_objects

    ids = []
    for i in range(_SMALL_BATCH + 40):
        blob = subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"], input=f"第{i}件\n" * (i + 1),
                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        ids.append(blob)
    names = [*ids, "HEAD:没有这个文件.md"]
    got = cat_objects(repo, names)
    assert got[-1] is None
    for sha, answer in zip(ids, got, strict=False):
        assert answer is not None
        shown = subprocess.run(["git", "-C", str(repo), "cat-file", "blob", sha], capture_output=True, check=True).stdout
        assert answer == (sha, "blob", shown)
    with pytest.raises(GitError) as err:
        cat_objects(tmp_path / "no-such-repo", names)
    assert "git" in str(err.value) and "Traceback" not in str(err.value)
    assert str(err.value).startswith("git cat-file --batch 失败：")
