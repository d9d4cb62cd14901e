"""The outbox: claims that never overlap, leases, fencing and recovery, on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope, utcnow
from app.mailings.delivery import outbox
from app.mailings.delivery.outbox import Result
from app.mailings.models import MailAttempt, Mailing, OutboxMessage
from app.mailings.planning import service
from app.samples.models import Wave
from tests.fixtures.mailings import (
    ACTOR,
    create_mailing,
    create_open_wave,
    create_people_in_bulk,
    schedule,
)

pytestmark = pytest.mark.asyncio
LEASE = dt.timedelta(seconds=60)


@pytest_asyncio.fixture
async def worker_sessionmakers(
    settings: Settings,
) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """Four independent connections pools, as four worker processes would have."""
    engines = [create_engine(settings.database_url) for _ in range(4)]
    yield [create_sessionmaker(e) for e in engines]
    for engine in engines:
        await engine.dispose()


async def enqueue(session: AsyncSession, settings: Settings, count: int) -> int:
    wave = await create_open_wave(session)
    await create_people_in_bulk(session, settings, wave=wave, count=count)
    mailing = await create_mailing(session, settings, wave=wave)
    await schedule(session, wave=wave, mailing=mailing)
    return mailing.id


async def rows(session: AsyncSession) -> dict[int, OutboxMessage]:
    await session.rollback()  # a fresh snapshot (SQLite WAL keeps the old one)
    return {r.id: r for r in await session.scalars(select(OutboxMessage))}


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    limit: int = 10,
    worker: str = "w",
) -> outbox.Claim | None:
    async with session_scope(sessionmaker) as session:
        return await outbox.claim_batch(
            session,
            worker=worker,
            limit=limit,
            lease=LEASE,
            now=utcnow(),
            transport="smtp",
        )


async def expire_leases(session: AsyncSession) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lease_expires_at.is_not(None))
        .values(lease_expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    await session.commit()


class TestClaimBatch:
    async def test_concurrent_claimers_never_share_a_row(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 120)

        async def drain(sm: async_sessionmaker[AsyncSession], name: str) -> list[int]:
            got: list[int] = []
            while (batch := await claim(sm, limit=7, worker=name)) is not None:
                got += batch.ids
            return got

        claimed = await asyncio.gather(
            *(drain(sm, f"w{i}") for i, sm in enumerate(worker_sessionmakers))
        )
        flat = [i for ids in claimed for i in ids]
        assert len(flat) == len(set(flat)) == 120
        assert all(r.status == "claimed" for r in (await rows(session)).values())

    async def test_skip_locked_lets_a_second_worker_past_an_open_claim(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        if not settings.database_url.startswith("postgresql"):
            pytest.skip("SQLite serialises writers; there is no open claim to skip")
        await enqueue(session, settings, 20)
        first, second = worker_sessionmakers[:2]
        async with first() as open_tx:  # claims and holds its transaction open
            held = await outbox.claim_batch(
                open_tx,
                worker="a",
                limit=10,
                lease=LEASE,
                now=utcnow(),
                transport="smtp",
            )
            other = await asyncio.wait_for(claim(second, limit=20, worker="b"), 10)
            assert held is not None and other is not None
            assert not set(held.ids) & set(other.ids)
            assert len(other.ids) == 10
            await open_tx.commit()

    async def test_future_rows_and_paused_mailings_are_not_claimed(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        mailing_id = await enqueue(session, settings, 6)
        ids = sorted((await rows(session)).keys())
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids[:3]))
            .values(due_at=utcnow() + dt.timedelta(hours=1))
        )
        await session.commit()
        got = await claim(worker_sessionmakers[0])
        assert got is not None and got.ids == ids[3:]
        mailing = await service.require_mailing(
            session, wave=await _wave_of(session, mailing_id), name="uitnodiging"
        )
        await service.pause_mailing(session, mailing=mailing, actor=ACTOR)
        await session.commit()
        await session.execute(
            update(OutboxMessage).values(status="pending", due_at=utcnow())
        )
        await session.commit()
        assert await claim(worker_sessionmakers[0]) is None


async def _wave_of(session: AsyncSession, mailing_id: int) -> Wave:
    mailing = await session.get(Mailing, mailing_id)
    assert mailing is not None
    wave = await session.get(Wave, mailing.wave_id)
    assert wave is not None
    return wave


class TestLeasesAndFencing:
    async def test_expired_claims_go_back_and_handed_ones_become_unknown(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 6)
        sm = worker_sessionmakers[0]
        got = await claim(sm)
        assert got is not None
        async with session_scope(sm) as s:
            handed = await outbox.mark_handed(
                s, token=got.token, ids=got.ids[:2], now=utcnow(), lease=LEASE
            )
        assert handed == got.ids[:2]
        await expire_leases(session)
        async with session_scope(sm) as s:
            reaped = await outbox.reap_expired(s, now=utcnow())
        assert reaped.unknown == got.ids[:2]
        assert reaped.released == 4
        state = await rows(session)
        assert [state[i].status for i in got.ids] == ["unknown"] * 2 + ["pending"] * 4
        assert state[got.ids[0]].attempts == 1
        logged = list(await session.scalars(select(MailAttempt.outcome)))
        assert logged == ["unknown", "unknown"]

    async def test_catcher_rows_are_released_not_unknown(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 2)
        sm = worker_sessionmakers[0]
        async with session_scope(sm) as s:
            got = await outbox.claim_batch(
                s, worker="w", limit=5, lease=LEASE, now=utcnow(), transport="catcher"
            )
            assert got is not None
            await outbox.mark_handed(
                s, token=got.token, ids=got.ids, now=utcnow(), lease=LEASE
            )
        await expire_leases(session)
        async with session_scope(sm) as s:
            reaped = await outbox.reap_expired(s, now=utcnow())
        assert reaped.unknown == [] and reaped.released == 2

    async def test_a_stale_worker_cannot_record_over_a_newer_claim(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 1)
        sm = worker_sessionmakers[0]
        stale = await claim(sm, worker="stale")
        assert stale is not None
        await expire_leases(session)
        async with session_scope(sm) as s:
            await outbox.reap_expired(s, now=utcnow())
        fresh = await claim(sm, worker="fresh")
        assert fresh is not None and fresh.ids == stale.ids
        row_id = stale.ids[0]
        async with session_scope(sm) as s:
            recorded = await outbox.record_results(
                s, token=stale.token, worker="stale", now=utcnow(), max_attempts=3,
                results=[Result(row_id, "permanent", utcnow(), code=550, reply="no")],
            )  # fmt: skip
        assert recorded == []
        state = (await rows(session))[row_id]
        assert state.status == "claimed" and state.claim_token == fresh.token
        async with session_scope(sm) as s:
            recorded = await outbox.record_results(
                s, token=fresh.token, worker="fresh", now=utcnow(), max_attempts=3,
                results=[Result(row_id, "sent", utcnow(), code=250, reply="ok")],
            )  # fmt: skip
        assert recorded == [row_id]
        assert (await rows(session))[row_id].status == "sent"

    async def test_a_late_result_resolves_an_unknown_fate(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 1)
        sm = worker_sessionmakers[0]
        slow = await claim(sm, worker="slow")
        assert slow is not None
        async with session_scope(sm) as s:
            await outbox.mark_handed(
                s, token=slow.token, ids=slow.ids, now=utcnow(), lease=LEASE
            )
        await expire_leases(session)
        async with session_scope(sm) as s:
            assert (await outbox.reap_expired(s, now=utcnow())).unknown == slow.ids
        async with session_scope(sm) as s:
            await outbox.record_results(
                s, token=slow.token, worker="slow", now=utcnow(), max_attempts=3,
                results=[Result(slow.ids[0], "sent", utcnow(), code=250, reply="ok")],
            )  # fmt: skip
        assert (await rows(session))[slow.ids[0]].status == "sent"

    async def test_heartbeat_renews_only_live_claims(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 3)
        sm = worker_sessionmakers[0]
        got = await claim(sm)
        assert got is not None
        later = utcnow() + dt.timedelta(hours=1)
        async with session_scope(sm) as s:
            assert await outbox.renew_leases(s, tokens=[got.token], until=later) == 3
            assert (
                await outbox.renew_leases(s, tokens=["someone-else"], until=later) == 0
            )
        assert all(r.lease_expires_at == later for r in (await rows(session)).values())


class TestRecordResults:
    async def test_temporary_failures_retry_then_give_up(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sessionmakers: list[async_sessionmaker[AsyncSession]],
    ) -> None:
        await enqueue(session, settings, 1)
        sm = worker_sessionmakers[0]
        for round_ in range(3):
            got = await claim(sm)
            assert got is not None, round_
            due = utcnow() - dt.timedelta(seconds=1)
            async with session_scope(sm) as s:
                await outbox.mark_handed(
                    s, token=got.token, ids=got.ids, now=utcnow(), lease=LEASE
                )
                await outbox.record_results(
                    s, token=got.token, worker="w", now=utcnow(), max_attempts=3,
                    results=[Result(got.ids[0], "temporary", utcnow(), code=451,
                                    reply="greylisted", next_due=due)],
                )  # fmt: skip
        row = next(iter((await rows(session)).values()))
        assert row.status == "failed"
        assert row.temp_failures == 3 and row.attempts == 3
        assert row.last_code == 451
        outcomes = list(await session.scalars(select(MailAttempt.outcome)))
        assert outcomes == ["temporary"] * 3
