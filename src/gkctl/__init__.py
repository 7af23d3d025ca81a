"""gkctl: government information disclosure (政务信息公开) kept in a git repository."""

__version__ = "0.1.0"
