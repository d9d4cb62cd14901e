"""An invitation's monitored state, its AAPOR disposition, and the rates.

Pure: plain values in, plain values out. The database tallies invitations per
*state code* (status plus four mail and eligibility facts, see ``state_code``;
the migration's triggers hold a frozen copy of the same encoding) and every
figure on the monitor page is derived here from those tallies, so the
monitor's own counts and the AAPOR dispositions cannot drift apart.

AAPOR Standard Definitions, "Internet surveys of specifically named persons":

* RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))
* RR2 = (I+P) / ((I+P) + (R+NC+O) + (UH+UO))
* COOP1 = I / ((I+P) + R + O)
* COOP2 = (I+P) / ((I+P) + R + O)

Not eligible (4.x) is left out of every denominator.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

STATUS_CODES: dict[str, int] = {
    "invited": 0,
    "started": 1,
    "response": 2,
    "complete": 3,
}
OTHER_STATUS = 4


@dataclass(frozen=True)
class InvitationState:
    status: str
    """invited | started | response | complete | other (an unknown status)."""
    mailed: bool
    undeliverable: bool
    opted_out: bool
    ineligible: bool


def state_code(state: InvitationState) -> int:
    """The integer the database groups by (mirrored in the migration's SQL)."""
    return (
        STATUS_CODES.get(state.status, OTHER_STATUS) * 16
        + 8 * state.mailed
        + 4 * state.undeliverable
        + 2 * state.opted_out
        + 1 * state.ineligible
    )


def decode_state(code: int) -> InvitationState:
    names = {v: k for k, v in STATUS_CODES.items()}
    return InvitationState(
        status=names.get(code // 16, "other"),
        mailed=bool(code & 8),
        undeliverable=bool(code & 4),
        opted_out=bool(code & 2),
        ineligible=bool(code & 1),
    )


class Disposition(enum.Enum):
    """Final disposition codes (AAPOR, internet surveys of named persons)."""

    COMPLETE = ("1.1", "I", "Volledig ingevuld")
    PARTIAL = ("1.2", "P", "Gedeeltelijk: vraag 5 bereikt, niet afgerond")
    REFUSAL = ("2.11", "R", "Geweigerd: afgemeld")
    BREAK_OFF = ("2.12", "R", "Afgebroken vóór vraag 5")
    NO_REACTION = ("2.20", "NC", "Geen reactie op de mail")
    UNDELIVERABLE = ("3.30", "UO", "Mail onbestelbaar")
    NOT_MAILED = ("3.11", "UO", "Nog niet gemaild")
    OTHER_UNKNOWN = ("3.90", "UO", "Overig, onbekend")
    NOT_ELIGIBLE = ("4.0", "NE", "Niet in aanmerking (bv. niet meer in functie)")

    def __init__(self, code: str, category: str, label: str) -> None:
        self.code = code
        self.category = category
        self.label = label


def disposition(state: InvitationState) -> Disposition:
    """The one disposition an invitation has; the first rule that applies wins.

    An undeliverable address is *unknown eligibility* (3.30), not non-contact:
    for office holders a bouncing personal address often means the person has
    left office, which is exactly what we cannot tell. A delivered mail
    without reaction is non-contact of an eligible person (2.20): the address
    file lists sitting office holders, checked just before fieldwork (AAPOR
    would also allow 3.19 "nothing returned"). Neither choice changes RR1,
    RR2 or COOP: both classes count fully in the RR denominators and not at
    all in COOP; they would only matter for RR3/RR4, which need an estimate e.
    """
    if state.ineligible:
        return Disposition.NOT_ELIGIBLE
    if state.status == "complete":
        return Disposition.COMPLETE
    if state.status == "response":
        return Disposition.PARTIAL
    if state.opted_out:
        return Disposition.REFUSAL
    if state.status == "started":
        return Disposition.BREAK_OFF
    if state.status == "other":
        return Disposition.OTHER_UNKNOWN
    if state.undeliverable:
        return Disposition.UNDELIVERABLE
    if state.mailed:
        return Disposition.NO_REACTION
    return Disposition.NOT_MAILED


def ratio(numerator: int, denominator: int | None) -> float | None:
    """A rate, or None when there is nothing to divide by (shown as "–")."""
    if not denominator:
        return None
    return numerator / denominator


@dataclass
class Tally:
    """Counts for one group of invitations; adding tallies adds groups."""

    invited: int = 0
    mailed: int = 0
    undeliverable: int = 0
    opted_out: int = 0
    ineligible: int = 0
    started: int = 0
    response: int = 0
    complete: int = 0
    # AAPOR dispositions
    i: int = 0
    p: int = 0
    refusal: int = 0
    break_off: int = 0
    nc: int = 0
    uo_undeliverable: int = 0
    uo_not_mailed: int = 0
    uo_other: int = 0
    ne: int = 0

    @classmethod
    def of_state(cls, code: int, n: int) -> Tally:
        state = decode_state(code)
        tally = cls(
            invited=n,
            mailed=n * state.mailed,
            undeliverable=n * state.undeliverable,
            opted_out=n * state.opted_out,
            ineligible=n * state.ineligible,
            started=n * (state.status in ("started", "response", "complete")),
            response=n * (state.status in ("response", "complete")),
            complete=n * (state.status == "complete"),
        )
        field = _DISPOSITION_FIELDS[disposition(state)]
        setattr(tally, field, getattr(tally, field) + n)
        return tally

    def add(self, other: Tally) -> None:
        for name in _FIELD_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __add__(self, other: Tally) -> Tally:
        total = Tally()
        total.add(self)
        total.add(other)
        return total

    # the monitor's own definitions (as in the report)
    @property
    def response_rate(self) -> float | None:
        return ratio(self.response, self.invited)

    @property
    def completion_rate(self) -> float | None:
        return ratio(self.complete, self.response)

    # AAPOR
    @property
    def r(self) -> int:
        return self.refusal + self.break_off

    @property
    def o(self) -> int:
        return 0  # no "other eligible non-interview" is recorded by the platform

    @property
    def u(self) -> int:
        return self.uo_undeliverable + self.uo_not_mailed + self.uo_other

    @property
    def rr_denominator(self) -> int:
        return (self.i + self.p) + (self.r + self.nc + self.o) + self.u

    @property
    def rr1(self) -> float | None:
        return ratio(self.i, self.rr_denominator)

    @property
    def rr2(self) -> float | None:
        return ratio(self.i + self.p, self.rr_denominator)

    @property
    def coop1(self) -> float | None:
        return ratio(self.i, self.i + self.p + self.r + self.o)

    @property
    def coop2(self) -> float | None:
        return ratio(self.i + self.p, self.i + self.p + self.r + self.o)

    def disposition_counts(self) -> dict[Disposition, int]:
        return {d: getattr(self, _DISPOSITION_FIELDS[d]) for d in Disposition}


_FIELD_NAMES = tuple(f.name for f in fields(Tally))

_DISPOSITION_FIELDS: dict[Disposition, str] = {
    Disposition.COMPLETE: "i",
    Disposition.PARTIAL: "p",
    Disposition.REFUSAL: "refusal",
    Disposition.BREAK_OFF: "break_off",
    Disposition.NO_REACTION: "nc",
    Disposition.UNDELIVERABLE: "uo_undeliverable",
    Disposition.NOT_MAILED: "uo_not_mailed",
    Disposition.OTHER_UNKNOWN: "uo_other",
    Disposition.NOT_ELIGIBLE: "ne",
}
