"""Findings: what validation, verification and audit report, in one shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from gkctl.core.i18n import t

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    path: str | None
    line: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def finding(
    code: str, severity: Severity, path: str | None, line: int | None = None, /, **params: object
) -> Finding:
    """A finding whose message is catalogue entry ``code`` formatted with ``params``."""
    return Finding(code, severity, path, line, t(code, **params))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.is_error for f in findings)
