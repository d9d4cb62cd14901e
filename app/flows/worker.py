"""The background process (``veldwerk worker``): mail delivery plus the periodic
duties of other domains, on the mail worker's beat.

The mail worker knows only mail; what else this process does is composed here,
so mailings imports neither monitoring nor samples' tasks:

* the monitor's tally deltas are folded on every housekeeping pass (every few
  seconds), so the monitor's pages stay pure reads after mass changes;
* contact data past their retention date are purged, once a minute at most;
* stale break-off views of open waves are recomputed every
  ``Settings.burden_refresh_seconds`` (several workers: a lock per view, see
  ``monitoring.burden_snapshots``).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.flows.purging import purge_expired_contacts
from app.mailings.delivery.transport import Transport
from app.mailings.delivery.worker import Duty, MailWorker
from app.monitoring.tasks import fold_monitor_deltas, refresh_burden_snapshots

log = logging.getLogger(__name__)

RETENTION_CHECK_SECONDS = 60.0


def background_duties(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> list[Duty]:
    """The other domains' periodic work, in the order it runs on each pass."""

    async def fold() -> None:
        await fold_monitor_deltas(sessionmaker)

    async def purge() -> None:
        for slug in await purge_expired_contacts(sessionmaker, settings):
            log.info("contact data of wave %s purged (retention date)", slug)

    async def refresh() -> None:
        refreshed = await refresh_burden_snapshots(sessionmaker)
        if refreshed:
            log.info("%d break-off view(s) refreshed", refreshed)

    return [
        Duty("fold the monitor's tallies", 0.0, fold),
        Duty("purge contact data past retention", RETENTION_CHECK_SECONDS, purge),
        Duty("refresh the break-off views", settings.burden_refresh_seconds, refresh),
    ]


def background_worker(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    worker_id: str | None = None,
    transport: Transport | None = None,
) -> MailWorker:
    """The mail worker with every background duty of the process attached."""
    return MailWorker(
        settings,
        sessionmaker,
        worker_id=worker_id,
        transport=transport,
        duties=background_duties(settings, sessionmaker),
    )
