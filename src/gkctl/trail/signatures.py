"""Who signs: the configured signing key, key → person, and git's allowed-signers file.

The signing key, not the commit author, says who acted (DESIGN §3). Keys are compared by
type and base64 only (ssh) or by upper-case fingerprint (openpgp), so comments, options and
``key::`` prefixes never decide identity.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from array import array
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from gkctl.core.errors import InputError, RuleError
from gkctl.core.heap import trim
from gkctl.core.i18n import t
from gkctl.core.keys import normalize_key
from gkctl.core.policy import Person, Policy
from gkctl.trail.cache import Table
from gkctl.trail.gitutil import Packed, git, read_packed
from gkctl.trail.history import CommitRecord
from gkctl.trail.sshsig import SigCheck, split_signed_commit, verify_commit

KeyFormat = Literal["ssh", "openpgp"]

# The bureau's day ends at midnight Beijing time (no daylight saving), whatever the machine's zone.
BEIJING = timezone(timedelta(hours=8))
@dataclass(frozen=True, slots=True)
class SigningKey:
    format: KeyFormat
    key: str  # normalised: "ssh-ed25519 AAAA…" or an upper-case openpgp fingerprint

    def short(self) -> str:
        """A few characters a person can recognise in a message."""
        if self.format == "ssh":
            kind, b64 = self.key.split(" ", 1)
            return f"{kind} …{b64[-12:]}"
        return self.key[-16:]


def key_format(normalised: str) -> KeyFormat:
    return "ssh" if " " in normalised else "openpgp"


# -- the configured key ---------------------------------------------------------------------


def configured_key(root: Path) -> SigningKey:
    """The key git will sign with in ``root`` (``gpg.format`` + ``user.signingkey``)."""
    configured_fmt = git(root, "config", "--get", "gpg.format", check=False).strip()
    fmt = configured_fmt or "openpgp"
    value = git(root, "config", "--get", "user.signingkey", check=False).strip()
    if not value and (fmt == "ssh" or not configured_fmt):
        # nothing set up yet: point at the one command that does it, not at gpg's complaint
        raise InputError(t("sig.not_configured"))
    if fmt == "ssh":
        return SigningKey("ssh", _ssh_public_key(root, value))
    if fmt == "openpgp":
        return SigningKey("openpgp", _gpg_fingerprint(root, value or _committer_email(root)))
    raise RuleError(t("sig.unsupported_format", format=fmt))


def _ssh_public_key(root: Path, value: str) -> str:
    if value.startswith(("key::", "ssh-", "ecdsa-", "sk-")):
        key = normalize_key(value)
        if key is None:
            raise InputError(t("sig.bad_key_literal", value=value[:60]))
        return key
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = root / path
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(t("sig.key_unreadable", detail=exc.strerror or str(exc)), path=str(path)) from None
    if "PRIVATE KEY" in text:
        pub = path.with_name(path.name + ".pub")
        if pub.is_file():
            text = pub.read_text(encoding="utf-8", errors="replace")
        else:
            proc = subprocess.run(
                ["ssh-keygen", "-y", "-P", "", "-f", str(path)], capture_output=True, stdin=subprocess.DEVNULL
            )
            if proc.returncode != 0:
                raise InputError(t("sig.no_public_key"), path=str(path))
            text = proc.stdout.decode("ascii", "replace")
    key = normalize_key(text.splitlines()[0] if text.strip() else "")
    if key is None:
        raise InputError(t("sig.bad_key_file"), path=str(path), line=1)
    return key


def gpg_program(root: Path) -> str:
    for name in ("gpg.openpgp.program", "gpg.program"):
        value = git(root, "config", "--get", name, check=False).strip()
        if value:
            return value
    return "gpg"


def _committer_email(root: Path) -> str:
    ident = git(root, "var", "GIT_COMMITTER_IDENT", check=False)
    m = re.search(r"<([^>]*)>", ident)
    if not m or not m.group(1):
        raise RuleError(t("sig.not_configured"))
    return m.group(1)


def _gpg_fingerprint(root: Path, ident: str) -> str:
    """The primary fingerprint gpg resolves ``ident`` (key id, fingerprint, e-mail) to."""
    ident = ident.rstrip("!")
    try:
        proc = subprocess.run(
            [gpg_program(root), "--batch", "--with-colons", "--list-secret-keys", "--", ident],
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise RuleError(t("sig.gpg_missing", detail=str(exc))) from None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9].upper()
    raise RuleError(t("sig.gpg_no_key", key=ident))


# -- key → person ---------------------------------------------------------------------------


def person_for_key(policy: Policy, key: str) -> Person | None:
    """The person listing ``key`` (any accepted spelling) in ``policy``, or None."""
    wanted = normalize_key(key)
    return None if wanted is None else policy.people.by_key(wanted)


def valid_before(active_until: date) -> datetime:
    """The last instant a key of someone active until ``active_until`` may sign (inclusive,
    as ssh-keygen's ``valid-before`` is): 23:59:59 that day, Beijing time."""
    return datetime.combine(active_until + timedelta(days=1), time(0), BEIJING) - timedelta(seconds=1)


def active_at(person: Person, timestamp: int) -> bool:
    """Whether ``person`` may sign at ``timestamp`` (seconds since the epoch, e.g. a committer date)."""
    until = person.active_until
    return until is None or timestamp <= int(valid_before(until).timestamp())


def configured_person(root: Path, policy: Policy, today: date | None = None) -> Person:
    """The person the configured key belongs to, refusing unknown keys and revoked people."""
    key = configured_key(root)
    person = person_for_key(policy, key.key)
    if person is None:
        raise RuleError(t("sig.unknown_key", key=key.short()))
    today = today or datetime.now(BEIJING).date()
    if person.active_until is not None and today > person.active_until:
        raise RuleError(t("sig.inactive", person=person.id, name=person.name, until=person.active_until.isoformat()))
    return person


# -- allowed signers ------------------------------------------------------------------------


def allowed_signers_lines(people: Iterable[Any]) -> list[str]:
    """One allowed-signers line per ssh key of ``people`` (openpgp keys have no place there)."""
    lines: list[str] = []
    for person in people:
        opts = 'namespaces="git"'
        if person.active_until is not None:
            stamp = valid_before(person.active_until).astimezone(UTC).strftime("%Y%m%d%H%M%SZ")
            opts += f',valid-before="{stamp}"'
        for raw in person.keys:
            key = normalize_key(raw)
            if key is not None and key_format(key) == "ssh":
                lines.append(f"{person.id} {opts} {key}")
    return lines


def allowed_signers(policy: Policy) -> str:
    """git's ``gpg.ssh.allowedSignersFile`` content for ``policy`` (principal = person id)."""
    header = "# gkctl: allowed signers from policies/people.yaml (principal = person id)\n"
    return header + "".join(line + "\n" for line in allowed_signers_lines(policy.people.people))


# -- signature checks over many commits -------------------------------------------------------

SIG_CACHE = "signatures_v4"  # a table of the cache database


def check_signatures(root: Path, commits: Iterable[CommitRecord], use_cache: bool = True) -> dict[str, SigCheck]:
    """The cryptographic verdict on each commit's signature, by commit id.

    SSH signatures are checked in process; OpenPGP ones go to the gpg git would use, one
    process per such commit. Verdicts are cached under ``.git/gkctl/`` by commit id (the id
    hashes the whole signed object, so a verdict can never go stale); OpenPGP verdicts that
    depend on the local keyring ("cannot check") are not cached.

    A record without its raw object (a whole history's) whose verdict is not cached has it
    read from git again, all such in one process.
    """
    commits = list({rec.id: rec for rec in commits}.values())
    known: dict[str, SigCheck] = {}
    if use_cache:
        table = Table(root, SIG_CACHE)
        known = _cached_verdicts(table, [r.id for r in commits if r.raw is None])
        table.close()
    unread = [r.id for r in commits if r.raw is None and r.id not in known]
    raws: Mapping[str, bytes] = read_packed(root, unread) if unread else {}
    missing = [sha for sha in unread if sha not in raws]
    if missing:
        raise InputError(t("repo.corrupt", id=missing[0][:12]))
    held = {rec.id: rec.raw for rec in commits if rec.raw is not None}
    if held:
        raws = {**raws, **held}
    checked = Verifying(root, raws, use_cache).result() if raws else {}
    return {rec.id: known.get(rec.id) or checked[rec.id] for rec in commits}


def _cached_verdicts(table: Table, ids: list[str]) -> dict[str, SigCheck]:
    """The verdicts ``table`` holds of ``ids`` (malformed rows left out)."""
    found = {}
    for sha, entry in table.get_many(ids).items():
        if isinstance(entry, tuple) and len(entry) == 4:
            status, key, reason, detail = entry
            found[sha] = SigCheck(status, key or None, reason, detail)
    return found


PARALLEL_FROM = 2000  # signatures; fewer are not worth a second process
_CHUNK = 256  # signatures a verifier takes at a time (~20 ms of work)


class _Todo:
    """The raw objects left to verify: one buffer and their offsets in it. A forked worker
    reading them writes to no object it inherited but the buffer's header, so it copies one
    page, not the ~45 MB a list of 57,000 ``bytes`` would cost it (their reference counts)."""

    def __init__(self, raws: Mapping[str, bytes], skip: Container[str]) -> None:
        packed = raws if isinstance(raws, Packed) else None
        self.ids = [sha for sha in raws if sha not in skip]
        if packed is not None:
            self.data = packed.data
            spans = [packed.spans[sha] for sha in self.ids]
        else:
            parts = [raws[sha] for sha in self.ids]
            self.data = b"".join(parts)
            spans, at = [], 0
            for part in parts:
                spans.append((at, at + len(part)))
                at += len(part)
        self.starts = array("q", (a for a, _ in spans))
        self.ends = array("q", (b for _, b in spans))

    def __len__(self) -> int:
        return len(self.ids)

    def raw(self, i: int) -> bytes:
        return self.data[self.starts[i] : self.ends[i]]

    def verify(self, lo: int, hi: int) -> list[SigCheck]:
        return [verify_commit(self.raw(i)) for i in range(lo, hi)]


# what a forked worker verifies and the shared [front, back) of what is left (inherited, never pickled)
_PENDING: _Todo | None = None
_BOUNDS: Any = None


class Verifying:
    """Verdicts on the signatures of many commits, verified from the moment they are read.

    ed25519 verification costs ~0.3 ms per commit in all, so a cold pass over 57,000 commits
    spends ~16 s of cpu on it. A forked worker verifies from the front of the list as soon as
    the raw objects are read, while the caller parses and diffs them; ``result()`` then joins in
    from the back until the two meet. Both cores verify, and neither waits for the other.
    """

    def __init__(self, root: Path, raws: Mapping[str, bytes], use_cache: bool = True) -> None:
        self.root = root
        self._table = Table(root, SIG_CACHE) if use_cache else None
        self._done: dict[str, SigCheck] = _cached_verdicts(self._table, list(raws)) if self._table else {}
        self._todo = _Todo(raws, self._done)
        self._pool: Any = None
        self._front: Any = None
        self._start()

    def _start(self) -> None:
        global _PENDING, _BOUNDS
        if len(self._todo) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or _PENDING is not None:
            return
        import multiprocessing as mp  # a fold checks a few signatures: ~15 ms of start-up it does not need
        from concurrent.futures import ProcessPoolExecutor

        if "fork" not in mp.get_all_start_methods():
            return
        ctx = mp.get_context("fork")
        trim()
        _PENDING = self._todo
        _BOUNDS = ctx.Array("q", [0, len(_PENDING)])
        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx)
            self._front = self._pool.submit(_verify_front)
        except OSError:  # no process to spare: verify here
            self._close()

    def result(self) -> dict[str, SigCheck]:
        """Every verdict (the background worker's too), the new ones cached."""
        todo = self._todo
        checked: list[SigCheck] = []
        if self._pool is not None:
            from concurrent.futures.process import BrokenProcessPool  # only with a worker: ~10 ms to import

            back: list[list[SigCheck]] = []
            while (piece := _take_back()) is not None:
                back.append(todo.verify(*piece))
            try:
                checked = self._front.result()
            except (BrokenProcessPool, OSError, EOFError):  # a lost worker: all is verified here below
                checked = []
            for part in reversed(back):
                checked.extend(part)
            self._close()
        if len(checked) != len(todo):
            checked = todo.verify(0, len(todo))
        fresh: dict[str, tuple[str, str, str, str]] = {}
        for i, (sha, check) in enumerate(zip(todo.ids, checked, strict=True)):
            if check.status == "openpgp":
                check = _gpg_verify(self.root, todo.raw(i))
            self._done[sha] = check
            if check.reason != "sshsig.gpg_failed":
                fresh[sha] = (check.status, check.key or "", check.reason, check.detail)
        self._todo = _Todo({}, ())
        if self._table is not None:
            self._table.put_many(fresh)
            self._table.close()
        return self._done

    def _close(self) -> None:
        global _PENDING, _BOUNDS
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        _PENDING, _BOUNDS = None, None


def _verify_front() -> list[SigCheck]:
    """The forked worker: verify pieces from the front until none is left."""
    assert _PENDING is not None
    out: list[SigCheck] = []
    while True:
        with _BOUNDS.get_lock():
            lo, hi = _BOUNDS[0], _BOUNDS[1]
            if lo >= hi:
                return out
            stop = min(hi, lo + _CHUNK)
            _BOUNDS[0] = stop
        out.extend(_PENDING.verify(lo, stop))


def _take_back() -> tuple[int, int] | None:
    """The caller's next piece, from the back (None when the two ends met)."""
    with _BOUNDS.get_lock():
        lo, hi = _BOUNDS[0], _BOUNDS[1]
        if lo >= hi:
            return None
        start = max(lo, hi - _CHUNK)
        _BOUNDS[1] = start
    return start, hi


def _gpg_verify(root: Path, raw: bytes) -> SigCheck:
    """Check an OpenPGP commit signature the way ``git verify-commit`` does (same program,
    ``--status-fd`` output); the signer is the primary key's fingerprint."""
    payload, signature = split_signed_commit(raw)
    with tempfile.NamedTemporaryFile(prefix="gkctl-sig-", suffix=".asc") as sig:
        sig.write(signature or b"")
        sig.flush()
        try:
            proc = subprocess.run(
                [gpg_program(root), "--batch", "--status-fd=1", "--keyid-format=long", "--verify", sig.name, "-"],
                input=payload,
                capture_output=True,
            )
        except OSError as exc:
            return SigCheck("unsupported", None, "sshsig.gpg_failed", str(exc))
    status: dict[str, list[str]] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("[GNUPG:] "):
            word, *rest = line[9:].split()
            status.setdefault(word, rest)
    if "BADSIG" in status:
        return SigCheck("bad", None, "sshsig.bad")
    if "GOODSIG" in status and "VALIDSIG" in status:
        fields = status["VALIDSIG"]
        return SigCheck("good", (fields[9] if len(fields) > 9 else fields[0]).upper())
    for word in ("EXPKEYSIG", "REVKEYSIG", "EXPSIG"):
        if word in status:
            return SigCheck("bad", None, "sshsig.gpg_failed", word)
    detail = next((w for w in ("NO_PUBKEY", "ERRSIG", "NODATA") if w in status), f"exit {proc.returncode}")
    return SigCheck("unsupported", None, "sshsig.gpg_failed", detail)


# -- signing data other than commits ----------------------------------------------------------


def sign_data(root: Path, data: bytes, namespace: str) -> bytes | None:
    """An armored SSHSIG over ``data`` by the key git signs with in ``root`` (``ssh-keygen -Y sign``).

    None when no ssh signing key is configured (an openpgp key cannot make an SSHSIG); a key
    given as a literal (``key::…``) signs through the ssh agent, as git does.
    """
    fmt = git(root, "config", "--get", "gpg.format", check=False).strip()
    value = git(root, "config", "--get", "user.signingkey", check=False).strip()
    if fmt != "ssh" or not value:
        return None
    with tempfile.TemporaryDirectory(prefix="gkctl-sign-") as tmp:
        if value.startswith(("key::", "ssh-", "ecdsa-", "sk-")):
            key = Path(tmp) / "key.pub"
            key.write_text((normalize_key(value) or value) + "\n", encoding="ascii")
            args = ["-U", "-f", str(key)]
        else:
            path = Path(value).expanduser()
            args = ["-f", str(path if path.is_absolute() else root / path)]
        try:
            proc = subprocess.run(
                ["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, *args], input=data, capture_output=True
            )
        except OSError as exc:
            raise RuleError(t("sig.sign_failed", detail=str(exc))) from None
    if proc.returncode != 0 or b"BEGIN SSH SIGNATURE" not in proc.stdout:
        raise RuleError(t("sig.sign_failed", detail=proc.stderr.decode("utf-8", "replace").strip()[-300:]))
    return proc.stdout
