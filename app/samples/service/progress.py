"""Every change of an invitation's progress, mail facts and disposition.

The samples domain owns ``invitations``: the mail worker, the bounce and
opt-out handling, address corrections, test runs and the demo record what
happened to an invitation through these functions, never by writing its
columns (``tests/samples/test_ownership.py`` checks). Each function states
what it keeps: the first moment of a fact wins where the AAPOR disposition
depends on it. The respondent's own path takes its statements from
``app.samples.statements`` instead (it runs without a session).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from sqlalchemy import Select, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.samples.models import Invitation
from app.samples.states import InvitationStatus


class ProgressRow(TypedDict):
    """One invitation's progress columns, for ``set_progress_many``."""

    id: int
    status: InvitationStatus
    started_at: dt.datetime | None
    response_at: dt.datetime | None
    completed_at: dt.datetime | None
    last_activity_at: dt.datetime | None


async def mark_test_started(
    session: AsyncSession, *, invitation: Invitation, now: dt.datetime
) -> None:
    """A test run's invitation starts at once (its response is made with it)."""
    invitation.status = InvitationStatus.started
    invitation.started_at = now
    invitation.last_activity_at = now
    await session.flush()


async def set_progress_many(session: AsyncSession, rows: Sequence[ProgressRow]) -> None:
    """Set the progress of many invitations as given, in one statement (the demo's
    simulated fieldwork; a respondent moves on through ``statements``)."""
    if rows:
        await session.execute(update(Invitation), [dict(row) for row in rows])


def _ids(invitation_ids: Sequence[int] | Select[Any]) -> Any:
    return (
        invitation_ids if isinstance(invitation_ids, Select) else list(invitation_ids)
    )


async def record_mailed(
    session: AsyncSession,
    *,
    invitation_ids: Sequence[int] | Select[Any],
    at: dt.datetime,
    keep_last_mailed: bool = False,
) -> None:
    """A mail reached these invitations at ``at``: the first mail's moment is
    kept; the last mail's moment moves to ``at``, or, with
    ``keep_last_mailed`` (a delivery confirmed late), only fills a gap."""
    last = func.coalesce(Invitation.last_mailed_at, at) if keep_last_mailed else at
    await session.execute(
        update(Invitation)
        .where(Invitation.id.in_(_ids(invitation_ids)))
        .values(
            first_mailed_at=func.coalesce(Invitation.first_mailed_at, at),
            last_mailed_at=last,
        )
        .execution_options(synchronize_session=False)
    )


async def mark_undeliverable(
    session: AsyncSession, *, invitation_id: int, reason: str, now: dt.datetime
) -> bool:
    """Mark an invitation undeliverable (first reason wins); True if it changed."""
    result = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.undeliverable_at.is_(None))
        .values(
            undeliverable_at=now,
            undeliverable_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_undeliverable_many(
    session: AsyncSession, *, bounced: Mapping[int, dt.datetime], reason: str
) -> None:
    """Set many invitations undeliverable as given (the demo's simulated bounces)."""
    if bounced:
        await session.execute(
            update(Invitation),
            [
                {"id": i, "undeliverable_at": at, "undeliverable_reason": reason}
                for i, at in bounced.items()
            ],
        )


async def mark_opted_out(session: AsyncSession, *, invitation: Invitation) -> None:
    """Record an opt-out (idempotent: the first moment is kept)."""
    if invitation.opted_out_at is None:
        invitation.opted_out_at = utcnow()
        await session.flush()


async def set_opted_out_many(
    session: AsyncSession, *, opted_out: Mapping[int, dt.datetime]
) -> None:
    """Set many invitations opted out as given (the demo's simulated opt-outs)."""
    if opted_out:
        await session.execute(
            update(Invitation),
            [{"id": i, "opted_out_at": at} for i, at in opted_out.items()],
        )


async def mark_address_corrected(
    session: AsyncSession, *, invitation: Invitation, now: dt.datetime
) -> None:
    """A bounced address was replaced: no longer undeliverable, and nothing has
    reached the new address yet (so the invitation is 'not mailed' again)."""
    invitation.undeliverable_at = None
    invitation.undeliverable_reason = None
    invitation.address_corrected_at = now
    invitation.first_mailed_at = None
    invitation.last_mailed_at = None
    await session.flush()
