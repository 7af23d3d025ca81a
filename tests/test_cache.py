"""The cache files under .git/gkctl: what is saved reads back, and any damage reads as nothing cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkctl.trail.cache import load_marshal, load_pickle, save_marshal, save_pickle

DATA = {"a": [1, 2, 3], "b": ("x" * 5000, b"\x00\xff"), "c": {"nested": 2.5}}


@pytest.mark.parametrize(("save", "load"), [(save_pickle, load_pickle), (save_marshal, load_marshal)])
def test_saved_data_reads_back(tmp_path: Path, save, load) -> None:
    file = tmp_path / "sub" / "cache.bin"
    save(file, DATA)
    assert load(file) == DATA
    assert [p.name for p in file.parent.iterdir()] == ["cache.bin"]  # no temporary file left


@pytest.mark.parametrize(("save", "load", "nothing"), [(save_pickle, load_pickle, None), (save_marshal, load_marshal, {})])
@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "empty", "magic", "missing"])
def test_damaged_file_reads_as_nothing_cached(tmp_path: Path, save, load, nothing, damage: str) -> None:
    file = tmp_path / "cache.bin"
    save(file, DATA)
    raw = bytearray(file.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0x01
    elif damage == "truncate":
        raw = raw[:-10]
    elif damage == "append":
        raw += b"more"
    elif damage == "empty":
        raw = bytearray()
    elif damage == "magic":
        raw[0] ^= 0x20
    file.write_bytes(bytes(raw))
    if damage == "missing":
        file.unlink()
    assert load(file) == nothing
