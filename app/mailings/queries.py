"""Read-side SQL over the samples tables (invitations, contacts) for mailings.

Who a mailing reaches is a question about invitations and contacts, which the
samples domain owns; these queries only read them (the mail-fact columns on
``invitations`` are written in ``outbox.py``, which the samples model assigns
to this domain). Everything is set-based: no query per invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.models import Mailing, OutboxMessage, OutboxStatus
from app.mailings.schemas import Audience
from app.samples.models import Contact, Invitation, Wave

FINAL_STATUSES = ("sent", "failed", "skipped", "cancelled")


def audience_filter(mailing: Mailing, audience: Audience) -> list[ColumnElement[bool]]:
    """WHERE criteria (over ``invitations`` joined with ``contacts``) of who a
    mailing reaches now: the fixed exclusions plus the audience rule."""
    criteria: list[ColumnElement[bool]] = [
        Invitation.wave_id == mailing.wave_id,
        Invitation.questionnaire == mailing.questionnaire,
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
    return criteria


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


def skip_reason(
    *,
    invitation_status: str,
    revoked: bool,
    opted_out: bool,
    undeliverable: bool,
    email: str | None,
    tier: str | None,
    ineligible: bool = False,
    function: str | None,
    audience: Audience,
) -> str | None:
    """Why an invitation no longer belongs to the audience (checked at send time)."""
    if revoked:
        return "link ingetrokken"
    if invitation_status == "complete":
        return "vragenlijst al afgerond"
    if opted_out:
        return "afgemeld"
    if undeliverable:
        return "onbestelbaar"
    if ineligible:
        return "buiten de doelpopulatie"
    if not email:
        return "geen e-mailadres (meer)"
    if invitation_status not in audience.statuses:
        return "heeft al gerespondeerd"
    if audience.tiers and tier not in audience.tiers:
        return "valt buiten de doelgroep (bestuurslaag)"
    if audience.functions and function not in audience.functions:
        return "valt buiten de doelgroep (functie)"
    return None


@dataclass(frozen=True)
class SendContext:
    """Everything the worker needs to decide on and build one mail."""

    outbox_id: int
    is_test: bool
    test_recipient: str | None
    attempts: int
    temp_failures: int
    mailing_id: int
    mailing_questionnaire: str
    mailing_template: str
    mailing_kind: str
    mailing_rule: dict[str, Any]
    mailing_audience: dict[str, Any]
    wave_id: int
    invitation_id: int
    invitation_status: str
    invitation_tier: str | None
    invitation_function: str | None
    invitation_organisation: str | None
    token_nonce: str
    token_key_id: str
    revoked: bool
    opted_out: bool
    undeliverable: bool
    ineligible: bool
    email: str | None
    name: str | None


async def load_send_contexts(
    session: AsyncSession, *, ids: Sequence[int]
) -> list[SendContext]:
    if not ids:
        return []
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.is_test,
            OutboxMessage.test_recipient,
            OutboxMessage.attempts,
            OutboxMessage.temp_failures,
            Mailing.id,
            Mailing.questionnaire,
            Mailing.template,
            Mailing.kind,
            Mailing.rule,
            Mailing.audience,
            Mailing.wave_id,
            Invitation.id,
            Invitation.status,
            Invitation.tier,
            Invitation.function,
            Invitation.organisation,
            Invitation.token_nonce,
            Invitation.token_key_id,
            Invitation.revoked_at.is_not(None),
            Invitation.opted_out_at.is_not(None),
            Invitation.undeliverable_at.is_not(None),
            Invitation.ineligible_at.is_not(None),
            Contact.email,
            Contact.name,
        )
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(OutboxMessage.id.in_(list(ids)))
        .order_by(OutboxMessage.id)
    )
    return [SendContext(*row) for row in rows.all()]


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
