"""The monitor's rates, derived from the tallies of invitation states.

Pure: plain values in, plain values out. The database tallies invitations per
*state code* (``app.samples.states``: status plus four mail and eligibility
facts) and every figure on the monitor page is derived here from those
tallies, so the monitor's own counts and the AAPOR dispositions cannot drift
apart.

AAPOR Standard Definitions, "Internet surveys of specifically named persons":

* RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))
* RR2 = (I+P) / ((I+P) + (R+NC+O) + (UH+UO))
* COOP1 = I / ((I+P) + R + O)
* COOP2 = (I+P) / ((I+P) + R + O)

Not eligible (4.x) is left out of every denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from app.samples.states import (
    Disposition,
    InvitationState,
    InvitationStatus,
    decode_state,
    disposition,
    state_code,
)

__all__ = [
    "Disposition",
    "InvitationState",
    "Tally",
    "decode_state",
    "disposition",
    "ratio",
    "state_code",
]


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
            started=n * (state.status in InvitationStatus.begun()),
            response=n * (state.status in InvitationStatus.responded()),
            complete=n * (state.status == InvitationStatus.complete),
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
