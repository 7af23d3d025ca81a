"""``gkctl form application``: the bureau's 政府信息公开申请表 as a Word or PDF file."""

from __future__ import annotations

from gkctl.core.policy import load_policy
from gkctl.report import form, pdf
from gkctl.services.repository import Repository


def application_form(repo: Repository, fmt: str) -> bytes:
    """The form headed with gkctl.yaml's organisation and office; PDF through LibreOffice.

    Read from the working tree: a printed form grants nobody anything, and the office drafting
    new contact details wants to see them before the admin commits them.
    """
    org = load_policy(repo.root).org
    docx = form.application_form(org.name, org.office)
    return pdf.to_pdf(docx, None) if fmt == "pdf" else docx
