"""The harness's peak memory of a process tree: real processes, real forks, read from /proc.

No timings (those live in ``benchmarks/``): only that a forked worker's pages shared with its
parent count once, and that what workers hold of their own counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers.modules import load_module

run = load_module(Path(__file__).resolve().parent.parent / "benchmarks" / "run.py")

if not Path("/proc/self/smaps_rollup").exists():  # pragma: no cover - the harness reads Linux's /proc
    pytest.skip("the harness measures memory from Linux's /proc", allow_module_level=True)

_PARENT = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
big = bytearray({parent} * 1024 * 1024)
for i in range(0, len(big), 4096):
    big[i] = 1
def work(n):
    own = bytearray({child} * 1024 * 1024)
    for i in range(0, len(own), 4096):
        own[i] = 1
    time.sleep({hold})
    return n
if __name__ == "__main__":
    for _ in range({pools}):
        with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
            list(pool.map(work, range(2)))
"""


def _peak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kw: float) -> float:
    monkeypatch.setattr(run, "OUT", tmp_path)
    script = tmp_path / "tree.py"
    script.write_text(_PARENT.format(**kw))
    sample = run.measure([sys.executable, str(script)], tmp_path)
    assert sample.error is None, sample.error
    return float(sample.peak_mb)


def test_pages_a_forked_worker_shares_with_its_parent_count_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 120 MB parent making 25 pools of two idle forked workers holds ~130 MB; summed in
    process order, the pages the workers shared were counted twice around their forks and exits."""
    peak = _peak(tmp_path, monkeypatch, parent=120, child=0, hold=0, pools=25)
    assert 120 <= peak < 160, peak


def test_what_workers_hold_of_their_own_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers writing 60 MB each beside a 120 MB parent: the tree holds ~250 MB."""
    peak = _peak(tmp_path, monkeypatch, parent=120, child=60, hold=1.0, pools=1)
    assert 230 <= peak < 290, peak
