"""Database plumbing: the declarative Base, engine and session factories.

One request or job is one transaction: ``get_session`` commits when the request
succeeds and rolls back otherwise; services only ``flush()``. The engine is made
in the app's lifespan (or by the CLI/worker) and passed around, never global.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic can then alter them, also in SQLite batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on both backends.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and given their zone back on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def create_engine(
    database_url: str,
    *,
    sqlite_begin: str = "BEGIN IMMEDIATE",
    pool_size: int = 20,
    **kwargs: Any,
) -> AsyncEngine:
    """Engine for either backend, with SQLite set up for several processes.

    SQLite: WAL so readers never block the writer, a busy timeout so a second
    process waits instead of failing, foreign keys on, and ``BEGIN IMMEDIATE``
    so a transaction takes the write lock up front; a deferred transaction that
    upgrades later fails at once under contention instead of waiting. (Tests
    pass ``sqlite_begin=""`` for their own inspection session: statements then
    commit one by one, like PostgreSQL's read committed, and never hold a lock
    or an old snapshot while the app under test works.)
    """
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": 30}, **kwargs
        )
        _configure_sqlite(engine, begin=sqlite_begin)
        return engine
    # A fixed pool: overflow connections would be opened and closed again
    # under every burst, a connect costing more than many requests.
    kwargs.setdefault("pool_size", pool_size)
    kwargs.setdefault("max_overflow", 0)
    # No pre-ping: it costs a round trip per request. A connection that died
    # (server restart) fails its first statement, is invalidated, and the
    # request errors once; recycling keeps long-idle connections fresh.
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(database_url, **kwargs)


def _configure_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not begin:
            return  # autocommit mode (test inspection sessions)
        deferred = conn.get_execution_options().get(READ_SNAPSHOT_OPTION, False)
        conn.exec_driver_sql("BEGIN" if deferred else begin)


READ_SNAPSHOT_OPTION = "veldwerk_read_snapshot"


async def begin_read_snapshot(session: AsyncSession) -> None:
    """Start the session's transaction as a long, read-only snapshot.

    For reads that stream for a while (exports): every query of the transaction
    sees the same data. On SQLite the transaction starts deferred: a WAL reader
    never blocks writers, whereas ``BEGIN IMMEDIATE`` would hold the write lock
    and keep every respondent waiting until the stream ends. On PostgreSQL it
    is ``REPEATABLE READ, READ ONLY``. Call before the session's first query.
    """
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        options: dict[str, Any] = {READ_SNAPSHOT_OPTION: True}
    else:
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    await session.connection(execution_options=options)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work for CLI commands and workers: commit or roll back."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed before the response is sent.

    Used with ``scope="function"`` (FastAPI >= 0.121): the exit code runs when
    the endpoint returns, before the response goes out, so a failed commit
    yields an error page, never a 2xx (pinned by a test). Since FastAPI 0.118 a
    plain yield dependency would commit *after* sending. Streaming responses
    open their own session (see the exports domain).
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
