"""The one place that runs git.

Every call names its repository explicitly and strips the inherited variables that point
git at another repository, index or work tree, so gkctl behaves the same inside a git hook
as in a shell (a pre-receive hook runs with GIT_DIR and GIT_QUARANTINE_PATH set; those we
keep on request). Identity, date and config variables (GIT_AUTHOR_*, GIT_CONFIG_GLOBAL …)
pass through: they are the user's choice, not an accident of where gkctl runs.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from gkctl.core.errors import InputError, RuleError
from gkctl.core.i18n import t

# Variables a server hook must keep so that objects in the push quarantine are visible.
_HOOK_VARS = ("GIT_DIR", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")
# Variables that redirect git to another repository, index or work tree.
_LOCATION_VARS = (
    *_HOOK_VARS, "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR", "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_LITERAL_PATHSPECS",
)  # fmt: skip

WITNESS_REF = "refs/gkctl/witness"  # the central repository's signed log of pushes (trail.witness)


class GitError(RuleError):
    """A git command failed; the message holds git's own words."""


_in_server_hook = False


def use_hook_environment(on: bool = True) -> None:
    """Inside a server hook every git call must see the push quarantine (``hook pre-receive`` sets this)."""
    global _in_server_hook
    _in_server_hook = on


def git_env(keep_hook_vars: bool = False, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    keep_hook_vars = keep_hook_vars or _in_server_hook
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARS or (keep_hook_vars and k in _HOOK_VARS)}
    env["LC_ALL"] = "C.UTF-8"
    env["GIT_TERMINAL_PROMPT"] = "0"
    if extra:
        env.update(extra)
    return env


def git_bytes(
    root: Path | str,
    *args: str,
    input: bytes | None = None,
    check: bool = True,
    keep_hook_vars: bool = False,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """Run ``git -C root args``; return stdout bytes. Raises ``GitError`` on failure."""
    proc = subprocess.run(
        ["git", "-C", str(root), *args],
        input=input,
        capture_output=True,
        env=git_env(keep_hook_vars, env),
    )
    if check and proc.returncode != 0:
        raise _failed(args, proc.returncode, proc.stderr)
    return proc.stdout


def _failed(args: tuple[str, ...], code: int, stderr: bytes) -> GitError:
    """The error of a git process that exited ``code``: its own words, or its name and code."""
    msg = stderr.decode("utf-8", "replace").strip() or f"git {_named(args)[0]} exited {code}"
    return GitError(t("git.failed", cmd=" ".join(_named(args)[:2]), detail=msg))


def _named(args: tuple[str, ...]) -> tuple[str, ...]:
    """``args`` from the command's name on (without leading ``-c name=value`` settings)."""
    while len(args) > 2 and args[0] == "-c":
        args = args[2:]
    return args


class Started:
    """A git process started now whose output is taken later: its work overlaps the caller's
    (a cold pass diffs 57,000 commits, ~3 s of git, while it reads and parses them).

    Given several inputs, one process after another takes each: a ``diff-tree --stdin`` keeps
    every commit and tree it parsed until it exits (270 MB at 57,000 commits).
    """

    def __init__(self, root: Path | str, *args: str, input: bytes | list[bytes]) -> None:
        self._cmd = ["git", "-C", str(root), *args]
        self._args = args
        self._out: list[bytes] = []
        self._failed: tuple[int, bytes] | None = None
        self._feeder = threading.Thread(target=self._talk, args=([input] if isinstance(input, bytes) else input,),
                                        daemon=True)  # fmt: skip
        self._feeder.start()

    def _talk(self, inputs: list[bytes]) -> None:
        for data in inputs:
            try:
                proc = subprocess.Popen(self._cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=git_env())  # fmt: skip
            except OSError as exc:
                self._failed = (-1, str(exc).encode())
                return
            out, err = proc.communicate(data)
            if proc.returncode != 0:
                self._failed = (proc.returncode, err)
                return
            self._out.append(out)

    def output(self) -> bytes:
        """Its stdout, once it ended; ``GitError`` when it failed."""
        self._feeder.join()
        if self._failed is not None:
            raise _failed(self._args, *self._failed)
        return b"".join(self._out)


def git(root: Path | str, *args: str, input: str | None = None, check: bool = True, **kw: object) -> str:
    """Like ``git_bytes`` but text in and out (UTF-8)."""
    out = git_bytes(root, *args, input=input.encode() if input is not None else None, check=check, **kw)  # type: ignore[arg-type]
    return out.decode("utf-8", "replace")


def find_root(start: Path | str | None = None) -> Path:
    """The gkctl repository containing ``start`` (a folder with ``gkctl.yaml``), searching upward."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "gkctl.yaml").is_file():
            return folder
    raise InputError(t("repo.not_found", path=str(here)))


def rev_parse(root: Path, rev: str) -> str:
    out = git_bytes(root, "rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False)
    sha = out.decode().strip()
    if not sha:
        raise InputError(t("git.bad_rev", rev=rev))
    return sha


def has_commits(root: Path) -> bool:
    return bool(git_bytes(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip())


def is_dirty(root: Path, paths: Iterable[str]) -> bool:
    """Whether any of ``paths`` differs from HEAD (staged or not)."""
    out = git(root, "status", "--porcelain", "--", *paths)
    return bool(out.strip())


def signing_configured(root: Path) -> bool:
    return bool(git(root, "config", "--get", "user.signingkey", check=False).strip())


def commit(
    root: Path,
    message: str,
    paths: Iterable[str] = (),
    sign: bool = True,
    allow_empty: bool = False,
    env: Mapping[str, str] | None = None,
) -> str:
    """Stage ``paths`` and make one commit, signed with git's own configuration.

    On failure (signing refused, hook refused) the index is restored to HEAD for those
    paths, so nothing half-done stays staged. Returns the new commit id.
    """
    paths = list(paths)
    if paths:
        git(root, "add", "--", *paths)
    args = ["commit", "--quiet", "--no-verify", "-F", "-"]
    if allow_empty:
        args.append("--allow-empty")
    args.append("-S" if sign else "--no-gpg-sign")
    try:
        git(root, *args, input=message, env=env)
    except GitError:
        if paths and has_commits(root):
            git(root, "reset", "--quiet", "HEAD", "--", *paths, check=False)
        elif paths:
            git(root, "rm", "--cached", "--quiet", "-r", "--", *paths, check=False)
        raise
    return git(root, "rev-parse", "HEAD").strip()


# git keeps up to 96 MB of delta bases and maps the pack in windows of 1 GB by default: a cold
# pass reading 15,000 document versions held 73 MB in cat-file (the report's 22,000 application
# objects 74 MB), and 29 MB (31 MB) with these limits, no slower (0.45 s and 0.49 s)
CAT_BATCH = ("-c", "core.deltaBaseCacheLimit=8m", "-c", "core.packedGitLimit=16m", "-c", "core.packedGitWindowSize=1m",
             "cat-file", "--batch")  # fmt: skip

_FULL_ID = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class _CatFile:
    """One ``git cat-file --batch`` kept open for the life of the command, asked one name at a time.

    An everyday command reads objects in a dozen small batches; a process for each cost ~4 ms,
    most of a step command's git time. Large batches still go to a process of their own.
    """

    def __init__(self, root: str) -> None:
        self.proc = subprocess.Popen(["git", "-C", root, *CAT_BATCH], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())  # fmt: skip

    def ask(self, name: str) -> bytes | None:
        """The answer as ``--batch`` prints it (header, content, LF); None unless it is an object."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(name.encode("utf-8") + b"\n")
        stdin.flush()
        header = stdout.readline()
        parts = header.split(b" ")
        if len(parts) != 3 or parts[1] not in (b"blob", b"tree", b"commit", b"tag"):
            if not header:
                raise OSError("git cat-file ended")
            return None
        size = int(parts[2])
        body = stdout.read(size + 1)
        if len(body) != size + 1:
            raise OSError("git cat-file ended")
        return header + body

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)


_CATS: dict[tuple[str, bool], _CatFile] = {}
_SMALL_BATCH = 256  # names: fewer go to the kept-open process, more to a process of their own


@atexit.register
def _close_cats() -> None:
    for cat in _CATS.values():
        cat.close()
    _CATS.clear()


# a forked worker must not talk to its parent's process over the same pipes: it starts its own
os.register_at_fork(after_in_child=_CATS.clear)


def _ask_kept_open(root: Path, names: list[str]) -> bytes | None:
    """The ``--batch`` output for ``names`` from the kept-open process, or None to use a fresh one
    (it failed, or it says an object is missing: one written since it started is not always seen)."""
    key = (str(root), _in_server_hook)
    try:
        cat = _CATS.get(key)
        if cat is None or cat.proc.poll() is not None:
            _close_cats()  # one repository at a time: a long-lived caller (tests) must not pile them up
            cat = _CATS[key] = _CatFile(str(root))
        out = []
        for name in names:
            got = cat.ask(name)
            if got is None:
                return None
            out.append(got)
        return b"".join(out)
    except (OSError, ValueError):
        _CATS.pop(key, None)
        return None


def cat_objects(root: Path, names: Iterable[str]) -> list[tuple[str, str, bytes] | None]:
    """``git cat-file --batch`` for object names (ids or ``rev:path``), in order, in one process.

    Each answer is ``(oid, type, content)``, or None for a missing or ambiguous name.
    """
    names = list(names)
    out, found = _cat_batch(root, names)
    return [None if f is None else (f[0], f[1], out[f[2] : f[3]]) for f in found]


def _cat_batch(root: Path, names: list[str]) -> tuple[bytes, list[tuple[str, str, int, int] | None]]:
    """``--batch`` output for ``names`` and where in it each answer's content lies
    (``(oid, type, start, end)``, None for a missing or ambiguous name)."""
    if not names:
        return b"", []
    kept = _ask_kept_open(root, names) if len(names) <= _SMALL_BATCH and not any("\n" in n for n in names) else None
    out = kept if kept is not None else _read_all(root, CAT_BATCH,
                                                  "".join(n + "\n" for n in names).encode("utf-8"))  # fmt: skip
    results: list[tuple[str, str, int, int] | None] = []
    pos = 0
    for name in names:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3 or header[1] not in (b"blob", b"tree", b"commit", b"tag"):
            if _FULL_ID.match(name):
                # an id we took from history or a tree must be there: git says "missing" for a
                # truncated or damaged object too, and that is not bad input but a broken repository
                raise InputError(t("repo.corrupt", id=name[:12]))
            results.append(None)  # "<name> missing" / "ambiguous"
            continue
        size = int(header[2])
        results.append((header[0].decode(), header[1].decode(), pos, pos + size))
        pos += size + 1  # the object, then LF
    return out, results


def _read_all(root: Path, args: tuple[str, ...], data: bytes) -> bytes:
    """``git_bytes`` for a large output: read into one growing buffer, not in 32 KB pieces joined
    at the end (a cold pass's 45 MB of commit objects cost twice that, and the heap kept the
    pieces' pages)."""
    proc = subprocess.Popen(["git", "-C", str(root), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=git_env())  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    stdin, errors = proc.stdin, proc.stderr

    def feed() -> None:
        with contextlib.suppress(OSError):  # git stopped reading: its exit code says why
            stdin.write(data)
        with contextlib.suppress(OSError):
            stdin.close()

    err: list[bytes] = [b""]
    feeder = threading.Thread(target=feed, daemon=True)
    drainer = threading.Thread(target=lambda: err.__setitem__(0, errors.read()), daemon=True)
    feeder.start()
    drainer.start()
    out = proc.stdout.read()
    feeder.join()
    drainer.join()
    proc.stdout.close()
    errors.close()
    if proc.wait() != 0:
        raise _failed(args, proc.returncode, err[0])
    return out


def read_objects(root: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """Contents of many objects by id (missing ones left out): one git process."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    return {name: found[2] for name, found in zip(wanted, cat_objects(root, wanted), strict=True) if found}


class Packed(Mapping[str, bytes]):
    """Many objects' contents left in git's one output buffer, each found by its offsets.

    A whole history's commit objects are ~57,000 small ``bytes``, ~45 MB: kept as one buffer
    they cost no per-object overhead, and a forked worker that reads them copies no page (an
    object it touched would have its reference count, so its page, written). An item is a
    fresh copy of its bytes.
    """

    def __init__(self, data: bytes, spans: dict[str, tuple[int, int]]) -> None:
        self.data = data
        self.spans = spans

    def __getitem__(self, name: str) -> bytes:
        start, end = self.spans[name]
        return self.data[start:end]

    def __iter__(self) -> Iterator[str]:
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)


def read_packed(root: Path, ids: Iterable[str]) -> Packed:
    """``read_objects``, its contents left in one buffer."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    out, found = _cat_batch(root, wanted)
    return Packed(out, {name: (f[2], f[3]) for name, f in zip(wanted, found, strict=True) if f})


def blob_id_of_file(root: Path, relpath: str) -> str:
    """The blob id the working-tree file would have (``git hash-object``)."""
    return git(root, "hash-object", "--", relpath).strip()


# -- repository creation and configuration (GitPython) ---------------------------------------
# GitPython is imported only here and only when these run (``init``, ``setup``): its import costs
# ~150 ms, which no everyday command should pay. History reading stays on the batched plain-git
# reader above, where GitPython is an order of magnitude slower.


def init_repository_dir(target: Path) -> None:
    """``git init`` of ``target`` on branch main (a no-op for an existing repository)."""
    import git as gitpython

    if not (target / ".git").exists():
        gitpython.Repo.init(target, initial_branch="main")


def write_repo_config(root: Path, values: Mapping[str, str]) -> None:
    """Set ``section.key`` values in the repository's own ``.git/config`` in one locked write:
    a failure leaves the file as it was, never half the signing setup."""
    import git as gitpython

    repo = gitpython.Repo(root)
    try:
        with repo.config_writer("repository") as writer:
            for dotted, value in values.items():
                section, _, key = dotted.rpartition(".")
                if "." in section:  # remote.origin.url → [remote "origin"]
                    name, _, sub = section.partition(".")
                    section = f'{name} "{sub}"'
                writer.set_value(section, key, value)
    finally:
        repo.close()


def config_value(root: Path, name: str) -> str:
    """The effective value of git config ``name`` in ``root`` ('' when unset)."""
    return git(root, "config", "--get", name, check=False).strip()


def clone(url: str, target: Path) -> None:
    """``git clone url target`` (never prompting: a missing credential is an error, not a hang)."""
    if target.exists() and any(target.iterdir()):
        raise InputError(t("clone.exists", path=str(target)))
    git(target.parent if target.parent.is_dir() else Path.cwd(), "clone", "--quiet", "--", url, str(target.absolute()))
def export_tree(root: Path, rev: str, prefixes: Iterable[str], dest: Path) -> None:
    """Write the files under ``prefixes`` as they were at ``rev`` into ``dest`` (same relative paths)."""
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", rev_parse(root, rev), "--", *prefixes)
    entries = []
    for item in listing.split("\0"):
        if not item:
            continue
        meta, _, path = item.partition("\t")
        kind, obj = meta.split()[1:3]
        if kind == "blob":
            entries.append((path, obj))
    blobs = read_objects(root, (obj for _, obj in entries))
    for path, obj in entries:
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blobs.get(obj, b""))


def changed_since(root: Path, rev: str, prefixes: Iterable[str]) -> tuple[set[str], list[str]]:
    """Files under ``prefixes`` changed after ``rev`` up to HEAD, and the messages of the commits since."""
    paths = {p for p in git(root, "diff", "--name-only", "-z", rev, "HEAD", "--", *prefixes).split("\0") if p}
    messages = [m for m in git(root, "log", "-z", "--format=%B", f"{rev}..HEAD").split("\0") if m.strip()]
    return paths, messages
