"""Time on page from the stored page visits: the one rule every reader uses.

Time on a page runs from the first arrival (the shown-at stamp the first
submitted form carried back) to the first submit of that page
(``page_visits.first_submitted_at``): a double submit or a later revisit does
not change it. A time above ``PAUSE_SECONDS`` is a pause, not work: the
break-off view leaves it out of a page's time distribution and the export
reports it as unknown. Rows from before ``first_submitted_at`` existed that
were submitted more than once have no known time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Float, SQLColumnExpression, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.responses.models import PageVisit

PAUSE_SECONDS = 30 * 60.0
"""A page time above half an hour counts as a pause."""

Visit = tuple[str, dt.datetime | None, dt.datetime | None]
"""(page id, first shown, first submitted)."""


def page_times(visits: Iterable[Visit]) -> dict[str, float | None]:
    """Seconds on each page (None: not known)."""
    out: dict[str, float | None] = {}
    for page_id, shown, submitted in visits:
        if shown is None or submitted is None:
            out[page_id] = None
        else:
            out[page_id] = (submitted - shown).total_seconds()
    return out


def seconds_between(
    dialect: str,
    start: SQLColumnExpression[dt.datetime | None],
    end: SQLColumnExpression[dt.datetime | None],
) -> ColumnElement[float]:
    """``end - start`` in seconds, computed by the database (NULL if either is).

    SQLite stores naive UTC text, which ``julianday`` reads; PostgreSQL has
    ``timestamptz`` and ``EXTRACT(EPOCH ...)``.
    """
    if dialect == "sqlite":
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)
    return cast(func.extract("epoch", end - start), Float)


def usable(seconds: float | None, pause_seconds: float = PAUSE_SECONDS) -> bool:
    """Whether a page time counts (known, not negative, not a pause)."""
    return seconds is not None and 0 <= seconds <= pause_seconds


async def times_for(
    session: AsyncSession, response_ids: Sequence[int]
) -> dict[int, dict[str, float | None]]:
    """Page times of the given responses, in one query."""
    if not response_ids:
        return {}
    rows = await session.execute(
        select(
            PageVisit.response_id,
            PageVisit.page_id,
            PageVisit.first_shown_at,
            PageVisit.first_submitted_at,
        ).where(PageVisit.response_id.in_(list(response_ids)))
    )
    visits: dict[int, list[Visit]] = defaultdict(list)
    for response_id, page_id, shown, submitted in rows:
        visits[response_id].append((page_id, shown, submitted))
    return {rid: page_times(v) for rid, v in visits.items()}
