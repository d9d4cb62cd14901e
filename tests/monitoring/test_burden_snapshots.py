"""Stored break-off views: equal to the fresh computation, refreshed when stale.

On the scripted wave of ``test_burden`` (real respondent pages, both
databases): the stored view read back equals a fresh computation field for
field (and its CSV byte for byte); the worker's task refreshes only what
changed; the page shows the stored view with its time and "Nu bijwerken"
recomputes it (CSRF, roles); two refreshes never leave an older view behind.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import statistics

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_sessionmaker
from app.flows.worker import background_worker
from app.monitoring import burden_data, burden_snapshots, burden_views
from app.monitoring.cli import monitor_group
from app.monitoring.models import BurdenSnapshot
from app.monitoring.tasks import refresh_burden_snapshots
from app.responses.models import Response
from app.samples.models import Wave
from app.staff.models import Role
from tests.fixtures.paradata import scripted_wave
from tests.fixtures.staff import logged_in
from tests.monitoring.test_burden import expected, p90

pytestmark = pytest.mark.asyncio


def _days(n: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


async def test_stored_view_equals_the_fresh_computation(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    later = _days(2)
    fresh = await burden_data.burden_by_version(
        session, wave=wave, questionnaire="mini", now=later
    )
    await burden_snapshots.refresh_burden(
        session, wave=wave, questionnaire="mini", now=later
    )
    await session.commit()
    stored = await burden_snapshots.read(session, wave=wave, questionnaire="mini")
    assert stored is not None and stored.computed_at == later
    assert [v.version for v in stored.versions] == [v.version for v in fresh]
    for new, old in zip(stored.versions, fresh, strict=True):
        assert burden_snapshots.report_to_json(
            new.report
        ) == burden_snapshots.report_to_json(old.report)
        assert new.report.still_in() == old.report.still_in()
        assert [p.page.id for p in new.report.by_break_off()] == [
            p.page.id for p in old.report.by_break_off()
        ]
        assert burden_views.funnel(new.report) == burden_views.funnel(old.report)
    assert burden_views.burden_csv(
        [v.report for v in stored.versions]
    ) == burden_views.burden_csv([v.report for v in fresh])
    # And the stored figures against the independent count of the scripts.
    report = stored.versions[0].report
    assert (report.started, report.complete, report.left, report.busy) == (8, 4, 4, 0)
    want = expected()
    for page in report.pages:
        e = want[page.page.id]
        times: list[float] = e["times"]  # type: ignore[assignment]
        assert (page.reached, page.left, page.paused, page.timed) == (
            e["reached"],
            e["left"],
            e["paused"],
            len(times),
        ), page.page.id
        if times:
            assert page.median_seconds == pytest.approx(
                statistics.median(times), abs=1.0
            )
            assert page.p90_seconds == pytest.approx(p90(times), abs=1.0)
    routes = {r.label: r for r in report.routes}
    assert routes["Zonder optionele blokken"].median_seconds == pytest.approx(
        statistics.median([10 + 15 + 25 + 5, 16 + 21 + 19 + 7]), abs=2.0
    )


async def _answer_again(session: AsyncSession, when: dt.datetime) -> None:
    first = await session.scalar(select(Response.id).order_by(Response.id).limit(1))
    await session.execute(
        update(Response).where(Response.id == first).values(updated_at=when)
    )
    await session.commit()


async def test_refreshed_only_when_stale(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    now = dt.datetime.now(dt.UTC)
    assert await burden_snapshots.refresh_if_stale(
        session, wave=wave, questionnaire="mini", now=now
    )
    await session.commit()
    row = await session.get(BurdenSnapshot, (wave.id, "mini"))
    assert row is not None and row.responses == 8
    # Four respondents are busy: the view changes 24 hours after the oldest
    # of them last saved, even if nobody answers.
    saved = await session.scalar(
        select(func.min(Response.updated_at)).where(Response.status != "complete")
    )
    assert row.stale_after is not None and saved is not None
    assert abs((row.stale_after - saved).total_seconds() - 24 * 3600) < 1
    # Nothing changed: no work.
    later = now + dt.timedelta(minutes=5)
    assert not await burden_snapshots.refresh_if_stale(
        session, wave=wave, questionnaire="mini", now=later
    )
    # An answer saved: refreshed.
    await _answer_again(session, dt.datetime.now(dt.UTC))
    assert await burden_snapshots.refresh_if_stale(
        session, wave=wave, questionnaire="mini", now=later
    )
    await session.commit()
    assert not await burden_snapshots.refresh_if_stale(
        session, wave=wave, questionnaire="mini", now=later
    )
    # The quiet hours of a busy respondent pass: refreshed, and they left.
    row = await session.get(BurdenSnapshot, (wave.id, "mini"), populate_existing=True)
    assert row is not None and row.stale_after is not None
    after = row.stale_after + dt.timedelta(seconds=1)
    assert await burden_snapshots.refresh_if_stale(
        session, wave=wave, questionnaire="mini", now=after
    )
    await session.commit()
    stored = await burden_snapshots.read(session, wave=wave, questionnaire="mini")
    assert stored is not None and stored.versions[0].report.left >= 1


async def test_an_older_computation_never_overwrites_a_newer(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    newer, older = _days(2), dt.datetime.now(dt.UTC)
    await burden_snapshots.refresh_burden(
        session, wave=wave, questionnaire="mini", now=newer
    )
    await session.commit()
    await burden_snapshots.refresh_burden(
        session, wave=wave, questionnaire="mini", now=older
    )
    await session.commit()
    stored = await burden_snapshots.read(session, wave=wave, questionnaire="mini")
    assert stored is not None and stored.computed_at == newer
    assert stored.versions[0].report.left == 4  # as computed two days on


async def test_worker_task_refreshes_open_waves_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    wave = await scripted_wave(client, session, settings)
    assert await refresh_burden_snapshots(sessionmaker) == 1
    assert await refresh_burden_snapshots(sessionmaker) == 0
    await _answer_again(session, dt.datetime.now(dt.UTC))
    assert await refresh_burden_snapshots(sessionmaker) == 1
    # A wave closed more than a day ago is left alone.
    await session.execute(
        update(Wave)
        .where(Wave.id == wave.id)
        .values(closes_on=dt.date.today() - dt.timedelta(days=5))
    )
    await session.commit()
    await _answer_again(session, dt.datetime.now(dt.UTC))
    assert await refresh_burden_snapshots(sessionmaker) == 0


async def test_the_mail_worker_keeps_the_views(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    wave_id = (await scripted_wave(client, session, settings)).id
    await background_worker(settings, create_sessionmaker(engine)).run(until_idle=True)
    session.expire_all()
    row = await session.get(BurdenSnapshot, (wave_id, "mini"))
    assert row is not None and row.responses == 8


async def test_a_second_worker_skips_a_view_being_computed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    if settings.is_sqlite:
        pytest.skip("SQLite has one writer; the lock is PostgreSQL's")
    wave = await scripted_wave(client, session, settings)
    async with sessionmaker() as first, sessionmaker() as second:
        one = await first.get(Wave, wave.id)
        two = await second.get(Wave, wave.id)
        assert one is not None and two is not None
        assert await burden_snapshots.refresh_if_stale(
            first, wave=one, questionnaire="mini"
        )
        # The first has not committed: the second does not compute it again.
        assert not await burden_snapshots.refresh_if_stale(
            second, wave=two, questionnaire="mini"
        )
        await first.commit()
        await second.rollback()
    assert await session.scalar(select(func.count()).select_from(BurdenSnapshot)) == 1


class TestPage:
    async def test_page_reads_the_stored_view_until_refreshed(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await scripted_wave(client, session, settings)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/monitor/w2024/mini/uitval")
        assert page.status_code == 200, page.text
        assert "8 gestart, 4 afgerond, 0 gestopt, 4 nog bezig." in page.text
        assert "Stand van " in page.text and "Nu bijwerken" in page.text
        row = await session.get(BurdenSnapshot, (wave.id, "mini"))
        assert row is not None
        # Time passes for everyone: the stored view still shows what it knew.
        await session.execute(
            update(Response).values(updated_at=dt.datetime.now(dt.UTC) - _gap())
        )
        await session.commit()
        page = await client.get("/staff/monitor/w2024/mini/uitval")
        assert "0 gestopt, 4 nog bezig." in page.text
        download = await client.get("/staff/monitor/w2024/mini/uitval/download")
        rows = list(
            csv.reader(io.StringIO(download.text.lstrip("\ufeff")), delimiter=";")
        )
        assert rows[0][-1] == "Stand van"
        assert {r[5] for r in rows[1:]} == {"0"}  # nobody left yet, as stored
        stamp = burden_views.local_time(row.computed_at).strftime("%Y-%m-%d %H:%M")
        assert {r[-1] for r in rows[1:]} == {stamp}
        # Without the CSRF token: refused, nothing recomputed.
        url = "/staff/monitor/w2024/mini/uitval/bijwerken"
        assert (await client.post(url)).status_code == 403
        refreshed = await client.post(url, data={"csrf_token": csrf})
        assert refreshed.status_code == 303
        assert refreshed.headers["location"].endswith("/uitval")
        page = await client.get("/staff/monitor/w2024/mini/uitval")
        assert "8 gestart, 4 afgerond, 4 gestopt, 0 nog bezig." in page.text

    async def test_analyst_cannot_refresh(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await scripted_wave(client, session, settings)
        _, csrf = await logged_in(client, session, Role.analyst)
        refused = await client.post(
            "/staff/monitor/w2024/mini/uitval/bijwerken", data={"csrf_token": csrf}
        )
        assert refused.status_code == 403
        assert (
            await session.scalar(select(func.count()).select_from(BurdenSnapshot)) == 0
        )


def _gap() -> dt.timedelta:
    return dt.timedelta(days=2)


async def test_cli_refreshes_a_wave(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave_id = (await scripted_wave(client, session, settings)).id
    result = await asyncio.to_thread(
        CliRunner().invoke,
        monitor_group,
        ["refresh-burden", "--wave", "w2024"],
        obj=settings,
    )
    assert result.exit_code == 0, result.output
    assert "Uitval van mini bijgewerkt (8 gestart)." in result.output
    session.expire_all()
    assert await session.get(BurdenSnapshot, (wave_id, "mini")) is not None
    result = await asyncio.to_thread(
        CliRunner().invoke,
        monitor_group,
        ["refresh-burden", "--wave", "nope"],
        obj=settings,
    )
    assert result.exit_code != 0


async def test_a_view_stored_before_closing_is_recomputed_once_after(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    wave = await scripted_wave(client, session, settings)
    first = await burden_snapshots.current_or_refresh(
        session, wave=wave, questionnaire="mini"
    )
    await session.commit()
    assert not first.closed and first.versions[0].report.busy == 4
    # Stored again: the page reads it as it is.
    again = await burden_snapshots.current_or_refresh(
        session, wave=wave, questionnaire="mini"
    )
    assert again.computed_at == first.computed_at
    # The wave closes: the busy respondents now count as left, without waiting.
    wave.closes_on = dt.date.today() - dt.timedelta(days=3)
    await session.commit()
    closed = await burden_snapshots.current_or_refresh(
        session, wave=wave, questionnaire="mini"
    )
    await session.commit()
    assert closed.closed and closed.computed_at > first.computed_at
    report = closed.versions[0].report
    assert (report.left, report.busy) == (4, 0)
    row = await session.get(BurdenSnapshot, (wave.id, "mini"), populate_existing=True)
    assert row is not None and row.closed and row.stale_after is None
