"""The cache files under .git/gkctl: what is saved reads back, and any damage reads as nothing cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from gkctl.trail.cache import (
    Table,
    load_marshal,
    load_pickle,
    load_pickled_dict,
    save_marshal,
    save_pickle,
    save_pickled_dict,
)

DATA = {"a": [1, 2, 3], "b": ("x" * 5000, b"\x00\xff"), "c": {"nested": 2.5}}


def _save_items(file: Path, data: dict) -> None:
    save_pickled_dict(file, data.items())


@pytest.mark.parametrize(("save", "load"), [(save_pickle, load_pickle), (save_marshal, load_marshal),
                                           (_save_items, load_pickled_dict)])
def test_saved_data_reads_back(tmp_path: Path, save, load) -> None:
    file = tmp_path / "sub" / "cache.bin"
    save(file, DATA)
    assert load(file) == DATA
    assert [p.name for p in file.parent.iterdir()] == ["cache.bin"]  # no temporary file left


@pytest.mark.parametrize(("save", "load", "nothing"), [(save_pickle, load_pickle, None), (save_marshal, load_marshal, {}),
                                                      (_save_items, load_pickled_dict, {})])
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


@pytest.mark.parametrize(("save", "load"), [(save_marshal, load_marshal), (_save_items, load_pickled_dict)])
def test_a_dict_of_many_pieces_reads_back_in_its_order(tmp_path: Path, save, load) -> None:
    """The history's and the documents' caches are written a few thousand entries at a time:
    every piece comes back, each object as it was (a piece's references are its own)."""
    shared = ("docs/a.md", None, "b" * 40)
    data = {f"{i:040x}": ((shared, shared), (i, "消息" * (i % 7))) for i in range(10_001, 0, -1)}
    file = tmp_path / "cache.bin"
    save(file, data)
    back = load(file)
    assert back == data
    assert list(back) == list(data)
    save(file, {})
    assert load(file) == {}


@pytest.mark.parametrize(("save", "load"), [(save_pickle, load_pickle), (save_marshal, load_marshal),
                                           (_save_items, load_pickled_dict)])
def test_a_failed_save_leaves_the_old_file_and_no_temporary_one(tmp_path: Path, save, load) -> None:
    file = tmp_path / "cache.bin"
    save(file, DATA)
    save(file, {**DATA, "d": lambda: None})  # neither pickle nor marshal can write a function
    assert load(file) == DATA
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_a_table_keeps_only_the_rows_it_is_told_to(tmp_path: Path) -> None:
    table = Table.in_file(tmp_path / "t.sqlite", "rows")
    table.put_many({f"k{i}": b"x" * 5000 for i in range(20)})  # rows of a page each, as the search index has
    table.retain(["k3", "k7", "gone"])
    assert sorted(table.get_many(f"k{i}" for i in range(20))) == ["k3", "k7"]
    table.retain([])
    assert table.get_many(["k3"]) == {}
    table.close()
