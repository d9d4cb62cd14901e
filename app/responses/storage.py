"""Saving one submitted page: the response, the invitation's activity and the
page visit, in as few round trips to the database as the backend allows.

A page save is the platform's most frequent write. On PostgreSQL the three
writes travel as one statement (data-modifying ``WITH`` clauses run exactly
once, whether or not the main statement reads them), so a page turn costs four
round trips in all: BEGIN, the locking SELECT, this statement, COMMIT. SQLite
has no DML in ``WITH``; there the same statements run one after another, in
process. The statements are built once per dialect: building them costs more
CPU than PostgreSQL spends running them.

The ORM objects the request holds are brought up to date with
``set_committed_value``, so the session does not write them a second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.expression import Executable

from app.responses.models import PageVisit, Response
from app.samples.models import Invitation


@dataclass(frozen=True)
class PageSaveStatements:
    visit: Executable
    response: Executable
    activity: Executable
    combined: Executable | None
    """All three in one statement, where the dialect can (PostgreSQL)."""


def _param(name: str, table: Any, column: str) -> Any:
    return bindparam(name, type_=table.c[column].type)


@lru_cache(maxsize=2)
def statements(dialect: str) -> PageSaveStatements:
    visits, responses, invitations = (
        PageVisit.__table__,
        Response.__table__,
        Invitation.__table__,
    )
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(visits).values(
        response_id=_param("v_response_id", visits, "response_id"),
        page_id=_param("v_page_id", visits, "page_id"),
        first_shown_at=_param("v_first_shown_at", visits, "first_shown_at"),
        last_shown_at=_param("v_now", visits, "last_shown_at"),
        submitted_at=_param("v_now", visits, "submitted_at"),
        seconds_spent=_param("v_seconds", visits, "seconds_spent"),
        submissions=1,
    )
    excluded = upsert.excluded
    visit = upsert.on_conflict_do_update(
        index_elements=[visits.c.response_id, visits.c.page_id],
        set_={
            "last_shown_at": excluded.last_shown_at,
            "submitted_at": excluded.submitted_at,
            "seconds_spent": visits.c.seconds_spent + excluded.seconds_spent,
            "submissions": visits.c.submissions + 1,
        },
    )
    response = (
        update(responses)
        .where(responses.c.id == _param("r_id", responses, "id"))
        .values(
            {
                column: _param(f"r_{column}", responses, column)
                for column in RESPONSE_COLUMNS
            }
        )
    )
    activity = (
        update(invitations)
        .where(invitations.c.id == _param("i_id", invitations, "id"))
        .values(last_activity_at=_param("i_now", invitations, "last_activity_at"))
    )
    combined = None
    if dialect == "postgresql":
        combined = response.add_cte(
            visit.cte("page_visit"), activity.cte("invitation_activity")
        )
    return PageSaveStatements(visit, response, activity, combined)


RESPONSE_COLUMNS = (
    "answers",
    "submitted_pages",
    "updated_at",
    "revision",
    "status",
    "response_at",
    "completed_at",
)


async def save_page(
    session: AsyncSession,
    *,
    response: Response,
    invitation: Invitation,
    changes: dict[str, Any],
    page_id: str,
    now: dt.datetime,
    first_shown_at: dt.datetime,
    seconds: float,
) -> None:
    """Write ``changes`` (every column in ``RESPONSE_COLUMNS``) to the response,
    the activity time to the invitation, and add the visit to the page's paradata."""
    built = statements(session.get_bind().dialect.name)
    visit = {
        "v_response_id": response.id,
        "v_page_id": page_id,
        "v_first_shown_at": first_shown_at,
        "v_now": now,
        "v_seconds": seconds,
    }
    values = {"r_id": response.id, **{f"r_{k}": changes[k] for k in RESPONSE_COLUMNS}}
    activity = {"i_id": invitation.id, "i_now": now}
    if built.combined is not None:
        await session.execute(built.combined, {**visit, **values, **activity})
    else:
        await session.execute(built.visit, visit)
        await session.execute(built.response, values)
        await session.execute(built.activity, activity)
    for column in RESPONSE_COLUMNS:
        set_committed_value(response, column, changes[column])
    set_committed_value(invitation, "last_activity_at", now)
