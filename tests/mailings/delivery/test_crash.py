"""Crash safety: a worker process killed with SIGKILL in the middle of a
mailing, then restarted (on PostgreSQL: two workers at once). Every recipient
gets exactly one mail, except the few reported as of unknown fate, who get at
most one. The SMTP sink runs in its own process and records every accepted
message before it answers."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mailings import links
from app.mailings.delivery.worker import PIPELINE
from app.mailings.models import OutboxMessage
from app.samples.models import Contact, Invitation
from app.web import PROJECT_ROOT
from tests.fixtures.mailings import (
    cli_env,
    create_mailing,
    create_open_wave,
    create_people_in_bulk,
    free_port,
    run_cli,
    schedule,
    smtp_settings,
)

pytestmark = pytest.mark.slow
MAILS = 3000
HANDOFF_CHUNK = 50


async def arrange(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as session:
        wave = await create_open_wave(session, slug="crash")
        await create_people_in_bulk(
            session, settings, wave=wave, count=MAILS, domains=40
        )
        mailing = await create_mailing(session, settings, wave=wave)
        await schedule(session, wave=wave, mailing=mailing)
    await engine.dispose()
    return "crash"


async def outcome(settings: Settings) -> tuple[dict[int, str], dict[int, str]]:
    """(outbox id → status, outbox id → recipient address)."""
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.id, OutboxMessage.status, Contact.email)
                .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
                .join(Contact, Contact.id == Invitation.contact_id)
            )
        ).all()
    await engine.dispose()
    return {r[0]: r[1] for r in rows}, {r[0]: str(r[2]) for r in rows}


def start_worker(settings: Settings, name: str, *extra: str) -> subprocess.Popen[bytes]:
    env = cli_env(
        settings,
        VELDWERK_SMTP__RATE_PER_SECOND="100000",
        VELDWERK_SMTP__RATE_PER_DOMAIN_PER_MINUTE="10000000",
        VELDWERK_SMTP__CONNECTIONS="8",
        VELDWERK_WORKER__LEASE_SECONDS="3",
        VELDWERK_WORKER__POLL_SECONDS="0.2",
        VELDWERK_WORKER__BATCH_SIZE="200",
        VELDWERK_WORKER__HANDOFF_CHUNK=str(HANDOFF_CHUNK),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--worker-id", name, *extra],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def delivered(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if "\t" in line]  # type: ignore[misc]


def test_kill_and_restart_sends_every_mail_once(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    record = tmp_path / "delivered.tsv"
    sink = subprocess.Popen(
        [sys.executable, "-m", "tests.mailings.smtp_sink", str(port), str(record)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
    )
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
        config = smtp_settings(settings, port)
        asyncio.run(arrange(config))

        # Kill the first worker at a random point once mail is flowing.
        first = start_worker(config, "first")
        deadline = time.monotonic() + 30
        threshold = random.randint(100, MAILS // 2)
        while len(delivered(record)) < threshold and time.monotonic() < deadline:
            assert first.poll() is None, "the worker stopped by itself"
            time.sleep(0.02)
        time.sleep(random.uniform(0, 0.3))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = len(delivered(record))
        assert 0 < at_kill < MAILS, "kill the worker mid-run"

        # Restart: on PostgreSQL two workers side by side.
        count = 2 if config.database_url.startswith("postgresql") else 1
        workers = [
            start_worker(config, f"again{i}", "--until-idle") for i in range(count)
        ]
        for worker in workers:
            assert worker.wait(90) == 0
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)

    statuses, addresses = asyncio.run(outcome(config))
    per_recipient = Counter(rcpt for rcpt, _ in delivered(record))
    unknown = {i for i, s in statuses.items() if s == "unknown"}
    assert set(statuses.values()) <= {"sent", "unknown"}, Counter(statuses.values())
    assert len(unknown) <= PIPELINE * HANDOFF_CHUNK
    for outbox_id, status in statuses.items():
        got = per_recipient[addresses[outbox_id]]
        if status == "sent":
            assert got == 1, (outbox_id, got)
        else:
            assert got <= 1, (outbox_id, got)
    assert sum(per_recipient.values()) == len(per_recipient)  # nobody twice
    # The sink saw the same Message-ID the outbox row stands for.
    ids = {mid for _, mid in delivered(record)}
    sent_ids = [i for i, s in statuses.items() if s == "sent"]
    assert all(links.message_id(config, i) in ids for i in sent_ids[:200])

    # The unknown ones are reported, by the CLI too.
    report = run_cli(config, "mailing", "status", "--wave", "crash")
    assert report.returncode == 0, report.stderr
    assert f"onbekend lot: {len(unknown)}" in report.stdout
    for outbox_id in list(unknown)[:5]:
        assert f"outbox {outbox_id} " in report.stdout
