"""Periodic work of the monitoring domain, for the mail worker's maintenance loop.

Readers add unfolded tally deltas themselves and a page only folds when more
than ``tallies.FOLD_THRESHOLD`` wait, so pages stay pure reads. Folding here,
every few seconds in the mail worker's loop, keeps the backlog short and the
page free of writes also after mass changes (a mail run, a sample import).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import session_scope
from app.monitoring import tallies


async def fold_monitor_deltas(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Fold all pending deltas, one committed batch at a time; returns how many."""
    total = 0
    while True:
        async with session_scope(sessionmaker) as session:
            moved = await tallies.fold_deltas(session)
        total += moved
        if not moved:
            return total
