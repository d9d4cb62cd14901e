"""Shared fixtures: real databases (SQLite and PostgreSQL), the app, a client.

Every test that asks for ``database_url`` (directly or through ``session``,
``app`` or ``client``) runs twice: on SQLite and on PostgreSQL. Each test gets a
fresh database cloned from one migrated by ``alembic upgrade heads`` at session
start, so migrations are exercised and tests never share state. Commits are
real, which lets tests start extra processes (workers) against the same data.

PostgreSQL: ``TEST_DATABASE_URL`` (default: postgres on 127.0.0.1:5432). It
must be reachable: tests fail rather than skip, unless
``VELDWERK_TEST_SKIP_POSTGRES=1`` is set for a quick local run.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.cli_support import upgrade_database
from app.config import Settings, SmtpSettings
from app.db import create_engine, create_sessionmaker
from app.main import create_app

PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
SKIP_PG = os.environ.get("VELDWERK_TEST_SKIP_POSTGRES") == "1"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

pytest_plugins = ["tests.fixtures.browser"]


def _worker_id() -> str:
    # Unique per checkout and xdist worker: several clones may test against
    # the same PostgreSQL server at once.
    checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:6]
    return f"{checkout}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _pg_execute(*statements: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def base_settings(
    database_url: str, tmp_path: Path | None = None, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "smtp": SmtpSettings(),
        "login_max_failures": 5,
        # Tests publish their own inline questionnaires; loading the real files on
        # every app start is tested separately.
        "check_questionnaires_on_startup": False,
    }
    if tmp_path is not None:
        values["questionnaires_dir"] = tmp_path / "questionnaires"
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(base_settings(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if SKIP_PG:
        pytest.skip("VELDWERK_TEST_SKIP_POSTGRES=1")
    name = f"veldwerk_tpl_{_worker_id()}"
    try:
        asyncio.run(
            _pg_execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f'CREATE DATABASE "{name}"',
            )
        )
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is not usable: {exc}")
    upgrade_database(base_settings(_pg_url(name)))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"veldwerk_t_{_worker_id()}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield _pg_url(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return base_settings(database_url, tmp_path)


@pytest_asyncio.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    # On SQLite the test's own session runs statement by statement (autocommit):
    # it must neither hold the write lock nor read an old snapshot while the app
    # under test serves requests. PostgreSQL's read committed behaves alike.
    engine = create_engine(settings.database_url, sqlite_begin="")
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest_asyncio.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data; commit to make it visible to the app."""
    async with sessionmaker() as session:
        yield session


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver"
    ) as client:
        yield client
