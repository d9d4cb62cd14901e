"""The background process: mail delivery plus the other domains' duties, with
the timings the worker kept before they were handed in from outside."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.flows.worker import RETENTION_CHECK_SECONDS, background_duties
from app.mailings.delivery.worker import Duty, MailWorker

pytestmark = pytest.mark.asyncio


class TestBackgroundDuties:
    async def test_fold_every_pass_purge_each_minute_views_on_their_setting(
        self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        duties = background_duties(settings, sessionmaker)
        assert [(d.name, d.every) for d in duties] == [
            ("fold the monitor's tallies", 0.0),
            ("purge contact data past retention", RETENTION_CHECK_SECONDS),
            ("refresh the break-off views", settings.burden_refresh_seconds),
        ]
        assert RETENTION_CHECK_SECONDS == 60.0


class TestDutiesInTheWorker:
    async def test_a_failing_duty_is_logged_and_the_others_still_run(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        runs: Counter[str] = Counter()

        async def count() -> None:
            runs["count"] += 1

        async def fail() -> None:
            runs["fail"] += 1
            raise RuntimeError("boom")

        worker = MailWorker(
            settings,
            sessionmaker,
            duties=[Duty("fail on purpose", 0.0, fail), Duty("count", 3600.0, count)],
        )
        with caplog.at_level(logging.ERROR):
            stats = await worker.run(until_idle=True)
        assert runs == {"fail": 1, "count": 1}
        assert "could not fail on purpose" in caplog.text
        assert stats.batches == 0
