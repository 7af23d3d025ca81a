"""``gkctl sync`` after a concurrent publication converges through the real hook: two clones
publish different documents under the same 索引号 while apart; the second's sync republishes
its document on top of the first's, and the central repository accepts the push."""

from __future__ import annotations

from pathlib import Path

from gkctl.services.repository import Repository
from gkctl.services.sync import sync
from gkctl.trail.workflow import publications
from helpers.cli import run_cli
from helpers.witness import git, witnessed_bureau


def test_concurrent_publications_converge_through_the_hook(tmp_path: Path) -> None:
    with witnessed_bureau(tmp_path) as w:
        a = w.bureau
        first, second = a.draft("关于第一份文件的通知"), a.draft("关于第二份文件的通知")
        a.approve_all(first)
        a.approve_all(second)
        assert w.push().returncode == 0
        b = a.copy(tmp_path / "b")
        a.publish(first)
        b.publish(second)
        mine = b.git("log", "-1", "--format=%H %(trailers:key=Gkctl-Index,valueonly)").split()
        assert mine[1] == a.git("log", "-1", "--format=%(trailers:key=Gkctl-Index,valueonly)").strip()
        assert sync(Repository(a.work)).pushed
        records = len(git(w.central, "rev-list", "refs/gkctl/witness").split())

        b.act("wang")  # the same publisher re-signs
        stages: list[tuple[str, int, int | None]] = []
        result = sync(Repository(b.work), progress=lambda *report: stages.append(report))
        assert result.pushed and not result.renumbered
        assert ("push", stages[-1][2], stages[-1][2]) in stages  # git's own progress reached the callback
        assert [(old, new) for _doc, old, new in result.replayed] == [(mine[1], mine[1][:-1] + "2")]
        numbers = sorted(p.index_number for p in publications(w.central))
        assert numbers == [mine[1], mine[1][:-1] + "2"]
        assert mine[0] not in git(w.central, "rev-list", "--all")  # the superseded commit never left clone B
        res = run_cli("verify", "-C", str(w.central))
        assert res.exit_code == 0, res.stdout
        assert len(git(w.central, "rev-list", "refs/gkctl/witness").split()) == records + 1
        # and the first clone converges on the same numbers, log included
        assert not sync(Repository(a.work)).pushed
        assert sorted(p.index_number for p in publications(a.work)) == numbers
        assert git(a.work, "rev-parse", "refs/gkctl/witness") == git(w.central, "rev-parse", "refs/gkctl/witness")
