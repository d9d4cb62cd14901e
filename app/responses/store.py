"""The respondent's rows, read and written as SQLAlchemy Core on one connection.

A page turn is the platform's most frequent request, so this path skips the ORM
session (identity map, unit of work, change snapshots): it reads the survey
behind a link in one SELECT into plain dataclasses and writes each change as
one statement.

Concurrency is optimistic. Every write to a response names the ``revision`` it
was computed from and bumps it; a write that finds another revision changes
nothing and reports a conflict, and the caller reads again and recomputes (two
tabs, a double click). On PostgreSQL the connection runs in autocommit and
each write is one atomic statement: the response, the invitation's status and
the page's paradata travel together as data-modifying ``WITH`` clauses that run
only if the guarded response update matched. That makes a page turn two round
trips (the SELECT and the write) instead of four (BEGIN, a locking SELECT, the
write, COMMIT). SQLite has no DML in ``WITH``; there the request holds one
``BEGIN IMMEDIATE`` transaction (see ``respondent_connection``) and the same
writes run one after another, in process.

Statements are built once per dialect: building them costs more CPU than the
database spends running them. How they run is the database shell's
(``app/db_driver.py``): on PostgreSQL compiled once to SQL and run on the
asyncpg connection, with every parameter converted by its column's type as
SQLAlchemy would. This module only says which statements the respondent runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from fastapi import Request
from sqlalchemy import (
    Select,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from app import db_driver
from app.db_driver import (
    DriverConnection,
    PreparedStatement,
    driver_connection,
    typed_param,
)
from app.responses.models import PageVisit, Response
from app.samples import statements as invitation_statements
from app.samples.models import (
    ATTRIBUTE_COLUMNS,
    Invitation,
    Wave,
    WaveQuestionnaire,
)
from app.samples.states import PROGRESS_COLUMNS, InvitationStatus

RESPONSE_COLUMNS = (
    "answers",
    "submitted_pages",
    "updated_at",
    "status",
    "response_at",
    "completed_at",
)
"""What a response write sets (besides ``revision``, which it bumps)."""


@dataclass
class InvitationState:
    id: int
    wave_id: int
    questionnaire: str
    is_test: bool
    status: str
    started_at: dt.datetime | None
    response_at: dt.datetime | None
    completed_at: dt.datetime | None
    attributes: dict[str, Any]


@dataclass(frozen=True)
class WaveWindow:
    opens_on: dt.date | None
    closes_on: dt.date | None
    timezone: str


@dataclass
class ResponseState:
    id: int
    version_id: int
    status: str
    answers: dict[str, Any]
    submitted_pages: list[str]
    response_at: dt.datetime | None
    completed_at: dt.datetime | None
    revision: int
    language: str | None = None
    """The language chosen at the start; None: the version's own."""


@dataclass
class SurveyRows:
    """Everything one SELECT brings back for a link."""

    invitation: InvitationState
    wave: WaveWindow
    response: ResponseState | None
    wave_version_id: int | None
    """The version the wave fields for new starters."""


@dataclass
class PageVisitWrite:
    """One submission of a page, for the paradata."""

    page_id: str
    first_shown_at: dt.datetime
    now: dt.datetime
    seconds: float


# --- the connection ----------------------------------------------------------

RespondentDb = DriverConnection
"""The request's database handle (``app.db_driver``)."""


def respondent_db(engine: AsyncEngine) -> AbstractAsyncContextManager[RespondentDb]:
    """A connection for the respondent path, outside a request too (tests, CLI).

    PostgreSQL: no transaction spans the work; each write is one atomic,
    revision-guarded statement, run on the driver in its autocommit mode. (If
    SQLAlchemy begins a transaction on the connection, as loading a version
    the process has not met does, it is committed at the end.) SQLite: one
    ``BEGIN IMMEDIATE`` transaction (SQLite serialises writers anyway),
    committed at the end, rolled back on an error.
    """
    return driver_connection(engine)


async def respondent_connection(request: Request) -> AsyncIterator[RespondentDb]:
    """The request's connection for the respondent pages (``respondent_db``),
    finished before the response is sent."""
    async with respondent_db(request.app.state.engine) as db:
        yield db


# --- reading -----------------------------------------------------------------


def survey_query() -> Select[Any]:
    """The invitation behind a token hash, its wave's window and version for new
    starters, and its response if started: one query."""
    i, w, r, wq = (
        Invitation.__table__,
        Wave.__table__,
        Response.__table__,
        WaveQuestionnaire.__table__,
    )
    return (
        select(
            i.c.id,
            i.c.wave_id,
            i.c.questionnaire,
            i.c.is_test,
            *(i.c[name] for name in PROGRESS_COLUMNS),
            i.c.attributes,
            *(i.c[name] for name in ATTRIBUTE_COLUMNS),
            w.c.opens_on,
            w.c.closes_on,
            w.c.timezone,
            wq.c.version_id.label("wave_version_id"),
            r.c.id.label("response_id"),
            r.c.version_id.label("response_version_id"),
            r.c.status.label("response_status"),
            r.c.answers,
            r.c.submitted_pages,
            r.c.response_at.label("response_response_at"),
            r.c.completed_at.label("response_completed_at"),
            r.c.revision,
            r.c.language.label("response_language"),
        )
        .join(w, w.c.id == i.c.wave_id)
        .outerjoin(
            wq,
            and_(wq.c.wave_id == i.c.wave_id, wq.c.questionnaire == i.c.questionnaire),
        )
        .outerjoin(r, r.c.invitation_id == i.c.id)
        .where(i.c.token_hash == bindparam("token_hash"), i.c.revoked_at.is_(None))
    )


async def load(db: RespondentDb, token_hash: str) -> SurveyRows | None:
    m = await db_driver.first(
        db,
        _statements(db.dialect_name).load,
        {"token_hash": token_hash},
    )
    if m is None:
        return None
    attributes: dict[str, Any] = dict(m["attributes"] or {})
    for name in ATTRIBUTE_COLUMNS:
        if (value := m[name]) is not None:
            attributes[name] = value
    invitation = InvitationState(
        m["id"],
        m["wave_id"],
        m["questionnaire"],
        bool(m["is_test"]),
        m["status"],
        m["started_at"],
        m["response_at"],
        m["completed_at"],
        attributes,
    )
    response = None
    if m["response_id"] is not None:
        response = ResponseState(
            m["response_id"],
            m["response_version_id"],
            m["response_status"],
            dict(m["answers"] or {}),
            list(m["submitted_pages"] or []),
            m["response_response_at"],
            m["response_completed_at"],
            m["revision"],
            m["response_language"],
        )
    wave = WaveWindow(m["opens_on"], m["closes_on"], m["timezone"])
    return SurveyRows(invitation, wave, response, m["wave_version_id"])


# --- writing -----------------------------------------------------------------


@dataclass(frozen=True)
class PreparedStatements:
    load: PreparedStatement
    response: PreparedStatement
    invitation: PreparedStatement
    visit: PreparedStatement
    insert_response: PreparedStatement
    combined: dict[tuple[bool, bool], PreparedStatement]
    """PostgreSQL: (with invitation, with visit) → one statement for the lot."""
    start: PreparedStatement | None
    """PostgreSQL: insert the response and move the invitation on, in one."""


@lru_cache(maxsize=2)
def _statements(dialect: str) -> PreparedStatements:
    # declarative types __table__ as any FromClause; these are plain Tables
    r = cast(Table, Response.__table__)
    v = cast(Table, PageVisit.__table__)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    response = (
        update(r)
        .where(
            r.c.id == typed_param("r_id", r.c.id),
            r.c.revision == typed_param("r_expected", r.c.revision),
        )
        .values(
            {
                **{
                    name: typed_param(f"r_{name}", r.c[name])
                    for name in RESPONSE_COLUMNS
                },
                "revision": r.c.revision + 1,
            }
        )
        .returning(r.c.id)
    )
    invitation = invitation_statements.progress_update()
    visit_values = {
        "page_id": typed_param("v_page_id", v.c.page_id),
        "first_shown_at": typed_param("v_first_shown_at", v.c.first_shown_at),
        "last_shown_at": typed_param("v_now", v.c.last_shown_at),
        "submitted_at": typed_param("v_now", v.c.submitted_at),
        "first_submitted_at": typed_param("v_now", v.c.first_submitted_at),
        "seconds_spent": typed_param("v_seconds", v.c.seconds_spent),
        "submissions": literal(1, v.c.submissions.type),
    }

    def upsert(stmt: Any) -> Any:
        """Time on a page counts from arrival to the first submission of that
        visit: a submission adds its seconds only when the page was shown
        after the page's last submission (a new visit, e.g. after "Vorige").
        A repeated submission of the same showing (a double click, a resent
        form) carries the same shown-at stamp, earlier than the last
        submission, and adds nothing: ten posts of a page shown 1.5 s before
        the first record 1.5 s, not the sum of ten intervals."""
        excluded = stmt.excluded
        new_visit = or_(
            v.c.submitted_at.is_(None), excluded.first_shown_at >= v.c.submitted_at
        )
        return stmt.on_conflict_do_update(
            index_elements=[v.c.response_id, v.c.page_id],
            set_={
                "last_shown_at": excluded.last_shown_at,
                "submitted_at": excluded.submitted_at,
                "seconds_spent": case(
                    (new_visit, v.c.seconds_spent + excluded.seconds_spent),
                    else_=v.c.seconds_spent,
                ),
                "submissions": v.c.submissions + 1,
            },
        )

    visit = upsert(
        insert(v).values(
            response_id=typed_param("r_id", v.c.response_id), **visit_values
        )
    )
    insert_response = (
        insert(r)
        .values(
            invitation_id=typed_param("n_invitation_id", r.c.invitation_id),
            version_id=typed_param("n_version_id", r.c.version_id),
            status=InvitationStatus.started.value,
            answers=typed_param("n_answers", r.c.answers),
            submitted_pages=typed_param("n_submitted_pages", r.c.submitted_pages),
            started_at=typed_param("n_now", r.c.started_at),
            updated_at=typed_param("n_now", r.c.updated_at),
            revision=0,
            language=typed_param("n_language", r.c.language),
        )
        .on_conflict_do_nothing(index_elements=[r.c.invitation_id])
        .returning(r.c.id)
    )
    combined: dict[tuple[bool, bool], Executable] = {}
    start = None
    if dialect == "postgresql":
        for with_invitation in (False, True):
            for with_visit in (False, True):
                saved = response.cte("saved")
                statement = select(func.count()).select_from(saved)
                if with_invitation:
                    statement = statement.add_cte(
                        invitation.where(exists(select(saved.c.id))).cte("moved")
                    )
                if with_visit:
                    columns = ["response_id", *visit_values]
                    chosen = select(saved.c.id, *visit_values.values())
                    statement = statement.add_cte(
                        upsert(insert(v).from_select(columns, chosen)).cte("visit")
                    )
                combined[(with_invitation, with_visit)] = statement
        created = insert_response.cte("created")
        start = (
            select(created.c.id)
            .add_cte(invitation.where(exists(select(created.c.id))).cte("moved"))
            .select_from(created)
        )

    def prepared(statement: Executable) -> PreparedStatement:
        return PreparedStatement.for_dialect(statement, dialect)

    return PreparedStatements(
        load=prepared(survey_query()),
        response=prepared(response),
        invitation=prepared(invitation),
        visit=prepared(visit),
        insert_response=prepared(insert_response),
        combined={key: prepared(value) for key, value in combined.items()},
        start=prepared(start) if start is not None else None,
    )


def _invitation_params(invitation: InvitationState, now: dt.datetime) -> dict[str, Any]:
    return invitation_statements.progress_params(
        invitation, invitation_id=invitation.id, now=now
    )


async def write(
    db: RespondentDb,
    *,
    response: ResponseState,
    changes: dict[str, Any],
    invitation: InvitationState | None = None,
    visit: PageVisitWrite | None = None,
    now: dt.datetime,
) -> bool:
    """Apply ``changes`` (every column in ``RESPONSE_COLUMNS``) to ``response``
    if it is still at the revision it was read at; with ``invitation``, write
    its status columns too; with ``visit``, add it to the page's paradata.

    Returns False, writing nothing, when another request saved first. On
    success ``response`` is brought up to date (values and revision).
    """
    built = _statements(db.dialect_name)
    params: dict[str, Any] = {
        "r_id": response.id,
        "r_expected": response.revision,
        **{f"r_{name}": changes[name] for name in RESPONSE_COLUMNS},
    }
    if invitation is not None:
        params.update(_invitation_params(invitation, now))
    if visit is not None:
        params.update(
            v_page_id=visit.page_id,
            v_first_shown_at=visit.first_shown_at,
            v_now=visit.now,
            v_seconds=visit.seconds,
        )
    if built.combined:
        key = (invitation is not None, visit is not None)
        if not await db_driver.scalar(db, built.combined[key], params):
            return False
    else:
        if await db_driver.scalar(db, built.response, params) is None:
            return False
        if invitation is not None:
            await db_driver.execute(db, built.invitation, params)
        if visit is not None:
            await db_driver.execute(db, built.visit, params)
    for name in ("answers", "submitted_pages", "status", "response_at", "completed_at"):
        setattr(response, name, changes[name])  # what ResponseState keeps of them
    response.revision += 1
    return True


async def insert_response(
    db: RespondentDb,
    *,
    invitation: InvitationState,
    version_id: int,
    now: dt.datetime,
    language: str | None = None,
) -> int | None:
    """Insert the response of ``invitation`` and write its (started) status;
    None if it already has one (a second click on "Start" at the same time)."""
    built = _statements(db.dialect_name)
    params = {
        "n_invitation_id": invitation.id,
        "n_version_id": version_id,
        "n_language": language,
        "n_answers": {},
        "n_submitted_pages": [],
        "n_now": now,
        **_invitation_params(invitation, now),
    }
    if built.start is not None:
        created: int | None = await db_driver.scalar(db, built.start, params)
        return created
    created = await db_driver.scalar(db, built.insert_response, params)
    if created is not None:
        await db_driver.execute(db, built.invitation, params)
    return created


async def mark_opened(db: RespondentDb, invitation_id: int, now: dt.datetime) -> None:
    """Stamp the link's first opening (the welcome page); later openings change
    nothing. Not a watched column of the monitor's triggers."""
    await db.connection.execute(invitation_statements.opened_update(invitation_id, now))
