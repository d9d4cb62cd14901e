"""Domain errors of mailings (coded, Dutch messages for staff)."""

from __future__ import annotations

from app.errors import Conflict, InvalidInput, NotFound


class MailingNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"Mailing '{name}' bestaat niet.", code="MAILING_NOT_FOUND")


class MailingExists(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Er is al een mailing met de naam '{name}' in deze wave.",
            code="MAILING_EXISTS",
        )


class MailingNotSchedulable(Conflict):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            f"Mailing '{name}' kan niet worden ingepland: {reason}",
            code="MAILING_NOT_SCHEDULABLE",
        )


class MailingStateConflict(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="MAILING_STATE")


class NotMailed(InvalidInput):
    def __init__(self, questionnaire: str) -> None:
        super().__init__(
            f"Voor de vragenlijst '{questionnaire}' verstuurt veldwerk geen mail "
            "(medewerkers krijgen hun link via het panel).",
            code="QUESTIONNAIRE_NOT_MAILED",
        )
