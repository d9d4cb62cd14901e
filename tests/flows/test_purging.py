"""Purging a wave's contacts and the mail traces quoting them, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.flows import purging
from app.samples import service as samples_service
from app.samples.design import preset
from app.samples.errors import WavePurged
from app.samples.models import Contact, Frame, FrameRejection, Invitation, Sample
from app.staff.models import AuditEvent
from tests.fixtures.samples import (
    create_wave,
    csv_bytes,
    draw,
    import_bytes,
    import_demo,
    official,
)

pytestmark = pytest.mark.asyncio


async def count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


class TestPurgeContacts:
    async def test_names_go_responses_counts_and_summaries_stay(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave, kind="organisations")
        bad = await import_bytes(
            session,
            settings,
            wave,
            csv_bytes([["X", "nope", "gemeente", "G", "raadslid"]]),
        )
        assert bad.rejection is not None
        sample = await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        invitation = await session.scalar(
            select(Invitation).where(Invitation.organisation_code == "GM0363")
        )
        assert invitation is not None and invitation.contact_id is not None
        invitation.status = "complete"
        await session.commit()

        purge = await purging.purge_contacts(session, wave=wave, actor="cli:test")
        await session.commit()

        assert (purge.contacts, purge.invitations, purge.rejections) == (30, 30, 1)
        assert await count(session, Contact) == 0
        assert await count(session, FrameRejection) == 0
        await session.refresh(invitation)
        await session.refresh(wave)
        assert invitation.contact_id is None
        # the sample attributes stay, what names the person through them goes
        assert (invitation.status, invitation.tier, invitation.organisation) == (
            "complete",
            "gemeente",
            None,
        )
        assert wave.contacts_purged_at is not None
        stored = await session.get(Sample, sample.id)
        assert stored is not None and stored.summary["sampled"] == 30
        assert await count(session, Frame) == 1  # the record of the import stays
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "wave.purge_contacts")
        )
        assert audit is not None and audit.details["contacts"] == 30

    async def test_purged_wave_refuses_imports_and_draws(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        slug = wave.slug
        await purging.purge_contacts(session, wave=wave, actor="cli:test")
        await session.commit()
        with pytest.raises(WavePurged):
            await import_bytes(session, settings, wave, csv_bytes([official(1)]))
        await session.rollback()
        wave = await samples_service.require_wave(session, slug)
        with pytest.raises(WavePurged):
            await draw(session, settings, wave, preset("census"))
        await session.rollback()
        assert await count(session, Contact) == 0
