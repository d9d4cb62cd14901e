"""Display names of questionnaires for staff pages.

Questionnaire keys (``officials``, ``employees``, ``organisations``) are ids:
in URLs, files, exports and the database. People read Dutch names; this is
the one place that maps one to the other (a key not listed shows as itself).
"""

from __future__ import annotations

DISPLAY_NAMES = {
    "officials": "Politieke ambtsdragers",
    "employees": "Medewerkers",
    "organisations": "Organisaties",
}


def display_name(questionnaire: str | None) -> str:
    if not questionnaire:
        return "–"
    return DISPLAY_NAMES.get(questionnaire, questionnaire)


def ref_name(ref: str) -> str:
    """``officials/2024`` → ``Politieke ambtsdragers 2024``."""
    questionnaire, _, version = ref.partition("/")
    return f"{display_name(questionnaire)} {version}".strip()
