"""Publishing a version into a wave: questionnaires publishes, samples fields it,
the audit log records the publication once. Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import NotFound
from app.flows import publishing
from app.samples import service as samples_service
from app.staff.models import AuditEvent
from tests.fixtures.surveys import MINI

pytestmark = pytest.mark.asyncio


def write_file(settings: Settings, text: str = MINI) -> None:
    folder = settings.questionnaires_dir / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.yaml").write_text(text, encoding="utf-8")


async def audit_actions(session: AsyncSession) -> list[str]:
    return list(
        await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    )


class TestPublishIntoWave:
    async def test_new_starters_of_the_wave_get_the_published_version(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        wave = await samples_service.create_wave(session, slug="w-2025", name="W")
        published = await publishing.publish_into_wave(
            session,
            path=settings.questionnaires_dir / "mini" / "1.yaml",
            wave_slug="w-2025",
            actor="cli:test",
        )
        assert published.is_new and published.wave is not None
        assert published.wave.id == wave.id
        entry = await samples_service.get_wave_questionnaire(
            session, wave_id=wave.id, questionnaire="mini"
        )
        assert entry is not None and entry.version_id == published.version.id
        assert await audit_actions(session) == ["questionnaire.publish"]

    async def test_republishing_unchanged_logs_nothing_new(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        path = settings.questionnaires_dir / "mini" / "1.yaml"
        first = await publishing.publish_into_wave(
            session, path=path, wave_slug=None, actor="cli:test"
        )
        again = await publishing.publish_into_wave(
            session, path=path, wave_slug=None, actor="cli:test"
        )
        assert first.is_new and not again.is_new and again.wave is None
        assert again.version.id == first.version.id
        assert await audit_actions(session) == ["questionnaire.publish"]

    async def test_an_unknown_wave_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        with pytest.raises(NotFound):
            await publishing.publish_into_wave(
                session,
                path=settings.questionnaires_dir / "mini" / "1.yaml",
                wave_slug="no-such-wave",
                actor="cli:test",
            )
