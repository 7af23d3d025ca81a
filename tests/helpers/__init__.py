"""Builders shared by the tests: hermetic git, real keys, bureaus with signed histories, CLI runs.

pytest puts ``tests/`` on the import path (``pythonpath`` in pyproject.toml), so a test imports
``helpers.sig`` or ``helpers.workflow`` like any package.
"""
