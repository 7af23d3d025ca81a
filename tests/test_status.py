"""``gkctl status`` / ``log`` / ``whoami`` / ``people`` through the CLI, as a user sees them."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from helpers.docs import write_doc
from helpers.sig import make_ssh_key, use_ssh_key
from helpers.workflow import DOC, Bureau, run_git


def status_json(cli, root: Path, *args: str) -> dict:
    res = cli("-C", str(root), "status", *args, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_whole_chain_through_the_cli(bureau: Bureau, cli) -> None:
    root = str(bureau.root)
    bureau.as_("reviewer")
    assert cli("-C", root, "review", "2026-bgs-001", "--approve", "-m", "公开属性准确").exit_code == 0
    bureau.as_("signer")
    assert cli("-C", root, "sign", "2026-bgs-001", "--approve", "-m", "同意").exit_code == 0
    bureau.as_("office")
    assert cli("-C", root, "check", "2026-bgs-001", "--approve", "-m", "复核无误").exit_code == 0
    for p in ("p1", "p2", "p3"):
        bureau.as_(p)
        assert cli("-C", root, "proofread", DOC, "--approve", "-m", "校对无误").exit_code == 0
    bureau.as_("publisher")
    res = cli("-C", root, "publish", "--ready")
    assert res.exit_code == 0, res.output
    assert "11500000MB1B37366Q/2026-00001" in res.stdout

    data = status_json(cli, bureau.root)
    [d] = data["documents"]
    for key in ("id", "path", "title", "attribute", "state", "steps", "index_number", "published_at", "due", "overdue"):
        assert key in d
    assert d["id"] == "2026-bgs-001" and d["path"] == DOC and d["state"] == "published"
    assert d["index_number"] == "11500000MB1B37366Q/2026-00001"
    assert [s["step"] for s in d["steps"]] == ["review", "sign", "check", "proofread", "proofread", "proofread", "publish"]
    review = d["steps"][0]
    assert review["person"] == "reviewer" and review["name"] == "李四" and review["verdict"] == "approve"
    assert review["valid"] is True and review["when"].startswith("20")
    # formed 2026-06-29 (Mon) + 20 working days = 2026-07-27; published in November: overdue
    assert d["due"] == "2026-07-27" and d["overdue"] is True
    assert d["unpublished_changes"] is False

    text = cli("-C", root, "status", DOC)
    assert text.exit_code == 0 and "已发布" in text.stdout and "李四" in text.stdout
    table = cli("-C", root, "status")
    assert "2026-bgs-001" in table.stdout and "已逾期" in table.stdout

    log = cli("-C", root, "log", "2026-bgs-001")
    assert log.exit_code == 0 and "张三" in log.stdout and "签名有效" in log.stdout


def test_edit_after_publication_shows_unpublished_changes_and_void_steps(bureau: Bureau, cli) -> None:
    from gkctl.services import steps

    for who, step in (("reviewer", "review"), ("signer", "sign"), ("office", "check"),
                      ("p1", "proofread"), ("p2", "proofread"), ("p3", "proofread")):  # fmt: skip
        steps.decide(bureau.as_(who).repo, DOC, step, True, "ok")
    steps.publish(bureau.as_("publisher").repo, [DOC])
    path = bureau.root / DOC
    path.write_text(path.read_text(encoding="utf-8") + "\n修改。\n", encoding="utf-8")
    bureau.commit_file("clerk", DOC, "改")
    [d] = status_json(cli, bureau.root)["documents"]
    assert d["state"] == "published" and d["unpublished_changes"] is True
    assert not any(s["valid"] for s in d["steps"] if s["step"] != "publish")
    assert all(not c["done"] for c in d["chain"])


def test_unknown_calendar_year_gives_no_due_date(bureau: Bureau, cli) -> None:
    rel = "docs/2035/2035-bgs-001.md"
    write_doc(bureau.root, rel, id="2035-bgs-001", drafter="clerk", formed="2035-03-01")
    bureau.commit_file("clerk", rel)
    [d] = status_json(cli, bureau.root, "2035-bgs-001")["documents"]
    assert d["due"] is None and "2035" in d["due_note"] and d["overdue"] is False


def test_refusal_exit_codes_and_messages(bureau: Bureau, cli) -> None:
    bureau.as_("p1")
    res = cli("-C", str(bureau.root), "review", DOC, "--approve", "-m", "x")
    assert res.exit_code == 1 and "审稿" in res.stderr and "Traceback" not in res.output
    res = cli("-C", str(bureau.root), "review", DOC, "-m", "x")  # neither --approve nor --reject
    assert res.exit_code == 2
    res = cli("-C", str(bureau.root), "repeal", DOC, "--date", "not-a-date", "--reason", "x")
    assert res.exit_code == 2 and "not-a-date" in res.stderr
    res = cli("-C", str(bureau.root), "status", "no-such-doc")
    assert res.exit_code == 2


def test_whoami_and_people_cli(bureau: Bureau, cli, tmp_path: Path) -> None:
    root = str(bureau.root)
    bureau.as_("signer")
    res = cli("-C", root, "whoami")
    assert res.exit_code == 0 and "王局" in res.stdout and "signer" in res.stdout
    stranger = make_ssh_key(tmp_path / "s", "stranger")
    use_ssh_key(bureau.root, stranger)
    assert cli("-C", root, "whoami").exit_code == 1

    bureau.as_("admin")
    newkey = make_ssh_key(tmp_path / "n", "sunqi")
    res = cli("-C", root, "people", "add", "sunqi", "--name", "孙七", "--section", "法规审理科",
              "--role", "reviewer", "--role", "proofreader", "--key", f"@{newkey.public}")
    assert res.exit_code == 0, res.output
    listing = json.loads(cli("-C", root, "people", "list", "--format", "json").stdout)
    sunqi = next(p for p in listing["people"] if p["id"] == "sunqi")
    assert sunqi["roles"] == ["reviewer", "proofreader"]
    res = cli("-C", root, "people", "add", "bad", "--name", "x", "--section", "x", "--role", "nope",
              "--key", newkey.line)
    assert res.exit_code == 2 and "nope" in res.stderr
    res = cli("-C", root, "people", "revoke", "sunqi", "--date", "2026-01-01")
    assert res.exit_code == 0
    listing = json.loads(cli("-C", root, "people", "list", "--format", "json").stdout)
    assert next(p for p in listing["people"] if p["id"] == "sunqi")["active_until"] == "2026-01-01"

    out = tmp_path / "allowed_signers"
    res = cli("-C", root, "people", "export-allowed-signers", "-o", str(out))
    assert res.exit_code == 0
    run_git(bureau.root, "config", "gpg.ssh.allowedSignersFile", str(out))
    for sha in run_git(bureau.root, "rev-list", "HEAD").split():
        proc = subprocess.run(["git", "-C", root, "verify-commit", sha], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_many_documents_on_a_pipe_are_tab_separated_lines(bureau: Bureau, cli, monkeypatch) -> None:
    import gkctl.cli.workflow as wf

    monkeypatch.setattr(wf, "PLAIN_ROWS", 0)
    res = cli("-C", str(bureau.root), "status")
    assert res.exit_code == 0, res.output
    header, row = res.stdout.splitlines()[:2]
    assert header.split("\t")[:2] == ["编号", "标题"]
    assert row.split("\t")[0] == "2026-bgs-001" and row.split("\t")[3] == "草稿"


def test_the_calendar_warning_is_worked_out_once_per_head_and_day(bureau: Bureau) -> None:
    """A warm command prints the next-year calendar warning without reading the policy: the
    note is kept per HEAD, day and language, and worked out again when any of them changes or
    the file is damaged."""
    from datetime import date

    from gkctl.services.status_cache import NOTE_CACHE, calendar_note
    from gkctl.trail.cache import cache_path

    calls: list[date] = []

    def compute(day: date):
        def run():
            calls.append(day)
            return ("policies/calendar.yaml", "GK201", f"note of {day}")
        return run

    dec1, dec2 = date(2026, 12, 1), date(2026, 12, 2)
    assert calendar_note(bureau.root, dec1, compute(dec1)) == ("policies/calendar.yaml", "GK201", f"note of {dec1}")
    assert calendar_note(bureau.root, dec1, compute(dec1))[2] == f"note of {dec1}"
    assert calls == [dec1]  # the second run read the note
    assert calendar_note(bureau.root, dec2, compute(dec2))[2] == f"note of {dec2}" and calls == [dec1, dec2]
    run_git(bureau.root, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "空提交")
    calendar_note(bureau.root, dec2, compute(dec2))
    assert calls == [dec1, dec2, dec2]  # HEAD moved
    cache_path(bureau.root, NOTE_CACHE).write_bytes(b"\xff not json")
    calendar_note(bureau.root, dec2, compute(dec2))
    assert len(calls) == 4


def test_status_after_a_commit_reads_the_refs_once_and_says_what_a_cold_run_says(bureau: Bureau, cli, tmp_path: Path,
                                                                               monkeypatch) -> None:  # fmt: skip
    """``status`` asks git for HEAD and the witness tip once, however many caches it keys; the
    next command sees a commit made after it."""
    from gkctl.services.status_cache import cache_key, refs_read_once
    from gkctl.trail.cache import cache_path
    from gkctl.trail.incremental import SNAPSHOT

    status_json(cli, bureau.root)
    bureau.as_("reviewer")
    assert cli("-C", str(bureau.root), "review", "2026-bgs-001", "--approve", "-m", "公开属性准确").exit_code == 0
    trace = tmp_path / "git-trace.log"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    folded = status_json(cli, bureau.root)
    monkeypatch.delenv("GIT_TRACE")
    assert trace.read_text().count("show-ref") == 1
    for name in (SNAPSHOT, "status-v5.json", "status-rows-v1.json"):
        cache_path(bureau.root, name).unlink()
    assert status_json(cli, bureau.root) == folded
    with refs_read_once():
        head, _ = cache_key(bureau.root, date(2026, 12, 1))
        run_git(bureau.root, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "空提交")
        assert cache_key(bureau.root, date(2026, 12, 1))[0] == head  # read once within the block
    assert cache_key(bureau.root, date(2026, 12, 1))[0] == run_git(bureau.root, "rev-parse", "HEAD").strip()


def test_one_command_imports_only_its_own_command_module(bureau: Bureau, cli) -> None:
    """Start-up does not grow with the command table: a run builds and imports the one command
    it names (the whole table only for help, completion or a name it does not know). A warm
    status, JSON or the human table, reads its cached file without the analysis."""
    import sys

    assert cli("-C", str(bureau.root), "status", "--format", "json").exit_code == 0  # warm the caches
    for args, start in (("'status', '--format', 'json'", '{"documents": ['), ("'status'", "")):
        probe = ("import sys\nfrom gkctl.cli.main import run\n"
                 f"try:\n    run(['-C', sys.argv[1], {args}])\nexcept SystemExit:\n    pass\n"
                 "print(' '.join(sorted(m for m in sys.modules if m.startswith(('gkctl.cli.', 'gkctl.services.')))),"
                 " file=sys.stderr)\n")  # fmt: skip
        proc = subprocess.run([sys.executable, "-c", probe, str(bureau.root)], capture_output=True, text=True)
        loaded = set(proc.stderr.strip().splitlines()[-1].split())
        assert "gkctl.cli.workflow" in loaded
        assert not loaded & {"gkctl.cli.apply", "gkctl.cli.report", "gkctl.cli.site", "gkctl.cli.verify",
                             "gkctl.cli.docs"}  # fmt: skip
        assert "gkctl.services.status" not in loaded, args  # copied or read without the analysis
        assert proc.stdout.startswith(start) and "2026-bgs-001" in proc.stdout, proc.stdout[:200]


def test_a_text_replaced_since_its_index_was_read_is_not_misread(tmp_path: Path) -> None:
    """Two status commands at once: the one copying old lines must not copy from parts the
    other replaced meanwhile (it would copy another document's bytes); it fails instead."""
    from gkctl.services.status_cache import PREFIX, SEP, SUFFIX, read_header, read_text, write_text

    key = {"head": "a", "today": "2026-12-01"}
    file = tmp_path / "status.json"
    assert write_text(file, key, ["docs/a.md", "docs/b.md"], [b'{"id": "a"}', b'{"id": "b"}'])
    header = read_header(file, key)
    assert header is not None and header.lengths == [11, 11]
    assert write_text(file, key, ["docs/a.md", "docs/b.md"], [0, b'{"id": "B"}'], header)  # a's line copied
    assert read_text(file, key) == PREFIX + b'{"id": "a"}' + SEP + b'{"id": "B"}' + SUFFIX
    header = read_header(file, key)
    write_text(file, key, ["docs/a.md"], [b'{"id": "z", "long": true}'])  # another process replaced it
    assert not write_text(file, key, ["docs/a.md", "docs/b.md"], [0, 1], header)
    assert read_text(file, key) == PREFIX + b'{"id": "z", "long": true}' + SUFFIX  # left as it was


def test_a_change_rewrites_only_the_part_its_document_is_in(tmp_path: Path) -> None:
    """The cached text is kept in parts cut by the documents' paths: changing one document, or
    adding one, writes one new part and keeps the others' files as they were; the text read
    back is always the whole text, and no read believes a part whose bytes were changed."""
    import io
    import os
    import time

    from gkctl.services.status_cache import (
        PREFIX,
        SEP,
        SUFFIX,
        copy_text,
        parts_folder,
        read_header,
        read_text,
        write_text,
    )

    key = {"head": "a", "today": "2026-12-01"}
    file = tmp_path / "status.json"
    paths = [f"docs/2026/2026-bgs-{n:04d}.md" for n in range(0, 2000, 2)]
    lines = {p: f'{{"path": "{p}"}}'.encode() for p in paths}
    assert write_text(file, key, list(lines), list(lines.values()))
    folder = parts_folder(file)
    before = set(folder.iterdir())
    assert len(before) > 3

    def whole() -> bytes:
        return PREFIX + SEP.join(lines[p] for p in sorted(lines)) + SUFFIX

    assert read_text(file, key) == whole()
    left, fresh = folder / f"{'0' * 64}.tmp4242", folder / f"{'1' * 64}.tmp4243"  # parts stopped processes left
    left.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(left, (time.time() - 7200, time.time() - 7200))
    for change in ({paths[500]: b'{"changed": 1}'}, {"docs/2026/2026-bgs-1001.md": b'{"added": 1}'}):
        header = read_header(file, key)
        assert header is not None
        at = {p: i for i, p in enumerate(header.paths)}
        lines.update(change)
        order = sorted(lines)
        old_parts = set(folder.iterdir())
        assert write_text(file, key, order, [change[p] if p in change else at[p] for p in order], header)
        after = set(folder.iterdir())
        assert len(after - old_parts) == 1 and len(old_parts - after - {left}) == 1  # one part replaced, the rest kept
        assert not left.exists() and fresh.exists()  # an old unfinished part is removed, a young one kept
        assert read_text(file, key) == whole()
        out = io.BytesIO()
        assert copy_text(file, key, out) and out.getvalue() == whole()
        # cut where a text written from nothing is cut (the same documents: where the old text was)
        anew = tmp_path / "anew" / "status.json"
        anew.parent.mkdir(exist_ok=True)
        assert write_text(anew, key, order, [lines[p] for p in order])
        written, made = read_header(anew, key), read_header(file, key)
        assert written is not None and made is not None
        assert written.parts == made.parts != header.parts
        assert anew.read_bytes() == file.read_bytes()  # the index too, whether its paths were encoded or kept
    header = read_header(file, key)
    assert header is not None
    part = folder / header.parts[0]
    part.write_bytes(part.read_bytes().replace(b"path", b"PATH"))  # still valid JSON
    assert read_text(file, key) is None and not copy_text(file, key, io.BytesIO())
    # a fold copies the unchanged lines of the part a change falls in: never from a damaged one
    values: list[bytes | int] = list(range(len(header.paths)))
    values[0] = b'{"changed": 2}'
    assert not write_text(file, key, header.paths, values, header)


def test_a_part_is_read_again_only_when_it_changed_since_its_check(tmp_path: Path, monkeypatch) -> None:
    """Sending the cached text checks each part's bytes against its name once: a part left alone
    since is sent on what ``stat`` says of it (a district's text is 280 MB), but any write to it
    afterwards, even one that keeps its size, is seen and the text is not believed. A part
    checked right after it was written is checked again next time (a write in the same clock
    tick would leave its times unchanged)."""
    import hashlib
    import io
    import json as json_
    import time

    import gkctl.services.status_cache as sc

    key = {"head": "a", "today": "2026-12-01"}
    file = tmp_path / "status.json"
    paths = [f"docs/2026/2026-bgs-{n:04d}.md" for n in range(400)]
    lines = [f'{{"path": "{p}"}}'.encode() for p in paths]
    assert sc.write_text(file, key, paths, lines)
    record = sc.parts_folder(file).with_suffix(sc.CHECKED)
    whole = sc.PREFIX + sc.SEP.join(lines) + sc.SUFFIX
    digests: list[str] = []
    real = hashlib.file_digest

    def counted(fh, name):
        digests.append(fh.name)
        return real(fh, name)

    monkeypatch.setattr(hashlib, "file_digest", counted)

    def sent() -> bytes | None:
        out = io.BytesIO()
        return out.getvalue() if sc.copy_text(file, key, out) else None

    header = sc.read_header(file, key)
    assert header is not None and len(header.parts) > 1
    assert sent() == whole and len(digests) == len(header.parts)
    assert not record.exists()  # just written: not believed on its stat
    monkeypatch.setattr(sc, "RACY_NS", 20_000_000)  # 20 ms, so the test need not wait two seconds
    time.sleep(0.05)
    assert sent() == whole and set(json_.loads(record.read_bytes())) == set(header.parts)
    digests.clear()
    assert sent() == whole and sc.read_text(file, key) == whole and not digests  # sent on the record
    part = sc.parts_folder(file) / header.parts[-1]
    time.sleep(0.05)
    part.write_bytes(part.read_bytes().replace(b"path", b"PATH"))  # the same size, still valid JSON
    assert sent() is None and sc.read_text(file, key) is None
    assert digests == [str(part)]  # only the changed part was read again
    record.write_bytes(b"\xff not json")  # a damaged record: every part is read again
    digests.clear()
    assert sent() is None and len(digests) == len(header.parts)
