"""HTML → PDF through WeasyPrint (Pango; fonts from Debian's DejaVu), for every
document the platform prints: factsheets and questionnaires.

Documents are rendered from our own templates with no external resources: every
URL fetch is refused, so nothing a questionnaire text or table label contains
can make the renderer read a file or the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"documents load no external resources ({url[:80]})")


def html_to_pdf(html: str, *, stylesheets: Sequence[Path] = ()) -> bytes:
    """A4 PDF bytes of ``html`` (CPU-bound, about a second: run it off the event loop)."""
    from weasyprint import CSS, HTML  # imported late: loading Pango takes a while

    document = HTML(string=html, url_fetcher=_refuse)
    pdf: bytes | None = document.write_pdf(  # WeasyPrint has no annotations
        stylesheets=[CSS(filename=str(path)) for path in stylesheets]
    )
    assert pdf is not None
    return pdf
