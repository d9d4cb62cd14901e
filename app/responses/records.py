"""Response rows as the cross-domain flows (``app/flows``) need them.

The respondent path writes responses through ``store`` and ``service``; the
staff-side use cases that touch other domains too (a test run, erasing one
person) call these functions instead of writing the ``responses`` table
themselves: responses stays the only writer of its tables.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.responses.models import Response
from app.samples.states import InvitationStatus


async def start_response(
    session: AsyncSession, *, invitation_id: int, version_id: int, now: dt.datetime
) -> Response:
    """An empty, started response on ``version_id`` (a test run pins its version)."""
    response = Response(
        invitation_id=invitation_id,
        version_id=version_id,
        status=InvitationStatus.started.value,
        answers={},
        submitted_pages=[],
        started_at=now,
        updated_at=now,
    )
    session.add(response)
    return response


async def answered_invitations(
    session: AsyncSession, *, invitation_ids: list[int]
) -> set[int]:
    """Which of these invitations have a response (answers or paradata)."""
    return set(
        await session.scalars(
            select(Response.invitation_id).where(
                Response.invitation_id.in_(invitation_ids)
            )
        )
    )


async def delete_responses(session: AsyncSession, *, invitation_ids: list[int]) -> int:
    """Delete the responses of these invitations (their answers, page visits
    and other paradata cascade); how many went."""
    result = await session.execute(
        delete(Response)
        .where(Response.invitation_id.in_(invitation_ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
