"""The monitoring migration leaves its triggers in place after ``upgrade heads``.

SQLite drops a table's triggers when a migration rebuilds the table (Alembic's
batch mode does for constraints), so a revision that rebuilds ``invitations``
after 0004_monitoring silently stops the tallies. This test says so plainly.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings

pytestmark = pytest.mark.asyncio
TRIGGERS = {
    "monitor_invitations_inserted",
    "monitor_invitations_updated",
    "monitor_invitations_deleted",
}


async def test_tally_triggers_exist_on_invitations(
    session: AsyncSession, settings: Settings
) -> None:
    if settings.is_sqlite:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'invitations'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid = 'invitations'::regclass"
        )
    found = set(await session.scalars(text(query)))
    assert found >= TRIGGERS, (
        "the monitor's triggers on invitations are missing: a later migration "
        "rebuilt the table; recreate them (see 0004_monitoring) in that revision"
    )
