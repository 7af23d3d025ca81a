"""Where the package data (templates/, policies/) is, installed or from a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # the gkctl package folder


def data_dir(name: str) -> Path:
    """``templates`` or ``policies``: inside the wheel, else the source tree's top level."""
    inside = _PKG / name
    if inside.is_dir():
        return inside
    top = _PKG.parent.parent / name
    if top.is_dir():
        return top
    raise FileNotFoundError(f"gkctl package data '{name}' is missing (looked in {inside} and {top})")
