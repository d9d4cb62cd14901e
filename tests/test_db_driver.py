"""The driver-statement helper (``app/db_driver.py``) on SQLite and PostgreSQL.

A row written through the helper must hold exactly what SQLAlchemy stores for
the same values (JSON, UTC datetimes, enums), and a naive datetime is refused
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import (
    JSON,
    Column,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from app import db_driver
from app.db import UTCDateTime, create_engine
from app.db_driver import NaiveDatetime, PreparedStatement, typed_param


class Colour(enum.StrEnum):
    red = "rood"
    blue = "blauw"


metadata = MetaData()
samples = Table(
    "driver_samples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payload", JSON),
    Column("at", UTCDateTime),
    Column("label", String(20)),
    Column("colour", Enum(Colour, native_enum=False, length=10)),
    Column("fixed", JSON),
)
c = samples.c

AMSTERDAM = dt.timezone(dt.timedelta(hours=1))
VALUES: dict[str, Any] = {
    "payload": {"q1": 2, "tekst": "één", "lijst": [1, None]},
    "at": dt.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=AMSTERDAM),
    "label": Colour.blue,
    "colour": Colour.red,
}


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def inserting() -> Any:
    return insert(samples).values(
        id=typed_param("id", c.id),
        payload=typed_param("payload", c.payload),
        at=typed_param("at", c.at),
        label=typed_param("label", c.label),
        colour=typed_param("colour", c.colour),
        fixed=literal({"vast": True}, c.fixed.type),
    )


async def stored(engine: AsyncEngine, row_id: int) -> tuple[Any, ...]:
    """The row as the database holds it: every column as text, untouched by
    SQLAlchemy's result processing."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(*(cast(column, Text) for column in samples.c)).where(
                    c.id == row_id
                )
            )
        ).one()
    return tuple(row)


@pytest.mark.asyncio
async def test_a_driver_write_stores_what_sqlalchemy_stores(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(samples).values(id=1, fixed={"vast": True}, **VALUES)
        )
    statement = PreparedStatement.for_dialect(inserting(), engine.dialect.name)
    async with db_driver.driver_connection(engine) as db:
        if engine.dialect.name == "postgresql":
            assert db.driver is not None
            assert statement.driver is not None  # runs on asyncpg, not SQLAlchemy
        await db_driver.execute(db, statement, {"id": 2, **VALUES})

    by_sqlalchemy, by_driver = await stored(engine, 1), await stored(engine, 2)
    assert by_driver[1:] == by_sqlalchemy[1:]
    async with engine.connect() as connection:
        row = (await connection.execute(select(samples).where(c.id == 2))).one()
    assert row.payload == VALUES["payload"]
    assert row.at == VALUES["at"]
    assert row.at.tzinfo == dt.UTC
    assert row.label == "blauw"
    assert row.colour is Colour.red
    assert row.fixed == {"vast": True}


@pytest.mark.asyncio
async def test_json_none_is_stored_as_json_null_as_sqlalchemy_does(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(samples).values(id=1, payload=None))
    statement = PreparedStatement.for_dialect(
        insert(samples).values(
            id=typed_param("id", c.id), payload=typed_param("payload", c.payload)
        ),
        engine.dialect.name,
    )
    async with db_driver.driver_connection(engine) as db:
        await db_driver.execute(db, statement, {"id": 2, "payload": None})
    assert (await stored(engine, 2))[1:] == (await stored(engine, 1))[1:]


@pytest.mark.asyncio
async def test_first_and_scalar_read_back(engine: AsyncEngine) -> None:
    dialect = engine.dialect.name
    write = PreparedStatement.for_dialect(inserting(), dialect)
    read = PreparedStatement.for_dialect(
        select(c.label, c.payload).where(c.id == typed_param("id", c.id)), dialect
    )
    touch = PreparedStatement.for_dialect(
        update(samples)
        .where(c.id == typed_param("u_id", c.id), c.at < typed_param("u_at", c.at))
        .values(label="later")
        .returning(c.id),
        dialect,
    )
    later = VALUES["at"] + dt.timedelta(seconds=1)
    async with db_driver.driver_connection(engine) as db:
        await db_driver.execute(db, write, {"id": 7, **VALUES})
        found = await db_driver.first(db, read, {"id": 7})
        missing = await db_driver.first(db, read, {"id": 8})
        touched = await db_driver.scalar(db, touch, {"u_id": 7, "u_at": later})
        untouched = await db_driver.scalar(db, touch, {"u_id": 7, "u_at": VALUES["at"]})
    assert found is not None
    assert (found["label"], found["payload"]) == ("blauw", VALUES["payload"])
    assert missing is None
    assert (touched, untouched) == (7, None)


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["execute", "scalar", "first"])
async def test_a_naive_datetime_is_refused_before_anything_is_written(
    engine: AsyncEngine, how: str
) -> None:
    statement = PreparedStatement.for_dialect(
        inserting().returning(c.id), engine.dialect.name
    )
    naive = {**VALUES, "id": 3, "at": dt.datetime(2026, 3, 1, 12, 30)}
    async with db_driver.driver_connection(engine) as db:
        with pytest.raises(NaiveDatetime, match=r"'at'.*timezone-aware"):
            await getattr(db_driver, how)(db, statement, naive)
    async with engine.connect() as connection:
        assert (await connection.execute(select(c.id))).all() == []


def test_only_timezone_aware_datetime_parameters_are_guarded() -> None:
    statement = PreparedStatement.for_dialect(inserting(), "postgresql")
    assert statement.aware == {"at"}
    assert statement.driver is not None
    assert statement.driver.aware == {"at"}
    sqlite = PreparedStatement.for_dialect(inserting(), "sqlite")
    assert (sqlite.driver, sqlite.aware) == (None, frozenset({"at"}))
