"""The missing-value scheme every export uses: one negative code per reason.

Why negative codes for everything, including "weet niet": SPSS declares at most
three discrete missing values, or one range plus one value, per variable. The
Monitor's files code 97 niet van toepassing, 98 weet niet and 99 wil ik niet
zeggen, and a routed background question with both 98 and 99 can also be "not
asked", "not reached" and "not answered": five codes, which SPSS cannot declare
while keeping the questionnaire's own codes. With every missing reason below
zero, one range ``-9 thru -1`` declares them all, in every variable, and the
rule for R, Python and Excel users is equally short: negative means missing.
The questionnaire's own code stays in the codebook next to the export code.

Stata gets extended missing values instead (code -k becomes ``.<k-th letter>``),
each with its label, so ``tab x, missing`` shows the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from app.questionnaires.definition import MissingKind


class Missing(IntEnum):
    NOT_ASKED = -1
    NOT_REACHED = -2
    NO_ANSWER = -3
    NOT_IN_VERSION = -4
    NOT_DERIVABLE = -5
    UNKNOWN = -6
    NOT_APPLICABLE = -7
    DONT_KNOW = -8
    REFUSED = -9


@dataclass(frozen=True)
class MissingCode:
    code: int
    stata: str
    label: str
    meaning: str


LABELS: dict[Missing, tuple[str, str]] = {
    Missing.NOT_ASKED: (
        "Niet gevraagd (routing)",
        "The routing of the respondent's version did not show this item.",
    ),
    Missing.NOT_REACHED: (
        "Niet bereikt (afgebroken)",
        "The respondent stopped before this item's page; nothing on it was saved.",
    ),
    Missing.NO_ANSWER: (
        "Geen antwoord",
        "The item was shown on a submitted page and left empty.",
    ),
    Missing.NOT_IN_VERSION: (
        "Niet in deze versie van de vragenlijst",
        "The respondent's questionnaire version does not have this item (or has a changed form of it, exported as its own variable).",
    ),
    Missing.NOT_DERIVABLE: (
        "Niet te bepalen",
        "A derived value whose inputs are missing.",
    ),
    Missing.UNKNOWN: (
        "Onbekend",
        "A sample attribute that is empty or has a value outside the list.",
    ),
    Missing.NOT_APPLICABLE: (
        "Niet van toepassing",
        "The respondent chose the questionnaire's 'niet van toepassing' option.",
    ),
    Missing.DONT_KNOW: (
        "Weet niet",
        "The respondent chose the questionnaire's 'weet niet' option.",
    ),
    Missing.REFUSED: (
        "Wil ik niet zeggen",
        "The respondent chose the questionnaire's 'wil ik niet zeggen' option.",
    ),
}

KIND_CODE: dict[MissingKind, Missing] = {
    MissingKind.not_applicable: Missing.NOT_APPLICABLE,
    MissingKind.dont_know: Missing.DONT_KNOW,
    MissingKind.refused: Missing.REFUSED,
}

SPSS_RANGE = {"lo": -9, "hi": -1}
"""Declared on every numeric variable: covers every code of ``Missing``."""

RESERVED = range(-9, 0)
"""Valid answers may not fall here; ``layout`` refuses a questionnaire that uses them."""


def stata_letter(code: int) -> str:
    """-1 → 'a', -2 → 'b', ... -9 → 'i' (Stata's ``.a`` .. ``.i``)."""
    return chr(ord("a") - code - 1)


def label(code: int) -> str:
    return LABELS[Missing(code)][0]


def scheme() -> list[MissingCode]:
    """The scheme as the codebook prints it."""
    return [
        MissingCode(int(m), stata_letter(m), text, meaning)
        for m, (text, meaning) in LABELS.items()
    ]
