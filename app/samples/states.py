"""An invitation's status, its monitored state and its AAPOR disposition.

Pure: plain values in, plain values out. The samples domain owns the
``invitations`` row, so the words for its progress live here: every query and
comparison uses ``InvitationStatus`` (a ``StrEnum``: the database keeps the
same strings). The monitor tallies invitations per *state code* (status plus
four mail and eligibility facts, see ``state_code``); its triggers' SQL is
generated from the same definitions (``app.monitoring.trigger_sql``) and a
drift test holds the migration that installed them to that, so the monitor's
counts and the AAPOR dispositions cannot drift apart.

Dispositions follow the AAPOR Standard Definitions, "Internet surveys of
specifically named persons"; the rates over them are in ``app.monitoring.states``.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol


class InvitationStatus(enum.StrEnum):
    """How far a respondent got, in order; never moves back."""

    invited = "invited"
    started = "started"
    """The first page was shown (a response row exists)."""
    response = "response"
    """The threshold question was reached: counts as a response."""
    complete = "complete"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def responded(cls) -> tuple[InvitationStatus, InvitationStatus]:
        """The statuses that count as a response (threshold reached)."""
        return (cls.response, cls.complete)

    @classmethod
    def begun(cls) -> tuple[InvitationStatus, ...]:
        """The statuses of someone who started the questionnaire."""
        return (cls.started, cls.response, cls.complete)


_RANK = {status: rank for rank, status in enumerate(InvitationStatus)}

OTHER = "other"
"""``InvitationState.status`` of a row whose status is none of the enum's."""

STATUS_CODES: dict[str, int] = {
    status.value: status.rank for status in InvitationStatus
}
OTHER_STATUS = len(STATUS_CODES)
STATUS_STEP = 16
"""A state code is status × 16 + the fact bits."""

STATE_FLAGS: tuple[tuple[str, int], ...] = (
    ("first_mailed_at", 8),
    ("undeliverable_at", 4),
    ("opted_out_at", 2),
    ("ineligible_at", 1),
)
"""The invitation columns (set or NULL) below the status in a state code, and
their bits: mailed, undeliverable, opted out, not eligible."""


@dataclass(frozen=True)
class Progress:
    """An invitation's progress columns."""

    status: str
    started_at: dt.datetime | None
    response_at: dt.datetime | None
    completed_at: dt.datetime | None


class HasProgress(Protocol):
    """Anything carrying the progress columns (a row, a respondent's state)."""

    @property
    def status(self) -> str: ...
    @property
    def started_at(self) -> dt.datetime | None: ...
    @property
    def response_at(self) -> dt.datetime | None: ...
    @property
    def completed_at(self) -> dt.datetime | None: ...


PROGRESS_COLUMNS = ("status", "started_at", "response_at", "completed_at")
"""``Progress``'s fields, which are also the ``invitations`` columns."""


def advance(
    progress: HasProgress, to: InvitationStatus, now: dt.datetime
) -> Progress | None:
    """``progress`` moved on to ``to`` at ``now``; None if that is no move on
    (a status never goes back). Reaching a later status stamps the earlier
    ones' moments if they were missing."""
    if to.rank <= STATUS_CODES.get(progress.status, 0):
        return None
    if to is InvitationStatus.started:
        return Progress(to, now, progress.response_at, progress.completed_at)
    if to is InvitationStatus.response:
        return Progress(to, progress.started_at or now, now, progress.completed_at)
    if to is InvitationStatus.complete:
        return Progress(
            to, progress.started_at or now, progress.response_at or now, now
        )
    return None


@dataclass(frozen=True)
class InvitationState:
    status: str
    """An ``InvitationStatus`` value, or ``OTHER`` (an unknown status)."""
    mailed: bool
    undeliverable: bool
    opted_out: bool
    ineligible: bool


def state_code(state: InvitationState) -> int:
    """The integer the database groups by (``trigger_sql.state_sql`` in SQL)."""
    facts = (state.mailed, state.undeliverable, state.opted_out, state.ineligible)
    return STATUS_CODES.get(state.status, OTHER_STATUS) * STATUS_STEP + sum(
        bit * fact for (_, bit), fact in zip(STATE_FLAGS, facts, strict=True)
    )


def decode_state(code: int) -> InvitationState:
    names = {v: k for k, v in STATUS_CODES.items()}
    mailed, undeliverable, opted_out, ineligible = (
        bool(code & bit) for _, bit in STATE_FLAGS
    )
    return InvitationState(
        status=names.get(code // STATUS_STEP, OTHER),
        mailed=mailed,
        undeliverable=undeliverable,
        opted_out=opted_out,
        ineligible=ineligible,
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
    if state.status == InvitationStatus.complete:
        return Disposition.COMPLETE
    if state.status == InvitationStatus.response:
        return Disposition.PARTIAL
    if state.opted_out:
        return Disposition.REFUSAL
    if state.status == InvitationStatus.started:
        return Disposition.BREAK_OFF
    if state.status == OTHER:
        return Disposition.OTHER_UNKNOWN
    if state.undeliverable:
        return Disposition.UNDELIVERABLE
    if state.mailed:
        return Disposition.NO_REACTION
    return Disposition.NOT_MAILED
