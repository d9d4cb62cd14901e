"""What the worker reads about the rows it claimed: one set-based query joining
outbox rows with their mailing, invitation and contact (read-only over the
samples tables), so that sending a batch costs no query per mail.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.delivery.policy import SendContext
from app.mailings.models import Mailing, OutboxMessage
from app.samples.models import Contact, Invitation


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
            Invitation.opened_at.is_not(None),
            Invitation.email_kind,
            Invitation.gender,
            Invitation.attributes,
        )
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(OutboxMessage.id.in_(list(ids)))
        .order_by(OutboxMessage.id)
    )
    return [SendContext(*row) for row in rows.all()]
