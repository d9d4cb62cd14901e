"""Core statements run on the database driver itself: the respondent fast path.

A page turn is the platform's most frequent request, and SQLAlchemy's execution
layer costs about as much CPU per statement as asyncpg and PostgreSQL together.
So on PostgreSQL a hot statement is compiled once to SQL and run on the asyncpg
connection under the pooled SQLAlchemy connection. What SQLAlchemy would do to
each parameter is done here as well, with the same code: every parameter goes
through its column type's bind processor for the dialect (JSON serialised,
datetimes made UTC, enums to their values), so a row stored through the driver
holds exactly what the ORM would store. A naive datetime bound to a
timezone-aware column is refused (``NaiveDatetime``) on both backends, before
anything runs. Results come back as the driver makes them (asyncpg gives
timestamptz in UTC and decodes JSON, as SQLAlchemy's dialect sets it up).

SQLite, and every statement without a driver form, goes through SQLAlchemy as
usual. The statements stay SQLAlchemy Core built from the models, so the schema
keeps one definition; which statements a domain runs is the domain's business
(``app/responses/store.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BindParameter, ColumnElement, bindparam
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

BindProcessor = Callable[[Any], Any]


class NaiveDatetime(ValueError):
    """A datetime without a time zone was bound to a timezone-aware column.

    The codebase keeps every timestamp as an aware UTC datetime (``db.utcnow``);
    a naive one would be stored as if it were UTC on PostgreSQL, silently.
    """

    def __init__(self, name: str) -> None:
        super().__init__(
            f"naive datetime given for parameter '{name}'; "
            "use timezone-aware UTC datetimes (app.db.utcnow)"
        )


def typed_param(name: str, column: ColumnElement[Any]) -> BindParameter[Any]:
    """A named parameter typed as ``column``, so that binding it converts the
    value as the column's type does."""
    return bindparam(name, type_=column.type)


def _is_aware_datetime(type_: TypeEngine[Any]) -> bool:
    impl = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    return isinstance(impl, DateTime) and bool(impl.timezone)


def _aware_params(binds: Mapping[str, BindParameter[Any]]) -> frozenset[str]:
    return frozenset(
        name
        for name, bind in binds.items()
        if bind.required and _is_aware_datetime(bind.type)
    )


def refuse_naive(aware: frozenset[str], params: Mapping[str, Any]) -> None:
    """Raise ``NaiveDatetime`` if a timezone-aware parameter holds a naive datetime."""
    for name in aware:
        value = params.get(name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise NaiveDatetime(name)


@dataclass(frozen=True)
class _Argument:
    """How one positional argument of the driver's SQL is filled."""

    name: str
    processor: BindProcessor | None
    """The column type's bind processor for the dialect (None: as given)."""
    constant: Any = None
    is_constant: bool = False
    """The statement's own literal, already processed."""


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled once for asyncpg: its SQL, and how to turn
    named parameters into the driver's positional arguments."""

    sql: str
    arguments_plan: tuple[_Argument, ...]
    aware: frozenset[str]
    """Parameters bound to timezone-aware datetime columns."""

    @classmethod
    def compile(cls, statement: Executable, dialect: Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        binds: dict[str, BindParameter[Any]] = compiled.binds
        plan = []
        for name in compiled.positiontup or ():
            bind = binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                plan.append(_Argument(name, processor))
            else:
                value = processor(bind.value) if processor else bind.value
                plan.append(_Argument(name, None, value, is_constant=True))
        return cls(str(compiled), tuple(plan), _aware_params(binds))

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        refuse_naive(self.aware, params)
        values = []
        for argument in self.arguments_plan:
            if argument.is_constant:
                values.append(argument.constant)
            elif argument.processor is None:
                values.append(params[argument.name])
            else:
                values.append(argument.processor(params[argument.name]))
        return values


@dataclass(frozen=True)
class PreparedStatement:
    """A Core statement ready for one dialect: on PostgreSQL also compiled for
    the driver (``DriverStatement``); elsewhere run through SQLAlchemy."""

    core: Executable
    driver: DriverStatement | None
    aware: frozenset[str]

    @classmethod
    def for_dialect(cls, statement: Executable, dialect_name: str) -> PreparedStatement:
        if dialect_name == "postgresql":
            driver = DriverStatement.compile(statement, _ASYNCPG)
            return cls(statement, driver, driver.aware)
        compiled = statement.compile()  # type: ignore[attr-defined]
        return cls(statement, None, _aware_params(compiled.binds))


_ASYNCPG: Dialect = postgresql_asyncpg.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class DriverConnection:
    """SQLAlchemy's connection and, on PostgreSQL, the asyncpg connection under
    it (looked up once per unit of work)."""

    connection: AsyncConnection
    driver: Any | None

    @property
    def dialect_name(self) -> str:
        return self.connection.dialect.name


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[DriverConnection]:
    """A connection for driver statements.

    PostgreSQL: no transaction spans the work; each statement is atomic on its
    own, run on the driver in its autocommit mode. (If SQLAlchemy begins a
    transaction on the connection, it is committed at the end.) SQLite: one
    transaction (``BEGIN IMMEDIATE``, see ``db.create_engine``), committed at
    the end, rolled back on an error.
    """
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            raw = await connection.get_raw_connection()
            yield DriverConnection(connection, raw.driver_connection)
            if connection.in_transaction():
                await connection.commit()
        else:
            async with connection.begin():
                yield DriverConnection(connection, None)


async def first(
    db: DriverConnection, statement: PreparedStatement, params: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The first row, as a mapping from column name to value, or None."""
    if statement.driver is not None and db.driver is not None:
        row: Mapping[str, Any] | None = await db.driver.fetchrow(
            statement.driver.sql, *statement.driver.arguments(params)
        )
        return row
    refuse_naive(statement.aware, params)
    found = (await db.connection.execute(statement.core, params)).first()
    return None if found is None else cast("Mapping[str, Any]", found._mapping)


async def scalar(
    db: DriverConnection, statement: PreparedStatement, params: Mapping[str, Any]
) -> Any:
    """The first column of the first row, or None."""
    if statement.driver is not None and db.driver is not None:
        return await db.driver.fetchval(
            statement.driver.sql, *statement.driver.arguments(params)
        )
    refuse_naive(statement.aware, params)
    return (await db.connection.execute(statement.core, params)).scalar()


async def execute(
    db: DriverConnection, statement: PreparedStatement, params: Mapping[str, Any]
) -> None:
    if statement.driver is not None and db.driver is not None:
        await db.driver.execute(
            statement.driver.sql, *statement.driver.arguments(params)
        )
        return
    refuse_naive(statement.aware, params)
    await db.connection.execute(statement.core, params)
