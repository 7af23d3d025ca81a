"""``gkctl form application``: the bureau's 政府信息公开申请表 as a Word or PDF file."""

from __future__ import annotations

from gkctl.report import form, pdf
from gkctl.services.repository import Repository


def application_form(repo: Repository, fmt: str) -> bytes:
    """The form headed with gkctl.yaml's organisation and office; PDF through LibreOffice."""
    docx = form.application_form(repo.policy.org.name, repo.policy.org.office)
    return pdf.to_pdf(docx, None) if fmt == "pdf" else docx
