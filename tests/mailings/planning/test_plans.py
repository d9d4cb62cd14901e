"""Mailing plans and scheduling, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput
from app.mailings.errors import (
    MailingExists,
    MailingNotSchedulable,
    MailingStateConflict,
    NotMailed,
)
from app.mailings.models import MailingStatus, OutboxMessage
from app.mailings.planning import service
from app.mailings.planning.schemas import (
    AfterMailing,
    AfterRecess,
    Audience,
    MailingCreate,
    OnOpening,
    RecessCreate,
)
from tests.fixtures.mailings import (
    ACTOR,
    create_mailing,
    create_person,
    create_wave_2024,
    schedule,
)

pytestmark = pytest.mark.asyncio
AMS = ZoneInfo("Europe/Amsterdam")


async def outbox_rows(session: AsyncSession) -> list[OutboxMessage]:
    session.expire_all()
    return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class TestCreateMailing:
    async def test_employees_are_not_mailed_by_us(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        with pytest.raises(NotMailed):
            await service.create_mailing(
                session, settings, wave=wave, actor=ACTOR,
                data=MailingCreate.model_construct(
                    questionnaire="employees", name="x", kind="invitation",
                    template=None, rule=OnOpening(), audience=Audience(),
                ),
            )  # fmt: skip

    async def test_missing_template_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        with pytest.raises(InvalidInput, match="mailsjabloon 'herinnering-extra'"):
            await service.create_mailing(
                session, settings, wave=wave, actor=ACTOR,
                data=MailingCreate(
                    questionnaire="officials", name="x", kind="reminder",
                    template="herinnering-extra", rule=OnOpening(),
                ),
            )  # fmt: skip

    async def test_duplicate_name_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        await create_mailing(session, settings, wave=wave, rule=OnOpening())
        with pytest.raises(MailingExists):
            await create_mailing(session, settings, wave=wave, rule=OnOpening())

    async def test_reference_to_unknown_mailing_is_refused(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        with pytest.raises(InvalidInput, match="die niet bestaat"):
            await create_mailing(
                session, settings, wave=wave, name="herinnering", kind="reminder",
                rule=AfterMailing(mailing="uitnodiging", days=7),
            )  # fmt: skip


class TestResolvePlan:
    async def test_plan_shows_moments_reach_and_warnings(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        for i in range(3):
            await create_person(session, settings, wave=wave, email=f"r{i}@a.test")
        await create_person(
            session, settings, wave=wave, email="p@b.test", tier="provincie",
            function="statenlid",
        )  # fmt: skip
        await create_person(
            session, settings, wave=wave, email="done@a.test", status="complete"
        )
        await create_mailing(session, settings, wave=wave, rule=OnOpening())
        await create_mailing(
            session, settings, wave=wave, name="herinnering", kind="reminder",
            rule=AfterRecess(recess="meireces", working_days=2),
        )  # fmt: skip
        await create_mailing(
            session, settings, wave=wave, name="te-laat", kind="reminder",
            rule=AfterMailing(mailing="uitnodiging", days=60),
        )  # fmt: skip
        plan = await service.resolve_wave_plan(session, wave=wave)
        by_name = {p.mailing.name: p for p in plan.mailings}
        invitation = by_name["uitnodiging"]
        assert invitation.reach == {"gemeente": 3, "provincie": 1}
        assert invitation.reach_total == 4
        assert [
            m.at.astimezone(AMS).replace(tzinfo=None)
            for m in invitation.moments
            if m.at
        ] == [dt.datetime(2024, 4, 16, 9, 0)]
        reminder = by_name["herinnering"]
        assert reminder.first_moment is not None
        assert reminder.first_moment.astimezone(AMS).date() == dt.date(2024, 5, 7)
        assert not reminder.warnings
        assert {w.code for w in by_name["te-laat"].warnings} == {"after_window"}


class TestScheduleMailing:
    async def test_enqueues_the_audience_once_with_per_tier_moments(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        await service.add_recess(
            session, wave=wave, actor=ACTOR,
            data=RecessCreate(name="meireces", tier="provincie",
                              starts_on=dt.date(2024, 4, 27), ends_on=dt.date(2024, 5, 12)),
        )  # fmt: skip
        council, _ = await create_person(session, settings, wave=wave, email="r@a.test")
        states, _ = await create_person(
            session,
            settings,
            wave=wave,
            email="s@b.test",
            tier="provincie",
            function="statenlid",
        )
        mailing = await create_mailing(
            session, settings, wave=wave, name="na-reces", kind="reminder",
            rule=AfterRecess(recess="meireces", working_days=2),
        )  # fmt: skip
        council_id, states_id = council.id, states.id
        assert await schedule(session, wave=wave, mailing=mailing) == 2
        rows = {r.invitation_id: r for r in await outbox_rows(session)}
        assert rows[council_id].send_at.astimezone(AMS).date() == dt.date(2024, 5, 7)
        assert rows[states_id].send_at.astimezone(AMS).date() == dt.date(2024, 5, 14)
        assert all(
            r.due_at == r.send_at and r.status == "pending" for r in rows.values()
        )
        await session.refresh(mailing)
        assert mailing.status == MailingStatus.scheduled.value

    async def test_excludes_who_must_not_get_mail(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        wanted, _ = await create_person(session, settings, wave=wave, email="ok@a.test")
        started, _ = await create_person(
            session, settings, wave=wave, email="s@a.test", status="started"
        )
        await create_person(
            session, settings, wave=wave, email="c@a.test", status="complete"
        )
        await create_person(session, settings, wave=wave, email=None)
        out, _ = await create_person(session, settings, wave=wave, email="o@a.test")
        out.opted_out_at = utcnow()
        bounced, _ = await create_person(session, settings, wave=wave, email="b@a.test")
        bounced.undeliverable_at = utcnow()
        revoked, _ = await create_person(session, settings, wave=wave, email="x@a.test")
        revoked.revoked_at = utcnow()
        test_inv, _ = await create_person(
            session, settings, wave=wave, email="t@a.test"
        )
        test_inv.is_test = True
        await create_person(
            session,
            settings,
            wave=wave,
            email="org@a.test",
            questionnaire="organisations",
        )
        mailing = await create_mailing(session, settings, wave=wave, rule=OnOpening())
        expected = {wanted.id, started.id}
        await schedule(session, wave=wave, mailing=mailing)
        assert {r.invitation_id for r in await outbox_rows(session)} == expected

    async def test_only_without_response_and_function_filter(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        mayor, _ = await create_person(
            session, settings, wave=wave, email="m@a.test", function="burgemeester"
        )
        await create_person(
            session, settings, wave=wave, email="m2@a.test", function="burgemeester",
            status="response",
        )  # fmt: skip
        await create_person(session, settings, wave=wave, email="r@a.test")
        mailing = await create_mailing(
            session, settings, wave=wave, rule=OnOpening(),
            audience=Audience(only_without_response=True, functions=("burgemeester",)),
        )  # fmt: skip
        mayor_id = mayor.id
        await schedule(session, wave=wave, mailing=mailing)
        assert [r.invitation_id for r in await outbox_rows(session)] == [mayor_id]

    async def test_scheduling_again_adds_only_newcomers(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        await create_person(session, settings, wave=wave, email="a@a.test")
        mailing = await create_mailing(session, settings, wave=wave, rule=OnOpening())
        assert await schedule(session, wave=wave, mailing=mailing) == 1
        assert await schedule(session, wave=wave, mailing=mailing) == 0
        await create_person(session, settings, wave=wave, email="late@a.test")
        assert await schedule(session, wave=wave, mailing=mailing) == 1
        rows = await outbox_rows(session)
        assert len(rows) == 2
        assert len({r.dedup_key for r in rows}) == 2

    async def test_unresolvable_rule_cannot_be_scheduled(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        await create_person(session, settings, wave=wave, email="a@a.test")
        mailing = await create_mailing(
            session,
            settings,
            wave=wave,
            rule=AfterRecess(recess="zomerreces", working_days=1),
        )
        with pytest.raises(MailingNotSchedulable, match="zomerreces"):
            await service.schedule_mailing(
                session, wave=wave, mailing=mailing, actor=ACTOR
            )
        count = await session.scalar(select(func.count()).select_from(OutboxMessage))
        assert count == 0


class TestPauseResumeCancel:
    async def test_state_changes_and_refusals(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave_2024(session)
        await create_person(session, settings, wave=wave, email="a@a.test")
        mailing = await create_mailing(session, settings, wave=wave, rule=OnOpening())
        with pytest.raises(MailingStateConflict):
            await service.pause_mailing(session, mailing=mailing, actor=ACTOR)
        await schedule(session, wave=wave, mailing=mailing)
        await service.pause_mailing(session, mailing=mailing, actor=ACTOR)
        assert mailing.status == "paused" and mailing.paused_at is not None
        await service.resume_mailing(session, mailing=mailing, actor=ACTOR)
        assert mailing.status == "scheduled"
        assert await service.cancel_mailing(session, mailing=mailing, actor=ACTOR) == 1
        assert [r.status for r in await outbox_rows(session)] == ["cancelled"]
        await session.refresh(mailing)
        with pytest.raises(MailingStateConflict):
            await service.delete_mailing(session, mailing=mailing, actor=ACTOR)
