"""HTML → PDF for the factsheet, through WeasyPrint (Pango; fonts from Debian's DejaVu).

The document is rendered from our own template with no external resources: the
stylesheet is handed over from disk and every URL fetch is refused, so nothing a
table label contains can make the renderer read a file or the network.
"""

from __future__ import annotations

from typing import NoReturn

from app.web import STATIC_DIR

STYLESHEET = STATIC_DIR / "factsheet.css"


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"the factsheet loads no external resources ({url[:80]})")


def html_to_pdf(html: str) -> bytes:
    """A4 PDF bytes of ``html`` (CPU-bound, about a second: run it off the event loop)."""
    from weasyprint import CSS, HTML  # imported late: loading Pango takes a while

    document = HTML(string=html, url_fetcher=_refuse)
    pdf = document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])
    assert pdf is not None
    return pdf
