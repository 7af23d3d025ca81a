"""The C heap's free pages, given back before a fork.

A forked worker shares its parent's pages until either writes one. Pages the parent freed
but the C allocator keeps (pipe chunks, a dropped history) are written again as the parent
goes on, and the worker then holds the old copy of each: a cold pass's verifier kept 45 MB
of such copies. ``malloc_trim`` returns them to the kernel first.
"""

from __future__ import annotations


def trim() -> None:
    """Return the C heap's free pages to the kernel (glibc only; elsewhere nothing happens)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: no trim, only more memory
        pass
