"""Helpers for click commands: one transaction per command, migrations, audit actor.

Kept apart from ``app.cli`` so domain command modules can import them without
importing the command assembly (which imports them).
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.web import PROJECT_ROOT

T = TypeVar("T")


def cli_actor() -> str:
    """Audit-log name for actions taken on the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def run_in_session(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """Run one unit of work in its own transaction and return its result.

    A SQLite file in a folder that does not exist is refused before connecting:
    the failed connect would leave aiosqlite's thread posting to a closed event
    loop, a traceback after the one line of advice."""
    if settings.is_sqlite and ":///" in settings.database_url:
        path = settings.database_url.split(":///", 1)[1]
        if path and path != ":memory:" and not Path(path).parent.is_dir():
            raise click.ClickException(
                f"cannot open the database {settings.database_url}: set "
                "VELDWERK_DATABASE_URL to an existing database, or run "
                "`veldwerk db upgrade` to create it"
            )

    async def runner() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def alembic_config(settings: Settings) -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = settings.database_url
    return config


def ensure_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite and ":///" in settings.database_url:
        path = settings.database_url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def upgrade_database(settings: Settings) -> None:
    ensure_sqlite_dir(settings)
    alembic_command.upgrade(alembic_config(settings), "heads")
