"""One exception root; the CLI maps each class to an exit code in one place.

Exceptions carry data (message, file, line) and never print.
"""

from __future__ import annotations


class GkctlError(Exception):
    """Root of every error gkctl raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def where(self) -> str:
        """`file:line: ` prefix, or empty when the error is not about a file."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}: " if self.line else f"{self.path}: "

    def __str__(self) -> str:
        return f"{self.where()}{self.message}"


class InputError(GkctlError):
    """Usage or input error: bad arguments, unreadable YAML, not a repository (exit 2)."""

    exit_code = 2


class RuleError(GkctlError):
    """The content breaks a rule or an action is refused by policy (exit 1)."""

    exit_code = 1
