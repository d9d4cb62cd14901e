"""What the respondent interface's catalogues (``app/locale``) must translate.

The respondent pages, the answer checks (``questionnaires.submission.MESSAGES``)
and the respondent error pages carry Dutch message ids; this collects them as
Babel extracts them. It lives with the respondent pages, not in ``app.i18n``:
the shell reads catalogues and knows no domain.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract

from app.questionnaires.submission import MESSAGES
from app.responses.errors import RESPONDENT_ERRORS

RESPONDENT_TEMPLATES = (
    "base.html",
    "responses/welcome.html",
    "responses/page.html",
    "responses/thanks.html",
    "responses/completed.html",
    "responses/_help.html",
    "responses/_questions.html",
)
"""The templates whose texts the catalogues translate."""

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "gettext_in": (2,)}


def extract_messages(templates_dir: Path) -> set[str | tuple[str, ...]]:
    """Every message id in the respondent templates and the answer checks
    (``submission.MESSAGES``), as Babel extracts them: what a catalogue must hold."""
    found: set[str | tuple[str, ...]] = set(MESSAGES.values())
    found.update(text for e in RESPONDENT_ERRORS for text in (e.TITLE, e.MESSAGE))
    for name in RESPONDENT_TEMPLATES:
        with (templates_dir / name).open("rb") as source:
            # by name, as Babel's own config would: jinja2 annotates the function's
            # keywords as a Sequence where Babel passes a Mapping of them
            for _line, message, _comments, _context in extract(
                "jinja2.ext:babel_extract",
                source,
                keywords=KEYWORDS,
                options={"extensions": "jinja2.ext.i18n"},
            ):
                found.add(message)
    return found
