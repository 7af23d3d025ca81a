"""``gkctl verify --site DIR``: is the copy on the web server the site the bureau approved?

网页防篡改 (tamper detection, asked of government sites by 等保 2.0): the copy names its
revision in ``manifest.json``; the manifest's signature must be good (SSHSIG, namespace
``gkctl-site``) and made by a key of someone in the policy in force at that revision. Then,
by default, the revision is built again and every file compared byte for byte; with
``offline`` every file is compared with the manifest's digest list instead (no rebuild).
Each difference — a changed, added or missing file — is named.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gkctl.core.errors import GkctlError, InputError
from gkctl.core.i18n import t
from gkctl.core.policy import SITE_TEMPLATE_DIR, load_policy_from_files
from gkctl.services.build import build_site
from gkctl.site import manifest
from gkctl.site.collect import cat_batch
from gkctl.trail import workflow
from gkctl.trail.gitutil import git, rev_parse
from gkctl.trail.signatures import active_at, person_for_key
from gkctl.trail.sshsig import verify_sshsig

# verify codes of a deployed site (GK47x)
CHANGED, ADDED, MISSING, NO_MANIFEST, SIGNATURE, SIGNER, NO_REVISION = (
    "GK470", "GK471", "GK472", "GK473", "GK474", "GK475", "GK476",
)  # fmt: skip
_KINDS = {"changed": CHANGED, "added": ADDED, "missing": MISSING}


@dataclass(frozen=True, slots=True)
class SiteProblem:
    code: str
    message: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class SiteCheck:
    site: Path
    rev: str
    offline: bool
    files: int
    signer: str = ""  # person id of the manifest's signer, when the signature is good
    problems: list[SiteProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_site(root: Path, site: Path, offline: bool = False) -> SiteCheck:
    """Check the deployed copy ``site`` against the repository ``root`` (see the module doc)."""
    if not site.is_dir():
        raise InputError(t("verify_site.no_dir", path=str(site)))
    copy = manifest.files_in(site)
    raw = copy.get(manifest.NAME)
    try:
        head = json.loads(raw.read_bytes()) if raw is not None else None
    except (OSError, ValueError):
        head = None
    if not isinstance(head, dict) or not isinstance(head.get("rev"), str) or not isinstance(head.get("files"), dict):
        problem = SiteProblem(NO_MANIFEST, t("verify_site.no_manifest"), manifest.NAME)
        return SiteCheck(site, "", offline, len(copy), problems=[problem])
    rev = head["rev"]
    try:
        commit = rev_parse(root, rev + "^{commit}")
    except GkctlError:
        return SiteCheck(site, rev, offline, len(copy), problems=[SiteProblem(NO_REVISION, t("verify_site.no_rev", rev=rev[:12]))])
    problems: list[SiteProblem] = []
    signer = _check_signature(root, commit, raw.read_bytes() if raw else b"", copy, problems)
    if offline:
        diffs = manifest.against_digests(copy, {str(k): str(v) for k, v in head["files"].items()})
    else:
        with tempfile.TemporaryDirectory(prefix="gkctl-verify-site-") as tmp:
            out = Path(tmp) / "site"
            build_site(root, out, rev=commit, base_url=str(head.get("base_url") or ""), sign=False)
            built = manifest.files_in(out)
            diffs = manifest.against_tree(copy, built, skip=(manifest.SIGNATURE,))
            if manifest.SIGNATURE not in copy:
                diffs = [d for d in diffs if d.path != manifest.SIGNATURE]
    problems += [SiteProblem(_KINDS[d.kind], t(f"verify_site.{d.kind}", path=d.path), d.path) for d in diffs]
    return SiteCheck(site, commit, offline, len(copy), signer, problems)


def _check_signature(root: Path, commit: str, data: bytes, copy: dict[str, Path], problems: list[SiteProblem]) -> str:
    """The signer's person id, or '' with the problem recorded."""
    sig_path = copy.get(manifest.SIGNATURE)
    if sig_path is None:
        problems.append(SiteProblem(SIGNATURE, t("verify_site.unsigned"), manifest.SIGNATURE))
        return ""
    check = verify_sshsig(data, sig_path.read_bytes(), manifest.NAMESPACE)
    if not check.good or check.key is None:
        problems.append(SiteProblem(SIGNATURE, t("verify_site.bad_signature", detail=t(check.reason or "sshsig.bad",
                                    detail=check.detail)), manifest.SIGNATURE))  # fmt: skip
        return ""
    analysis = workflow.analyse(root, commit)
    config = dict(analysis.trust.effective_files(commit) or ())
    blobs = dict(zip(config, cat_batch(root, [config[p] for p in config]), strict=True))
    policy = load_policy_from_files({p: b[1] for p, b in blobs.items() if b is not None and not p.startswith(SITE_TEMPLATE_DIR)})
    person = person_for_key(policy, check.key)
    when = int(git(root, "show", "-s", "--format=%ct", commit).strip())
    if person is None or not active_at(person, when):
        problems.append(SiteProblem(SIGNER, t("verify_site.untrusted", key=check.key[-16:], rev=commit[:12]),
                                    manifest.SIGNATURE))  # fmt: skip
        return ""
    return person.id
