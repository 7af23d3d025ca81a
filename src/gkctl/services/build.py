"""``gkctl build``: collect at REV, render into the staging tree, swap it in atomically.

Nothing here prints: progress goes to an optional callback the CLI turns into a bar.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gkctl.site.collect import collect
from gkctl.site.output import Staging
from gkctl.site.render import Progress, render_site
from gkctl.trail.cache import cache_path

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


def cache_dir(root: Path) -> Path:
    """``.git/gkctl/site`` of ``root`` (the common git dir, so worktrees share it)."""
    return cache_path(root, "site")


def build_site(
    root: Path,
    out: Path | None = None,
    rev: str = "HEAD",
    base_url: str = "",
    progress: Progress | None = None,
) -> BuildResult:
    """Build the public site of ``root`` at ``rev`` into ``out`` (default ``root/_site``).

    On any error the previously built site stays live and untouched.
    """
    started = time.perf_counter()
    target = out if out is not None else root / DEFAULT_OUT

    got = collect(root, rev, base_url=base_url, cache_dir=cache_dir(root), progress=progress)
    staging = Staging(target)
    staging.open()
    try:
        stats = render_site(got.site, got.templates, staging, got.fetch_many, progress)
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
        warnings=got.warnings,
    )
