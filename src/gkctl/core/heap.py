"""Memory housekeeping: the C heap's free pages given back before a fork, and the cyclic
collector paused while many objects without cycles are made.

A forked worker shares its parent's pages until either writes one. Pages the parent freed
but the C allocator keeps (pipe chunks, a dropped history) are written again as the parent
goes on, and the worker then holds the old copy of each: a cold pass's verifier kept 45 MB
of such copies. ``malloc_trim`` returns them to the kernel first.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def trim() -> None:
    """Return the C heap's free pages to the kernel (glibc only; elsewhere nothing happens)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: no trim, only more memory
        pass


@contextmanager
def paused_gc() -> Iterator[None]:
    """Build many small objects without the cyclic collector re-scanning them (~35% of the time
    of reading a large history); they hold no cycles, and collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
