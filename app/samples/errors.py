"""Errors of the samples domain (status codes come from ``app.errors``)."""

from __future__ import annotations

from app.errors import Conflict, InvalidInput


class WavePurged(Conflict):
    def __init__(self, slug: str) -> None:
        super().__init__(
            f"De contactgegevens van wave '{slug}' zijn verwijderd; er kan niets "
            "meer worden ingelezen of getrokken.",
            code="WAVE_PURGED",
        )


class QuestionnaireNotFielded(Conflict):
    def __init__(self, slug: str, questionnaire: str) -> None:
        super().__init__(
            f"Vragenlijst '{questionnaire}' hoort (nog) niet bij wave '{slug}'; "
            "voeg hem eerst toe aan de wave.",
            code="QUESTIONNAIRE_NOT_FIELDED",
        )


class InvalidDesign(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(f"Steekproefontwerp: {message}", code="INVALID_DESIGN")


class LinkKeyUnavailable(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Een deel van deze links is gemaakt met een sleutel die niet meer is "
            "ingesteld. Geef de links opnieuw uit (veldwerk wave rotate-links).",
            code="LINK_KEY_UNAVAILABLE",
        )
