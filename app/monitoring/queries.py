"""Read-side SQL of the monitor: tallied counts, curve, markers, references,
and the invitation lookups of the eligibility page.

With ``tallies`` the one place allowed to read across domains (invitations,
contacts, mailings), read-only. Every count is a grouped query; the only rows returned
per invitation are the at most 50 an eligibility search finds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.models import Mailing, OutboxMessage
from app.monitoring.chart import Marker
from app.monitoring.models import (
    MonitorCount,
    MonitorCurveCount,
    MonitorDelta,
    ReferenceCount,
)
from app.monitoring.tables import ReferenceRecord
from app.monitoring.tallies import CURVE_KEYS, GROUP_KEYS, GroupCount, group_from_row
from app.samples.models import Contact, Invitation

# --- reading the tallies ---------------------------------------------------------


def group_counts_statement(wave_id: int, questionnaire: str) -> Select[Any]:
    """Invitations per sample group and state: tallies plus unfolded deltas."""
    keys = [*GROUP_KEYS, "state"]
    folded = select(*(getattr(MonitorCount, k) for k in keys), MonitorCount.n).where(
        MonitorCount.wave_id == wave_id, MonitorCount.questionnaire == questionnaire
    )
    pending = select(
        *(getattr(MonitorDelta, k) for k in keys), MonitorDelta.delta.label("n")
    ).where(
        MonitorDelta.wave_id == wave_id, MonitorDelta.questionnaire == questionnaire
    )
    both = union_all(folded, pending).subquery()
    columns = [both.c[k] for k in keys]
    total = func.sum(both.c.n)
    return select(*columns, total).group_by(*columns).having(total != 0)


async def group_counts(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[GroupCount]:
    rows = await session.execute(group_counts_statement(wave_id, questionnaire))
    return [group_from_row(row) for row in rows]


async def curve_counts(
    session: AsyncSession, *, wave_id: int, questionnaire: str, key: str
) -> list[tuple[str, str, int]]:
    """(group code, UTC hour 'YYYY-MM-DD HH', responses) for one curve grouping."""
    assert key in CURVE_KEYS
    folded = select(
        getattr(MonitorCurveCount, key).label("code"),
        MonitorCurveCount.response_hour,
        MonitorCurveCount.n,
    ).where(
        MonitorCurveCount.wave_id == wave_id,
        MonitorCurveCount.questionnaire == questionnaire,
    )
    pending = select(
        getattr(MonitorDelta, key).label("code"),
        MonitorDelta.response_hour,
        MonitorDelta.delta.label("n"),
    ).where(
        MonitorDelta.wave_id == wave_id,
        MonitorDelta.questionnaire == questionnaire,
        MonitorDelta.response_hour != "",
    )
    both = union_all(folded, pending).subquery()
    total = func.sum(both.c.n)
    rows = await session.execute(
        select(both.c.code, both.c.response_hour, total)
        .group_by(both.c.code, both.c.response_hour)
        .having(total != 0)
    )
    return [(code, hour, int(n)) for code, hour, n in rows]


async def curve_cells(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[tuple[dict[str, str], str, int]]:
    """(values of every curve key, UTC hour, responses): the curve tallies by
    all their keys at once, for the R-indicator per day."""
    keys = list(CURVE_KEYS)
    folded = select(
        *(getattr(MonitorCurveCount, k) for k in keys),
        MonitorCurveCount.response_hour,
        MonitorCurveCount.n,
    ).where(
        MonitorCurveCount.wave_id == wave_id,
        MonitorCurveCount.questionnaire == questionnaire,
    )
    pending = select(
        *(getattr(MonitorDelta, k) for k in keys),
        MonitorDelta.response_hour,
        MonitorDelta.delta.label("n"),
    ).where(
        MonitorDelta.wave_id == wave_id,
        MonitorDelta.questionnaire == questionnaire,
        MonitorDelta.response_hour != "",
    )
    both = union_all(folded, pending).subquery()
    columns = [both.c[k] for k in keys] + [both.c.response_hour]
    total = func.sum(both.c.n)
    rows = await session.execute(
        select(*columns, total).group_by(*columns).having(total != 0)
    )
    return [
        ({k: row[i] for i, k in enumerate(keys)}, row[len(keys)], int(row[-1]))
        for row in rows
    ]


async def tallied_questionnaires(
    session: AsyncSession,
) -> list[tuple[int, str, int, int]]:
    """(wave id, questionnaire, state, invitations) over all waves, for the overview."""
    both = union_all(
        select(
            MonitorCount.wave_id,
            MonitorCount.questionnaire,
            MonitorCount.state,
            MonitorCount.n,
        ),
        select(
            MonitorDelta.wave_id,
            MonitorDelta.questionnaire,
            MonitorDelta.state,
            MonitorDelta.delta.label("n"),
        ),
    ).subquery()
    total = func.sum(both.c.n)
    rows = await session.execute(
        select(both.c.wave_id, both.c.questionnaire, both.c.state, total)
        .group_by(both.c.wave_id, both.c.questionnaire, both.c.state)
        .having(total != 0)
    )
    return [(w, q, int(s), int(n)) for w, q, s, n in rows]


# --- markers and references ------------------------------------------------------


async def mailing_markers(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[Marker]:
    """When each mailing of this wave and questionnaire went out, for the curve:
    the moment its first real (non-test) mail left, one grouped query."""
    first_sent = func.min(OutboxMessage.sent_at)
    rows = await session.execute(
        select(Mailing.name, first_sent)
        .join(OutboxMessage, OutboxMessage.mailing_id == Mailing.id)
        .where(
            Mailing.wave_id == wave_id,
            Mailing.questionnaire == questionnaire,
            OutboxMessage.is_test.is_(False),
            OutboxMessage.sent_at.is_not(None),
        )
        .group_by(Mailing.id, Mailing.name)
        .order_by(first_sent)
    )
    return [Marker(at=at, label=name) for name, at in rows if at is not None]


async def reference_editions(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[str]:
    rows = await session.scalars(
        select(ReferenceCount.edition)
        .where(
            ReferenceCount.wave_id == wave_id,
            ReferenceCount.questionnaire == questionnaire,
        )
        .distinct()
    )
    return sorted(rows, reverse=True)


async def reference_records(
    session: AsyncSession, *, wave_id: int, questionnaire: str, edition: str
) -> list[ReferenceRecord]:
    rows = await session.scalars(
        select(ReferenceCount).where(
            ReferenceCount.wave_id == wave_id,
            ReferenceCount.questionnaire == questionnaire,
            ReferenceCount.edition == edition,
        )
    )
    return [
        ReferenceRecord(r.tier, r.function, r.invited, r.responses, r.note)
        for r in rows
    ]


# --- eligibility: finding the invitation a manager means --------------------------


@dataclass(frozen=True)
class InvitationBrief:
    """What the eligibility page may show of an invitation: no name, no address."""

    id: int
    tier: str | None
    function: str | None
    organisation: str | None
    email_kind: str | None
    status: str
    is_test: bool
    ineligible_at: dt.datetime | None
    ineligible_reason: str | None


_BRIEF_COLUMNS = (
    Invitation.id,
    Invitation.tier,
    Invitation.function,
    Invitation.organisation,
    Invitation.email_kind,
    Invitation.status,
    Invitation.is_test,
    Invitation.ineligible_at,
    Invitation.ineligible_reason,
)


async def find_invitations(
    session: AsyncSession, *, wave_id: int, questionnaire: str, query: str
) -> list[InvitationBrief]:
    """Invitations by number ("123" or "#123") or by the e-mail address they
    were sent to (a general address can serve several office holders)."""
    query = query.strip()
    scope = (Invitation.wave_id == wave_id, Invitation.questionnaire == questionnaire)
    number = query.lstrip("#")
    if number.isdigit():
        statement = select(*_BRIEF_COLUMNS).where(*scope, Invitation.id == int(number))
    elif "@" in query:
        statement = (
            select(*_BRIEF_COLUMNS)
            .join(Contact, Contact.id == Invitation.contact_id)
            .where(*scope, func.lower(Contact.email) == query.lower())
        )
    else:
        return []
    rows = await session.execute(statement.order_by(Invitation.id).limit(50))
    return [InvitationBrief(*row) for row in rows]


async def ineligible_invitations(
    session: AsyncSession, *, wave_id: int, questionnaire: str, limit: int = 500
) -> list[InvitationBrief]:
    rows = await session.execute(
        select(*_BRIEF_COLUMNS)
        .where(
            Invitation.wave_id == wave_id,
            Invitation.questionnaire == questionnaire,
            Invitation.ineligible_at.is_not(None),
        )
        .order_by(Invitation.ineligible_at.desc(), Invitation.id)
        .limit(limit)
    )
    return [InvitationBrief(*row) for row in rows]


async def reference_rows(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> list[ReferenceCount]:
    return list(
        await session.scalars(
            select(ReferenceCount)
            .where(
                ReferenceCount.wave_id == wave_id,
                ReferenceCount.questionnaire == questionnaire,
            )
            .order_by(ReferenceCount.edition.desc(), ReferenceCount.id)
        )
    )
