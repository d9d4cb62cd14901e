"""Purging a wave's traces: its contact data and the mail traces quoting them.

The welcome text promises the address file is deleted after the edition. A
purge (by hand, ``wave purge-contacts``, or by the worker on the wave's
retention date) runs in one transaction: the wave is locked, mailings removes
the caught copies and SMTP reply texts that quote addresses, then samples
deletes the contacts and anonymises the invitations (see
``samples.service.purge_contacts``). Counts, response rates and the monitor
stay as they were.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import session_scope
from app.mailings.delivery import traces as mailings_traces
from app.samples import service as samples_service
from app.samples.models import Wave
from app.samples.tasks import today as local_today

Actor = samples_service.Actor


async def purge_contacts(
    session: AsyncSession, *, wave: Wave, actor: Actor, reason: str = "handmatig"
) -> samples_service.Purge:
    """Delete a wave's contact data and the mail traces that quote them, for
    good; logged in the audit log (``wave.purge_contacts``)."""
    wave = await samples_service.lock_wave(session, wave)
    caught = await mailings_traces.purge_wave_traces(session, wave_id=wave.id)
    return await samples_service.purge_contacts(
        session, wave=wave, actor=actor, reason=reason, caught_mails=caught
    )


async def purge_due(
    session: AsyncSession, settings: Settings, *, today: dt.date
) -> list[str]:
    """Purge every wave whose retention date has come; their slugs."""
    purged = []
    for wave, due in await samples_service.due_for_purge(
        session, settings, today=today
    ):
        await purge_contacts(
            session, wave=wave, actor="worker:retention",
            reason=f"bewaartermijn verstreken op {due.isoformat()}",
        )  # fmt: skip
        purged.append(wave.slug)
    return purged


async def purge_expired_contacts(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    on: dt.date | None = None,
) -> list[str]:
    """The worker's retention duty. One transaction: every wave past its
    retention date purged and logged."""
    async with session_scope(sessionmaker) as session:
        return await purge_due(session, settings, today=on or local_today(settings))
