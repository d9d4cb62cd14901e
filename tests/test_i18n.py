"""The English catalogue of the respondent interface: complete, compiled by Babel."""

from __future__ import annotations

from babel.messages.pofile import read_po

from app import i18n
from app.responses.catalogue import extract_messages
from app.web import TEMPLATES_DIR


def test_every_respondent_text_is_translated_to_english() -> None:
    with i18n.catalogue_path("en").open("rb") as po:
        catalog = read_po(po, locale="en")
    translated = {
        message.id
        for message in catalog
        if message.id
        and message.string
        and all(message.string if isinstance(message.string, tuple) else [1])
    }
    missing = extract_messages(TEMPLATES_DIR) - translated
    assert not missing, f"add to app/locale/en/LC_MESSAGES/messages.po: {missing}"


def test_catalogue_compiles_and_dutch_stays_the_source() -> None:
    assert i18n.gettext("en", "Volgende") == "Next"
    assert i18n.gettext("nl", "Volgende") == "Volgende"
    assert i18n.gettext("en", "een tekst die er niet in staat") == (
        "een tekst die er niet in staat"
    )
    english = i18n.translations("en")
    assert english.ngettext(
        "Er is nog %(count)s punt om na te kijken",
        "Er zijn nog %(count)s punten om na te kijken",
        2,
    ) == ("There are %(count)s points left to check")
