"""The README's two onboarding sections, run as written in a shell, each person in their own HOME.

Only the central repository's place (/srv/gkctl) is moved into the test's folder; the admin's
registration line is the one the clerk's ``setup`` printed, as the README says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def segments(marker: str) -> list[str]:
    """The shell block after ``<!-- onboarding:marker -->``, split at its comment lines."""
    block = README.split(f"<!-- onboarding:{marker} -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    block = block.replace("\\\n", " ")
    parts: list[list[str]] = [[]]
    for line in block.splitlines():
        if line.startswith("#"):
            parts.append([])
        elif line.strip():
            parts[-1].append(line)
    return ["\n".join(p) for p in parts]


class Desk:
    """One person's shell: a HOME of their own (no git identity), the folder they are in."""

    def __init__(self, base: Path, srv: Path) -> None:
        self.home = base / "home"
        self.home.mkdir(parents=True)
        (self.home / ".gitconfig").write_text("")
        self.cwd = base
        self.srv = srv
        self.env = {"HOME": str(self.home), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"), "LANG": "C.UTF-8"}

    def run(self, script: str) -> str:
        script = script.replace("/srv/gkctl", str(self.srv))
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 0, (script, proc.stdout, proc.stderr)
        return proc.stdout

    def run_in_place(self, script: str) -> str:
        """Run ``script``, remembering the folder it ends in (the README's ``cd`` carries on)."""
        out = self.run(f"{script}\necho \"@@cwd=$PWD\"")
        self.cwd = Path(re.findall(r"@@cwd=(.*)", out)[-1])
        return out


def test_the_readme_onboarding_runs_as_written(tmp_path: Path) -> None:
    srv = tmp_path / "srv"
    srv.mkdir()
    admin, clerk = Desk(tmp_path / "admin", srv), Desk(tmp_path / "clerk", srv)
    admin_parts, clerk_parts = segments("admin"), segments("clerk")
    assert len(admin_parts) == 2 and len(clerk_parts) == 3
    admin.run_in_place(admin_parts[0])
    # a script has no terminal to type a passphrase on: the only change to the README's line
    out = clerk.run_in_place(clerk_parts[0].replace("setup --new", "setup --new --no-passphrase"))
    printed = [ln for ln in out.splitlines() if ln.startswith("gkctl people add ")][-1]
    registration = next(ln for ln in admin_parts[1].splitlines() if ln.startswith("gkctl people add "))
    assert printed.split("--key")[0] == registration.split("--key")[0]  # the README shows the real shape
    admin.run_in_place(admin_parts[1].replace(registration, printed))
    out = clerk.run_in_place(clerk_parts[1])
    assert "张三（zhangsan），办公室；角色：拟稿人" in out
    assert "下一步：审稿（王主任）" in out
    doc = clerk.cwd / "docs/2026/2026-bgs-001.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("（在此撰写正文。）", "各科室：现将有关事项通知如下。"),
                   encoding="utf-8")  # fmt: skip
    out = clerk.run_in_place(clerk_parts[2])
    assert "修改：关于开展2026年度审计项目的通知" in out
