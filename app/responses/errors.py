"""Errors a respondent can meet. Messages are Dutch and reveal nothing about
whether a link exists beyond "this link does not work"."""

from __future__ import annotations

from app.errors import Conflict, Gone, NotFound


class SurveyNotFound(NotFound):
    title = "Deze link werkt niet"

    def __init__(self) -> None:
        super().__init__(
            "Controleer of u de volledige link uit de e-mail heeft gebruikt. "
            "Werkt het dan nog niet, neem dan contact op met de onderzoekers; "
            "hun gegevens staan in de uitnodiging."
        )


class SurveyClosed(Gone):
    title = "De vragenlijst is gesloten"

    def __init__(self) -> None:
        super().__init__(
            "Het onderzoek is afgesloten; u kunt de vragenlijst niet meer invullen. "
            "Hartelijk dank voor uw belangstelling."
        )


class SurveyNotOpen(Gone):
    title = "De vragenlijst is nog niet geopend"

    def __init__(self) -> None:
        super().__init__(
            "De vragenlijst kan nog niet worden ingevuld. Probeer het later opnieuw."
        )


class ConcurrentChanges(Conflict):
    """The response kept changing under a write, attempt after attempt (many
    simultaneous submissions for one respondent): nothing was saved."""

    title = "Uw antwoorden zijn niet opgeslagen"

    def __init__(self) -> None:
        super().__init__(
            "De vragenlijst is tegelijk in meerdere vensters ingevuld. "
            "Open de link opnieuw; u gaat verder waar u was."
        )
