"""Periodic work of the samples domain, run by the background process
(``app.flows.worker``) on the mail worker's housekeeping beat:
purge the contact data of waves whose retention date has come."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.samples.service.retention import purge_due


def today(settings: Settings) -> dt.date:
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


async def purge_expired_contacts(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    on: dt.date | None = None,
) -> list[str]:
    """One transaction: every wave past its retention date purged and logged."""
    async with session_scope(sessionmaker) as session:
        return await purge_due(session, settings, today=on or today(settings))
