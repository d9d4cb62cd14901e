"""Mail traces that quote addresses, purged when contact data go.

The built-in catcher's copies (``caught_mails``) and the SMTP reply texts
("550 <x@y.nl> unknown") on attempts and outbox rows name a person; the reply
codes stay, so the monitor's undeliverable counts do not change. Mailings owns
these tables; the retention flows (``app/flows/purging.py``, ``erasure.py``)
call this module rather than writing them. Services flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.models import CaughtMail, MailAttempt, Mailing, OutboxMessage


async def purge_wave_traces(session: AsyncSession, *, wave_id: int) -> int:
    """Remove what quotes an address from every mail of the wave's mailings;
    how many caught copies went."""
    outbox_ids = (
        select(OutboxMessage.id)
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .where(Mailing.wave_id == wave_id)
    )
    caught = await _purge(session, outbox_ids)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(outbox_ids))
        .values(last_reply=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return caught


async def purge_invitation_traces(
    session: AsyncSession, *, invitation_ids: list[int]
) -> int:
    """Remove the caught copies and reply texts of the mails to these
    invitations (one person erased on request); how many copies went."""
    outbox_ids = select(OutboxMessage.id).where(
        OutboxMessage.invitation_id.in_(invitation_ids)
    )
    return await _purge(session, outbox_ids)


async def _purge(session: AsyncSession, outbox_ids: Select[int]) -> int:
    caught = await session.execute(
        delete(CaughtMail)
        .where(CaughtMail.outbox_message_id.in_(outbox_ids))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(MailAttempt)
        .where(MailAttempt.outbox_message_id.in_(outbox_ids))
        .values(smtp_reply=None, error=None)
        .execution_options(synchronize_session=False)
    )
    return caught.rowcount or 0  # type: ignore[attr-defined]
