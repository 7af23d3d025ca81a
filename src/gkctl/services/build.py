"""``gkctl build``: collect at REV, render into the staging tree, swap it in atomically.

Nothing here prints: progress goes to an optional callback the CLI turns into a bar.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gkctl.core.heap import paused_gc
from gkctl.core.i18n import t
from gkctl.site import manifest
from gkctl.site.collect import collect
from gkctl.site.output import Staging
from gkctl.site.render import Progress, render_site
from gkctl.trail.cache import cache_path
from gkctl.trail.signatures import sign_data

DEFAULT_OUT = "_site"


@dataclass(frozen=True, slots=True)
class BuildResult:
    out: Path
    rev: str
    documents: int
    withdrawn: int
    pages: int
    rendered: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[str, ...]
    signed: bool = False  # manifest.json.sig written with the builder's key
    search_segments: int = 0  # segments of the search index inverted again (the rest were reused)


def cache_dir(root: Path) -> Path:
    """``.git/gkctl/site`` of ``root`` (the common git dir, so worktrees share it)."""
    return cache_path(root, "site")


def build_site(
    root: Path,
    out: Path | None = None,
    rev: str = "HEAD",
    base_url: str = "",
    progress: Progress | None = None,
    sign: bool = True,
) -> BuildResult:
    """Build the public site of ``root`` at ``rev`` into ``out`` (default ``root/_site``).

    On any error the previously built site stays live and untouched. With ``sign`` the
    manifest is signed by the builder's configured ssh key, so a deployed copy can be checked.
    """
    # One pause of the cyclic collector for the whole build. Rendering makes a few hundred cyclic
    # objects for thousands of pages (271 for a whole 10k site), and collect's records none, while
    # each pass of the collector rescanned everything made so far. Objects made in a pause stay
    # in its youngest generation: a pause that ends while they live costs a scan of all of them
    # in each generation as they age (seven passes, 0.5 s of a district build, when collect and
    # rendering paused on their own). Ended once ``_build`` returns, only its result is left of
    # them. (A cold build collects once before it renders bodies: see collect.)
    with paused_gc():
        return _build(root, out if out is not None else root / DEFAULT_OUT, rev, base_url, progress, sign)


def _build(root: Path, target: Path, rev: str, base_url: str, progress: Progress | None, sign: bool) -> BuildResult:
    """``build_site`` inside its pause."""
    started = time.perf_counter()
    got = collect(root, rev, base_url=base_url, cache_dir=cache_dir(root), progress=progress)
    staging = Staging(target)
    staging.open()
    try:
        stats = render_site(got.site, got.templates, staging, got.fetch_many, progress, cache_dir(root))
        signature = sign_data(root, (staging.tree / manifest.NAME).read_bytes(), manifest.NAMESPACE) if sign else None
        if signature is not None:
            staging.write(manifest.SIGNATURE, signature)
        written = staging.commit()
    finally:
        staging.close()
    return BuildResult(
        out=staging.out,
        rev=got.site.rev,
        documents=stats.documents,
        withdrawn=stats.withdrawn,
        pages=stats.pages,
        rendered=stats.rendered,
        written=written.written,
        unchanged=written.unchanged,
        removed=written.removed,
        seconds=time.perf_counter() - started,
        warnings=got.warnings + (() if signature is not None or not sign else (t("site.unsigned"),)),
        signed=signature is not None,
        search_segments=stats.search_segments,
    )
