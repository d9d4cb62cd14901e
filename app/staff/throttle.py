"""Failed-login throttling that holds under concurrency, across processes.

Counting failures after the fact let 40 simultaneous wrong passwords through
22 checks (limit 5): each request read "4 failures" before any had recorded
its own. Here an attempt is counted *before* its password is checked, in one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on the key's row. On
PostgreSQL the row lock that statement takes makes every other attempt on the
same key wait until this one commits; on SQLite ``BEGIN IMMEDIATE`` already
serialises writing transactions. So at most ``max_failures`` passwords are
checked per window, whatever the number of processes.

After the limit the key is locked for ``lock_base`` doubled per earlier lock
(capped at ``lock_max``); a successful login clears an account's row. Keys
are per account (the main lock) and per client address (against trying one
password on many accounts); the login service exempts an address from its
lock for accounts that logged in from it before, so a shared proxy address
cannot lock every staff member out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.staff.models import LoginThrottle

THROTTLES = cast(Table, LoginThrottle.__table__)


@dataclass(frozen=True)
class Limit:
    max_failures: int
    window: dt.timedelta
    lock_base: dt.timedelta
    lock_max: dt.timedelta


def lock_length(limit: Limit, lockouts: int) -> dt.timedelta:
    """The lock after ``lockouts`` earlier locks: base, 2×, 4×, ... up to the cap."""
    factor: int = 2 ** min(lockouts, 30)  # typeshed types int ** int as Any
    return min(limit.lock_max, limit.lock_base * factor)


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(THROTTLES)
    return sqlite.insert(THROTTLES)


async def reserve(
    session: AsyncSession, *, key: str, limit: Limit, now: dt.datetime
) -> dt.datetime | None:
    """Count one attempt on ``key``; the end of the lock if it is refused.

    Call before the password (or code) is checked and clear the key on
    success; the row stays locked until the transaction ends.
    """
    row = THROTTLES.c
    locked = and_(row.locked_until.is_not(None), row.locked_until > now)
    stale = row.window_start < now - limit.window
    statement = (
        _insert(session)
        .values(key=key, failures=1, window_start=now, locked_until=None, lockouts=0)
        .on_conflict_do_update(
            index_elements=[row.key],
            set_={
                "failures": case(
                    (locked, row.failures), (stale, 1), else_=row.failures + 1
                ),
                "window_start": case(
                    (locked, row.window_start), (stale, now), else_=row.window_start
                ),
            },
        )
        .returning(row.failures, row.locked_until, row.lockouts)
    )
    failures, locked_until, lockouts = (await session.execute(statement)).one()
    if locked_until is not None and locked_until > now:
        return cast(dt.datetime, locked_until)
    if failures <= limit.max_failures:
        return None
    until = now + lock_length(limit, lockouts)
    await session.execute(
        update(THROTTLES)
        .where(row.key == key)
        .values(locked_until=until, lockouts=lockouts + 1, failures=0, window_start=now)
    )
    return until


async def clear(session: AsyncSession, *, key: str) -> None:
    """A success: the key's failures and lock history are forgotten."""
    await session.execute(delete(THROTTLES).where(THROTTLES.c.key == key))


async def forgive_one(session: AsyncSession, *, key: str) -> None:
    """A success on a shared key (an address): take back its reserved attempt."""
    row = THROTTLES.c
    await session.execute(
        update(THROTTLES)
        .where(row.key == key, row.failures > 0)
        .values(failures=row.failures - 1)
    )


def wait_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    unit = "minuut" if minutes == 1 else "minuten"
    return f"Te veel mislukte inlogpogingen. Probeer het over {minutes} {unit} opnieuw."
