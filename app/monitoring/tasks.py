"""Periodic work of the monitoring domain, run by the background process
(``app.flows.worker``) on the mail worker's housekeeping beat.

Readers add unfolded tally deltas themselves and a page only folds when more
than ``tallies.FOLD_THRESHOLD`` wait, so pages stay pure reads. Folding here,
every few seconds in the mail worker's loop, keeps the backlog short and the
page free of writes also after mass changes (a mail run, a sample import).

The break-off views are kept here too: ``refresh_burden_snapshots`` recomputes
the stored view of every open wave whose responses changed (see
``burden_snapshots``), every ``Settings.burden_refresh_seconds``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import session_scope, utcnow
from app.monitoring import burden_snapshots, tallies


async def fold_monitor_deltas(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Fold all pending deltas, one committed batch at a time; returns how many."""
    total = 0
    while True:
        async with session_scope(sessionmaker) as session:
            moved = await tallies.fold_deltas(session)
        total += moved
        if not moved:
            return total


async def refresh_burden_snapshots(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> int:
    """Refresh the stale break-off views of open waves, one transaction each;
    returns how many were recomputed."""
    async with session_scope(sessionmaker) as session:
        pairs = await burden_snapshots.open_pairs(session, now=utcnow())
    done = 0
    for wave_id, questionnaire in pairs:
        async with session_scope(sessionmaker) as session:
            done += await burden_snapshots.refresh_due(
                session, wave_id=wave_id, questionnaire=questionnaire
            )
    return done
