"""Errors a respondent can meet. Messages reveal nothing about whether a link
exists beyond "this link does not work".

Texts are Dutch (the source language) and shown in the respondent's language
where it is known (``language``, through ``app.i18n``); an unknown link has no
language, so its page is Dutch.
"""

from __future__ import annotations

from app import i18n
from app.errors import Conflict, Gone, NotFound


class _Translated:
    """Mixin: ``TITLE``/``MESSAGE`` in the respondent's language."""

    TITLE = ""
    MESSAGE = ""

    def _texts(self, language: str) -> str:
        self.title = i18n.gettext(language, self.TITLE)
        self.language = language
        return i18n.gettext(language, self.MESSAGE)


class SurveyNotFound(_Translated, NotFound):
    TITLE = title = "Deze link werkt niet"
    MESSAGE = (
        "Controleer of u de volledige link uit de e-mail heeft gebruikt. "
        "Werkt het dan nog niet, neem dan contact op met de onderzoekers; "
        "hun gegevens staan in de uitnodiging."
    )

    def __init__(self) -> None:
        super().__init__(self._texts(i18n.SOURCE_LANGUAGE))


class SurveyClosed(_Translated, Gone):
    TITLE = title = "De vragenlijst is gesloten"
    MESSAGE = (
        "Het onderzoek is afgesloten; u kunt de vragenlijst niet meer invullen. "
        "Hartelijk dank voor uw belangstelling."
    )

    def __init__(self, language: str = i18n.SOURCE_LANGUAGE) -> None:
        super().__init__(self._texts(language))


class SurveyNotOpen(_Translated, Gone):
    TITLE = title = "De vragenlijst is nog niet geopend"
    MESSAGE = "De vragenlijst kan nog niet worden ingevuld. Probeer het later opnieuw."

    def __init__(self, language: str = i18n.SOURCE_LANGUAGE) -> None:
        super().__init__(self._texts(language))


class ConcurrentChanges(_Translated, Conflict):
    """The response kept changing under a write, attempt after attempt (many
    simultaneous submissions for one respondent): nothing was saved."""

    TITLE = title = "Uw antwoorden zijn niet opgeslagen"
    MESSAGE = (
        "De vragenlijst is tegelijk in meerdere vensters ingevuld. "
        "Open de link opnieuw; u gaat verder waar u was."
    )

    def __init__(self, language: str = i18n.SOURCE_LANGUAGE) -> None:
        super().__init__(self._texts(language))


RESPONDENT_ERRORS = (SurveyNotFound, SurveyClosed, SurveyNotOpen, ConcurrentChanges)
"""Their texts belong in the interface catalogues (``app.responses.catalogue.extract_messages``)."""
