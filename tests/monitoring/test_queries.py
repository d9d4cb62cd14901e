"""The trigger-kept tallies equal a live count of invitations, whatever changes.

Every change here goes through plain ORM updates and deletes, as the other
domains will make them; the triggers must catch each one on both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.monitoring import queries, service, tallies
from app.monitoring.models import MonitorCount, MonitorDelta
from app.samples.models import Invitation, Wave
from tests.fixtures.monitoring import create_wave, invite

pytestmark = pytest.mark.asyncio


async def assert_match(
    session: AsyncSession, wave: Wave, questionnaire: str = "officials"
) -> None:
    def as_set(counts: list[tallies.GroupCount]) -> set[tuple[object, ...]]:
        return {(tuple(sorted(c.values.items())), c.state, c.n) for c in counts}

    tallied = await queries.group_counts(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    live = await tallies.live_group_counts(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    assert as_set(tallied) == as_set(live)


async def few(
    session: AsyncSession, settings: Settings, wave: Wave
) -> list[Invitation]:
    made = [
        await invite(session, settings, wave=wave, function="burgemeester"),
        await invite(
            session, settings, wave=wave, function="wethouder", status="started"
        ),
        await invite(
            session, settings, wave=wave, function="raadslid", status="complete"
        ),
        await invite(
            session, settings, wave=wave, function="raadslid", email_kind="algemeen"
        ),
    ]
    await session.commit()
    return made


class TestTriggers:
    async def test_inserts_are_counted_before_and_after_folding(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await few(session, settings, wave)
        await assert_match(session, wave)  # read straight from the deltas
        assert await tallies.fold_deltas(session) > 0
        await session.commit()
        assert await tallies.pending_deltas(session) == 0
        await assert_match(session, wave)

    async def test_pages_fold_only_a_backlog(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await few(session, settings, wave)
        waiting = await tallies.pending_deltas(session)
        assert waiting > 0
        assert await tallies.fold_backlog(session, threshold=waiting + 1) == 0
        assert await tallies.pending_deltas(session) == waiting
        await assert_match(session, wave)  # unfolded deltas are read as well
        assert await tallies.fold_backlog(session, threshold=waiting) == waiting
        await session.commit()
        assert await tallies.pending_deltas(session) == 0
        await assert_match(session, wave)

    async def test_every_kind_of_change_is_followed(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        first, second, third, fourth = await few(session, settings, wave)
        await tallies.fold_deltas(session)
        await session.commit()
        now = dt.datetime(2024, 4, 20, 12, tzinfo=dt.UTC)
        changes = [
            {"status": "response", "response_at": now},
            {"undeliverable_at": now},
            {"opted_out_at": now},
            {"ineligible_at": now},
            {"first_mailed_at": None},
            {"is_test": True},
            {"revoked_at": now},
            {
                "function": "wethouder",
                "tier": "gemeente",
                "function_type": "dagelijks_bestuur",
            },
            {"gender": "vrouw", "email_kind": "persoonlijk", "panel": "flitspanel"},
            {"questionnaire": "employees"},
            {"last_activity_at": now},  # not monitored: no delta
        ]
        for values in changes:
            await session.execute(
                update(Invitation).where(Invitation.id == first.id).values(**values)
            )
            await session.commit()
            await assert_match(session, wave)
            await assert_match(session, wave, "employees")
        await session.execute(
            update(Invitation).values(status="complete", completed_at=now)
        )
        await session.execute(
            delete(Invitation).where(Invitation.id.in_([second.id, third.id]))
        )
        await session.commit()
        await assert_match(session, wave)
        await tallies.fold_deltas(session)
        await session.commit()
        await assert_match(session, wave)
        assert fourth.id

    async def test_unmonitored_updates_write_no_delta(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        made = await few(session, settings, wave)
        await tallies.fold_deltas(session)
        await session.commit()
        await session.execute(
            update(Invitation)
            .where(Invitation.id == made[0].id)
            .values(
                last_activity_at=dt.datetime(2024, 4, 20, tzinfo=dt.UTC),
                last_mailed_at=None,
            )
        )
        await session.commit()
        assert await tallies.pending_deltas(session) == 0
        # a watched column that changes without moving the invitation: the
        # response time within the same hour (third is complete, 10:00 UTC)
        await session.execute(
            update(Invitation)
            .where(Invitation.id == made[2].id)
            .values(response_at=dt.datetime(2024, 4, 16, 10, 45, tzinfo=dt.UTC))
        )
        await session.commit()
        assert await tallies.pending_deltas(session) == 0

    async def test_deleting_the_wave_leaves_no_counts_behind(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await few(session, settings, wave)
        await session.execute(delete(Wave).where(Wave.id == wave.id))
        await session.commit()
        await tallies.fold_deltas(session)
        await session.commit()
        assert (
            await queries.group_counts(
                session, wave_id=wave.id, questionnaire="officials"
            )
            == []
        )


class TestCurve:
    async def test_hours_of_reaching_the_threshold(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        at = dt.datetime(
            2024, 4, 16, 22, 30, tzinfo=dt.UTC
        )  # 00:30 on the 17th in Amsterdam
        for function in ("burgemeester", "wethouder"):
            await invite(
                session,
                settings,
                wave=wave,
                function=function,
                status="response",
                response_at=at,
            )
        done = await invite(
            session,
            settings,
            wave=wave,
            function="raadslid",
            status="complete",
            response_at=at,
        )
        await invite(
            session,
            settings,
            wave=wave,
            function="raadslid",
            status="started",
            response_at=at,
        )
        await session.commit()
        rows = await queries.curve_counts(
            session, wave_id=wave.id, questionnaire="officials", key="function_type"
        )
        assert sorted(rows) == [
            ("dagelijks_bestuur", "2024-04-16 22", 1),
            ("volksvertegenwoordiger", "2024-04-16 22", 1),
            ("voorzitter", "2024-04-16 22", 1),
        ]
        # a response taken back (a test reset) leaves the curve again
        await session.execute(
            update(Invitation).where(Invitation.id == done.id).values(status="started")
        )
        await session.commit()
        await tallies.fold_deltas(session)
        await session.commit()
        rows = await queries.curve_counts(
            session, wave_id=wave.id, questionnaire="officials", key="tier"
        )
        assert rows == [("gemeente", "2024-04-16 22", 2)]


class TestRepair:
    async def test_recount_rebuilds_damaged_tallies(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await few(session, settings, wave)
        await tallies.fold_deltas(session)
        await session.execute(delete(MonitorCount).where(MonitorCount.state == 56))
        await session.commit()
        assert not await service.tallies_match(
            session, wave=wave, questionnaire="officials"
        )
        await tallies.recount(session, wave_id=wave.id, questionnaire="officials")
        await session.commit()
        assert await service.tallies_match(
            session, wave=wave, questionnaire="officials"
        )
        assert await session.scalar(select(func.count()).select_from(MonitorDelta)) == 0


class TestConcurrentFolds:
    async def test_two_sessions_folding_at_once_count_everything_once(
        self,
        session: AsyncSession,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        wave = await create_wave(session)
        await few(session, settings, wave)
        await session.close()
        async with sessionmaker() as one, sessionmaker() as two:
            moved_one = await tallies.fold_deltas(one)
            if settings.is_sqlite:
                await one.commit()  # SQLite has one writer at a time
            moved_two = await tallies.fold_deltas(two)
            await one.commit()
            await two.commit()
        assert moved_one > 0 and moved_two == 0
        async with sessionmaker() as check:
            await assert_match(check, wave)


class TestMailingMarkers:
    async def test_each_mailing_is_marked_when_its_first_real_mail_left(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        from app.mailings.models import OutboxMessage
        from tests.fixtures import mailings as mf

        wave = await mf.create_open_wave(session)
        for n in range(3):
            await mf.create_person(
                session, settings, wave=wave, email=f"p{n}@a.test", name=f"P{n}"
            )
        invitation = await mf.create_mailing(session, settings, wave=wave)
        reminder = await mf.create_mailing(
            session, settings, wave=wave, name="herinnering-1", kind="reminder"
        )
        unsent = await mf.create_mailing(
            session, settings, wave=wave, name="herinnering-2", kind="reminder"
        )
        for mailing in (invitation, reminder, unsent):
            await mf.schedule(session, wave=wave, mailing=mailing)
        first = dt.datetime(2026, 5, 12, 9, 0, tzinfo=dt.UTC)
        rows = list(await session.scalars(select(OutboxMessage)))
        for i, row in enumerate(r for r in rows if r.mailing_id == invitation.id):
            row.sent_at = first + dt.timedelta(minutes=i)
        for row in (r for r in rows if r.mailing_id == reminder.id):
            row.sent_at = first + dt.timedelta(days=7)
        test_row = next(r for r in rows if r.mailing_id == unsent.id)
        test_row.is_test, test_row.sent_at = True, first  # a test mail is no marker
        await session.commit()

        markers = await queries.mailing_markers(
            session, wave_id=wave.id, questionnaire="officials"
        )
        assert [(m.label, m.at) for m in markers] == [
            ("uitnodiging", first),
            ("herinnering-1", first + dt.timedelta(days=7)),
        ]
        assert (
            await queries.mailing_markers(
                session, wave_id=wave.id, questionnaire="employees"
            )
            == []
        )
