"""``python -m gkctl``."""

from gkctl.cli.main import run

run()
