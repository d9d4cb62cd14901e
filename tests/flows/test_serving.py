"""A serving process compiles the versions in the field before it settles its
heap: the first respondent then finds them compiled. Both databases."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.flows import publishing, serving
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.service import CompiledVersions, load_stored_version
from app.samples import service as samples_service
from tests.fixtures.surveys import MINI

pytestmark = pytest.mark.asyncio


async def test_fielded_versions_are_compiled_at_start_and_only_those(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    folder = settings.questionnaires_dir / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.yaml").write_text(MINI, encoding="utf-8")
    (folder / "2.yaml").write_text(
        MINI.replace('version: "1"', 'version: "2"'), encoding="utf-8"
    )
    async with session_scope(sessionmaker) as session:
        await samples_service.create_wave(session, slug="w-2025", name="W")
        fielded = await publishing.publish_into_wave(
            session, path=folder / "1.yaml", wave_slug="w-2025", actor="cli:test"
        )
        shelved = await publishing.publish_into_wave(
            session, path=folder / "2.yaml", wave_slug=None, actor="cli:test"
        )
    assert fielded.version.id != shelved.version.id

    loaded: list[int] = []

    async def counting_loader(db: Any, version_id: int) -> QuestionnaireVersion | None:
        loaded.append(version_id)
        return await load_stored_version(db, version_id)

    versions = CompiledVersions(counting_loader)
    assert await serving.compile_fielded_versions(sessionmaker, versions) == 1
    assert loaded == [fielded.version.id]

    async with session_scope(sessionmaker) as session:
        found = await versions.by_id(session, fielded.version.id)
    assert found is not None and found[0].id == fielded.version.id
    assert loaded == [fielded.version.id]  # from the cache, not loaded again


async def test_a_database_without_tables_does_not_stop_the_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A serving process may start before ``db upgrade`` ran or while the
    database is away: the head start is skipped with a warning, not a crash."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        versions = CompiledVersions()
        with caplog.at_level(logging.WARNING, logger="app.flows.serving"):
            compiled = await serving.compile_fielded_versions(
                create_sessionmaker(engine), versions
            )
    finally:
        await engine.dispose()
    assert compiled == 0
    assert "not compiled at start" in caplog.text
