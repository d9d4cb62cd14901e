"""Interface texts of the respondent pages in the respondent's language (Babel).

Dutch is the source language: templates and code carry Dutch texts as gettext
message ids, and ``app/locale/<lang>/LC_MESSAGES/messages.po`` translates them.
The catalogues are read with Babel and compiled to gettext form in memory the
first time a language is asked for, so no compiled ``.mo`` file can go stale
beside its ``.po``. A text missing from a catalogue stays Dutch.

Only what respondents see goes through here (buttons, progress, error
messages, the thank-you page); staff pages are Dutch only.
"""

from __future__ import annotations

import gettext as gettext_module
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "nl"

_LANGUAGE_NAMES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "engels": "en",
    "english": "en",
}

LANGUAGE_ATTRIBUTES = ("language", "taal")
"""Invitation attributes (columns of the address file) that set a respondent's
language: ``en``, ``English``, ``Engels``; ``nl``, ...; anything else is ignored."""


def normalise_language(value: object) -> str | None:
    """``EN``, ``English``, ``engels`` → ``en``; unknown → None."""
    return (
        _LANGUAGE_NAMES.get(value.strip().lower()) if isinstance(value, str) else None
    )


def invitation_language(attributes: dict[str, object]) -> str | None:
    """The language an invitation's attributes ask for, if any."""
    for name in LANGUAGE_ATTRIBUTES:
        if (found := normalise_language(attributes.get(name))) is not None:
            return found
    return None


LOCALE_DIR = Path(__file__).parent / "locale"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=8)
def translations(language: str) -> gettext_module.NullTranslations:
    """The gettext translations of ``language``; Dutch (and unknown) as is."""
    path = catalogue_path(language)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return gettext_module.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def template_callables(language: str) -> dict[str, Any]:
    """``_``, ``gettext`` and ``ngettext`` for a template's context: Jinja's
    i18n extension (``{% trans %}``) looks them up in the context first."""
    found = translations(language)
    return {"_": found.gettext, "gettext": found.gettext, "ngettext": found.ngettext}
