"""Generate a realistic, genuinely signed bureau repository for the benchmarks.

    python benchmarks/generate.py --docs 10000 --out benchmarks/out/corpus-10000 --seed 1

What it makes (DESIGN §2/§3): ``gkctl.yaml`` and the default policies; ~32 people with
ed25519 keys made by ``ssh-keygen``, registered by a signed ``people`` commit of the admin;
N documents (docs/<year>/<id>.md, ~1,500 characters, realistic category/attribute mix) each
committed by its drafter and taken through its workflow chain (review, sign, check,
external for 审计结果公告, three proofreads, publish; some rejections, withdrawals and
repeals), and applications under ``applications/<year>/`` registered and answered by the
registrar. About five commits per document.

Fast path: blobs and trees go through one ``git fast-import`` (commits on a scratch ref, only
to have git build the trees); the real commits are built here, signed in process
(``sshsig_sign``: the same bytes ``ssh-keygen -Y sign`` makes), packed by hand and indexed by
``git index-pack``. A sample is then checked with ``git verify-commit``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import time
import zlib
from datetime import datetime, timedelta, timezone
from hashlib import sha1
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan import Plan, build_plan
from sshsig_sign import Signer, object_id, signed_commit

BEIJING = timezone(timedelta(hours=8))
KEYDIR = "gkctl-bench-keys"  # under .git/: keys and allowed signers stay out of the work tree


def _git(root: Path, *args: str, input: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args[:3])} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def make_keys(keydir: Path, ids: list[str]) -> dict[str, Signer]:
    keydir.mkdir(parents=True, exist_ok=True)
    signers = {}
    for pid in ids:
        path = keydir / pid
        if not path.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", pid, "-f", str(path)], check=True)
        signers[pid] = Signer.from_file(path)
    return signers


def fast_import(root: Path, plan: Plan) -> dict[int, str]:
    """Trees of every content-changing commit of the plan: {plan index: tree id}."""
    marks = root / ".git" / "gkctl-bench-marks"
    proc = subprocess.Popen(
        ["git", "-C", str(root), "fast-import", "--quiet", f"--export-marks={marks}", "--done"],
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    out = proc.stdin
    mark_of: dict[int, int] = {}
    for i, c in enumerate(plan.commits):
        if not c.files:
            continue
        mark = len(mark_of) + 1
        mark_of[i] = mark
        buf = [b"commit refs/gkctl-bench/scratch\nmark :%d\ncommitter g <g@g> %d +0800\ndata 0\n" % (mark, c.time)]
        for path, data in c.files:
            buf.append(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
            buf.append(data)
            buf.append(b"\n")
        buf.append(b"\n")
        out.write(b"".join(buf))
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    by_mark = {}
    for line in marks.read_text().splitlines():
        m, sha = line.split()
        by_mark[int(m[1:])] = sha
    commits = [by_mark[mark_of[i]] for i in sorted(mark_of)]
    res = _git(root, "cat-file", "--batch-check=%(objectname)", input="".join(f"{c}^{{tree}}\n" for c in commits).encode())
    trees = res.decode().split()
    marks.unlink()
    return dict(zip(sorted(mark_of), trees, strict=True))


def _pack_header(kind: int, size: int) -> bytes:
    out = bytearray()
    c = (kind << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(c | 0x80)
        c = size & 0x7F
        size >>= 7
    out.append(c)
    return bytes(out)


def write_commits(root: Path, plan: Plan, trees: dict[int, str], signers: dict[str, Signer]) -> str:
    """Sign every planned commit, write them as one pack, return the tip."""
    parent: str | None = None
    tree = ""
    objects: list[bytes] = []
    for i, c in enumerate(plan.commits):
        tree = trees.get(i, tree)
        who = plan.people[c.signer]
        ident = f"{who['name']} <{who['id']}@qjsjj.example.gov.cn> {c.time} +0800\n"
        head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "") + f"author {ident}committer {ident}"
        raw = signed_commit(head.encode(), c.message.encode(), signers[c.signer])
        objects.append(raw)
        parent = object_id(b"commit", raw)
    proc = subprocess.Popen(["git", "-C", str(root), "index-pack", "--stdin"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdin is not None
    digest = sha1()
    chunk = [b"PACK" + (2).to_bytes(4, "big") + len(objects).to_bytes(4, "big")]
    for raw in objects:
        chunk.append(_pack_header(1, len(raw)) + zlib.compress(raw, 1))
        if len(chunk) > 2000:
            data = b"".join(chunk)
            digest.update(data)
            proc.stdin.write(data)
            chunk = []
    data = b"".join(chunk)
    digest.update(data)
    proc.stdin.write(data + digest.digest())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git index-pack failed")
    assert parent is not None
    return parent


def verify_sample(root: Path, tip: str, count: int, rng: random.Random) -> int:
    """``git verify-commit`` on the tip and a random sample; the number that failed."""
    ids = _git(root, "rev-list", tip).decode().split()
    sample = [tip, ids[-1], *rng.sample(ids, min(count, len(ids)))]
    failed = 0
    for sha in sample:
        proc = subprocess.run(["git", "-C", str(root), "verify-commit", sha], capture_output=True)
        if proc.returncode != 0:
            failed += 1
            print(f"verify-commit {sha[:12]} failed: {proc.stderr.decode(errors='replace').strip()}", file=sys.stderr)
    return failed


def generate(docs: int, out: Path, seed: int, apps: int, sample: int = 8, quiet: bool = False) -> dict[str, float]:
    """Build the repository at ``out`` (must not exist); returns timings and counts."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))
    t0 = time.perf_counter()
    out = out.resolve()
    if out.exists():
        raise SystemExit(f"{out} exists; remove it or choose another --out")
    out.mkdir(parents=True)
    _git(out, "init", "-q", "-b", "main")
    rng = random.Random(seed)
    people = plan_people()
    keydir = out / ".git" / KEYDIR
    signers = make_keys(keydir, [p["id"] for p in people])
    for p in people:
        p["key"] = signers[p["id"]].public_line + " " + p["id"]
    plan = build_plan(rng, people, docs, apps, end=datetime(2026, 11, 25, 18, 0, tzinfo=BEIJING))
    t_plan = time.perf_counter()
    say(f"plan: {len(plan.commits)} commits, {plan.documents} documents, {plan.applications} applications "
        f"({t_plan - t0:.1f}s)")  # fmt: skip
    trees = fast_import(out, plan)
    t_fi = time.perf_counter()
    say(f"fast-import: {len(trees)} trees ({t_fi - t_plan:.1f}s)")
    tip = write_commits(out, plan, trees, signers)
    t_sign = time.perf_counter()
    say(f"signed and packed {len(plan.commits)} commits ({t_sign - t_fi:.1f}s)")
    _git(out, "update-ref", "refs/heads/main", tip)
    _git(out, "update-ref", "-d", "refs/gkctl-bench/scratch")
    allowed = keydir / "allowed_signers"
    allowed.write_text("".join(f"{p['id']}@qjsjj.example.gov.cn namespaces=\"git\" {signers[p['id']].public_line}\n"
                               for p in people), encoding="utf-8")  # fmt: skip
    admin = people[0]["id"]
    for key, value in (("user.name", people[0]["name"]), ("user.email", f"{admin}@qjsjj.example.gov.cn"),
                       ("gpg.format", "ssh"), ("user.signingkey", str(keydir / admin)),
                       ("gpg.ssh.allowedSignersFile", str(allowed)), ("commit.gpgsign", "true")):  # fmt: skip
        _git(out, "config", key, value)
    _git(out, "read-tree", "--reset", "-u", "HEAD")
    t_co = time.perf_counter()
    say(f"checkout ({t_co - t_sign:.1f}s)")
    failed = verify_sample(out, tip, sample, rng)
    t_end = time.perf_counter()
    say(f"git verify-commit on {sample + 2} commits: {failed} failed ({t_end - t_co:.1f}s); total {t_end - t0:.1f}s")
    if failed:
        raise SystemExit("generated signatures did not verify")
    return {"commits": len(plan.commits), "documents": plan.documents, "applications": plan.applications,
            "published": plan.published, "seconds": round(t_end - t0, 1)}  # fmt: skip


def plan_people() -> list[dict]:
    """The bureau's staff: admin, leaders, office, publisher, and per section a head and drafters."""
    people = [{"id": "wangjianguo", "name": "王建国", "section": "办公室", "roles": ["admin"]}]
    people += [{"id": pid, "name": name, "section": "办公室", "roles": ["signer"]}
               for pid, name in (("liuzhiqiang", "刘志强"), ("chenhong", "陈红"), ("yangwei", "杨伟"))]  # fmt: skip
    people += [
        {"id": "zhoujiu", "name": "周九", "section": "办公室", "roles": ["office", "registrar"]},
        {"id": "zhengli", "name": "郑丽", "section": "办公室", "roles": ["office", "registrar"]},
        {"id": "wushi", "name": "吴十", "section": "办公室", "roles": ["publisher", "office"]},
    ]
    surnames = "张李赵钱孙冯陈褚卫蒋沈韩杨朱秦尤许何吕施孔曹严华金魏陶姜"
    given = "敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉"
    n = 0
    for section, code in ct_sections():
        for j in range(5):
            name = surnames[n % len(surnames)] + given[(n * 7) % len(given)]
            pid = f"{code}{j + 1:02d}"
            roles = ["reviewer", "proofreader"] if j == 0 else ["drafter", "proofreader"]
            people.append({"id": pid, "name": name, "section": section, "roles": roles})
            n += 1
    return people


def ct_sections() -> tuple[tuple[str, str], ...]:
    return (("办公室", "bgs"), ("法规审理科", "fgk"), ("财政审计科", "czk"), ("经济责任审计科", "jzk"), ("审计中心", "sjzx"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--apps", type=int, default=2_000, help="applications (default 2000)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=8, help="commits checked with git verify-commit")
    ap.add_argument("--force", action="store_true", help="remove --out first")
    args = ap.parse_args(argv)
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    stats = generate(args.docs, args.out, args.seed, args.apps, args.sample)
    print(" ".join(f"{k}={v}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
