"""Who a mailing reaches: read-side SQL over the samples tables (invitations,
contacts), the same audience checked once more at send time (``skip_reason``,
pure), and the outbox counts a plan shows.

Who a mailing reaches is a question about invitations and contacts, which the
samples domain owns; these queries only read them (the mail-fact columns on
``invitations`` are written by ``delivery/outbox.py``, which the samples model
assigns to this domain). Everything is set-based: no query per invitation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.models import Mailing, OutboxMessage, OutboxStatus
from app.mailings.planning.schemas import (
    PROGRESS_LABELS,
    PROGRESS_STATUS,
    Audience,
    progress_of,
)
from app.samples.models import Contact, Invitation, Wave

FINAL_STATUSES = ("sent", "failed", "skipped", "cancelled")


def audience_filter(mailing: Mailing, audience: Audience) -> list[ColumnElement[bool]]:
    """WHERE criteria (over ``invitations`` joined with ``contacts``) of who a
    mailing reaches now: the fixed exclusions plus the audience rule."""
    return audience_criteria(mailing.wave_id, mailing.questionnaire, audience)


def progress_criterion(progress: str) -> ColumnElement[bool]:
    """Invitations in one progress audience (``schemas.PROGRESS_LABELS``)."""
    status = Invitation.status == PROGRESS_STATUS[progress]
    if progress == "not_opened":
        return and_(status, Invitation.opened_at.is_(None))
    if progress == "opened":
        return and_(status, Invitation.opened_at.is_not(None))
    return status


def audience_criteria(
    wave_id: int, questionnaire: str, audience: Audience
) -> list[ColumnElement[bool]]:
    """``audience_filter`` for a mailing not yet made (the plan's preview)."""
    criteria: list[ColumnElement[bool]] = [
        Invitation.wave_id == wave_id,
        Invitation.questionnaire == questionnaire,
        Invitation.is_test.is_(False),
        Invitation.revoked_at.is_(None),
        Invitation.opted_out_at.is_(None),
        Invitation.undeliverable_at.is_(None),
        Invitation.ineligible_at.is_(None),
        Invitation.status.in_(audience.statuses),
        Contact.email.is_not(None),
        Contact.email != "",
    ]
    if audience.tiers:
        criteria.append(Invitation.tier.in_(audience.tiers))
    if audience.functions:
        criteria.append(Invitation.function.in_(audience.functions))
    if audience.email_kinds:
        criteria.append(Invitation.email_kind.in_(audience.email_kinds))
    if audience.genders:
        criteria.append(Invitation.gender.in_(audience.genders))
    if audience.progress:
        criteria.append(or_(*(progress_criterion(p) for p in audience.progress)))
    return criteria


async def audience_size(
    session: AsyncSession, *, wave_id: int, questionnaire: str, audience: Audience
) -> int:
    """How many invitations an audience reaches now."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Invitation)
            .join(Contact, Contact.id == Invitation.contact_id)
            .where(*audience_criteria(wave_id, questionnaire, audience))
        )
        or 0
    )


async def progress_sizes(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> dict[str, int]:
    """Per progress audience, how many a reminder would reach now (with the
    fixed exclusions), in one grouped query."""
    rows = await session.execute(
        select(Invitation.status, Invitation.opened_at.is_not(None), func.count())
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(*audience_criteria(wave_id, questionnaire, Audience()))
        .group_by(Invitation.status, Invitation.opened_at.is_not(None))
    )
    sizes = dict.fromkeys(PROGRESS_LABELS, 0)
    for status, opened, n in rows:
        key = progress_of(status, bool(opened))
        if key is not None:
            sizes[key] += int(n)
    return sizes


async def reach_by_tier(
    session: AsyncSession, *, mailing: Mailing, audience: Audience
) -> dict[str | None, int]:
    """How many invitations the mailing would reach now, per tier."""
    rows = await session.execute(
        select(Invitation.tier, func.count())
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(*audience_filter(mailing, audience))
        .group_by(Invitation.tier)
    )
    return dict(rows.all())


async def wave_for(session: AsyncSession, wave_id: int) -> Wave | None:
    return await session.get(Wave, wave_id)


async def status_counts(
    session: AsyncSession, *, mailing_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Outbox rows per mailing and status (test mails excluded)."""
    counts: dict[int, dict[str, int]] = {m: {} for m in mailing_ids}
    if not mailing_ids:
        return counts
    rows = await session.execute(
        select(OutboxMessage.mailing_id, OutboxMessage.status, func.count())
        .where(
            and_(
                OutboxMessage.mailing_id.in_(list(mailing_ids)),
                OutboxMessage.is_test.is_(False),
            )
        )
        .group_by(OutboxMessage.mailing_id, OutboxMessage.status)
    )
    for mailing_id, status, count in rows.all():
        counts[mailing_id][status] = count
    for per_status in counts.values():
        per_status["total"] = sum(per_status.values())
        per_status["open"] = sum(
            per_status.get(s.value, 0)
            for s in (OutboxStatus.pending, OutboxStatus.claimed, OutboxStatus.sending)
        )
    simulated = await session.execute(
        select(OutboxMessage.mailing_id, func.count())
        .where(
            OutboxMessage.mailing_id.in_(list(mailing_ids)),
            OutboxMessage.transport == SIMULATED_TRANSPORT,
        )
        .group_by(OutboxMessage.mailing_id)
    )
    for mailing_id, count in simulated.all():
        counts[mailing_id]["simulated"] = count
    return counts


SIMULATED_TRANSPORT = "demo"
"""``transport`` of outbox rows the demo marked as sent without composing
them: they never reached SMTP or the catcher."""


async def simulated_total(session: AsyncSession) -> int:
    """Rows the demo marked as sent (none outside a demo database)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.transport == SIMULATED_TRANSPORT)
        )
        or 0
    )
