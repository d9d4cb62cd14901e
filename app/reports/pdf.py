"""The factsheet as PDF: ``app.pdf`` with the factsheet's stylesheet."""

from __future__ import annotations

from app import pdf
from app.web import STATIC_DIR

STYLESHEET = STATIC_DIR / "factsheet.css"


def html_to_pdf(html: str) -> bytes:
    """A4 PDF bytes of the factsheet ``html`` (CPU-bound: run it off the event loop)."""
    return pdf.html_to_pdf(html, stylesheets=[STYLESHEET])
