"""Mailing throughput: mails per second into a local aiosmtpd sink.

    PYTHONPATH=. python benchmarks/mailing.py [--count 100000] [--workers 1,2]
        [--databases postgresql] [--connections 8] [--baseline-sample 5000]

For each database and worker count: a fresh database with ``--count``
invitations, one scheduled mailing, then that many ``veldwerk worker
--until-idle`` processes; the clock runs from their start until the last one
exits. The sink (``tests/mailings/smtp_sink.py``, its own process) records
every accepted message; the run checks that every recipient got exactly one.

Baseline, in the same run against the same sink, right before and right after
each platform run: raw aiosmtplib sends of the same messages (built by the
worker's own code from the same database, off the clock) over the same number
of connections, without database, outbox or rendering. Rates are compared as
ratios; timings are never asserted.
Also reported: the time until 6,025 mails (the 2024 officials) were accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiosmtplib
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from app.cli_support import upgrade_database
from app.db import create_engine, create_sessionmaker, utcnow
from app.mailings.delivery import queries
from app.mailings.delivery.worker import MailWorker
from app.mailings.models import OutboxMessage
from app.mailings.planning import service
from app.web import PROJECT_ROOT
from tests.conftest import base_settings
from tests.fixtures.mailings import (
    cli_env,
    create_mailing,
    create_open_wave,
    create_people_in_bulk,
    free_port,
)

PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
OFFICIALS_2024 = 6025


class Sink:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.record = workdir / "delivered.tsv"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.mailings.smtp_sink",
                str(self.port),
                str(self.record),
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == b"ready"

    def lines(self) -> int:
        if not self.record.exists():
            return 0
        with self.record.open("rb") as handle:
            return sum(1 for _ in handle)

    def recipients(self) -> Counter[str]:
        return Counter(
            line.split("\t", 1)[0] for line in self.record.read_text().splitlines()
        )

    def reset(self) -> None:
        self.record.write_text("")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def make_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
    name = f"veldwerk_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return (
        PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        + "/"
        + name
    )


async def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(
        f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'
    )
    await conn.close()


def bench_settings(url: str, port: int, connections: int):  # type: ignore[no-untyped-def]
    settings = base_settings(url)
    smtp = settings.smtp.model_copy(
        update={
            "host": "127.0.0.1",
            "port": port,
            "connections": connections,
            "rate_per_second": 1_000_000.0,
            "rate_per_domain_per_minute": 1_000_000_000.0,
        }
    )
    return settings.model_copy(update={"smtp": smtp})


async def prepare(settings, count: int) -> None:  # type: ignore[no-untyped-def]
    await asyncio.to_thread(upgrade_database, settings)
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as session:
        wave = await create_open_wave(session, slug="bench")
        await create_people_in_bulk(
            session, settings, wave=wave, count=count, domains=400
        )
        mailing = await create_mailing(session, settings, wave=wave)
        await service.schedule_mailing(
            session, wave=wave, mailing=mailing, actor="bench"
        )
        await session.commit()
    await engine.dispose()


async def built_messages(settings, sample: int) -> list:  # type: ignore[no-untyped-def]
    """The first ``sample`` mails exactly as the worker builds them."""
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    worker = MailWorker(settings, sessionmaker)
    async with sessionmaker() as session:
        ids = list(
            await session.scalars(
                select(OutboxMessage.id).order_by(OutboxMessage.id).limit(sample)
            )
        )
        contexts = await queries.load_send_contexts(session, ids=ids)
        waves = await worker._wave_infos(session, {c.wave_id for c in contexts})
    await engine.dispose()
    now = utcnow()
    return [worker._build(c, waves[c.wave_id], c.email or "", now) for c in contexts]


async def raw_send(mails: list, port: int, connections: int) -> float:  # type: ignore[no-untyped-def]
    queue: asyncio.Queue = asyncio.Queue()
    for mail in mails:
        queue.put_nowait(mail)

    async def connection() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        while not queue.empty():
            mail = queue.get_nowait()
            await client.sendmail(mail.envelope_from, [mail.recipient], mail.data)
        await client.quit()

    start = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return time.monotonic() - start


def run_workers(
    settings, workers: int, sink: Sink, count: int
) -> tuple[float, float | None]:  # type: ignore[no-untyped-def]
    env = cli_env(
        settings,
        VELDWERK_SMTP__CONNECTIONS=str(settings.smtp.connections),
        VELDWERK_SMTP__RATE_PER_SECOND="1000000",
        VELDWERK_SMTP__RATE_PER_DOMAIN_PER_MINUTE="1000000000",
        VELDWERK_WORKER__BATCH_SIZE="500",
    )
    start = time.monotonic()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "worker",
                "--until-idle",
                "--worker-id",
                f"bench{i}",
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    officials_at = None
    while any(p.poll() is None for p in processes):
        if officials_at is None and sink.lines() >= min(OFFICIALS_2024, count):
            officials_at = time.monotonic() - start
        time.sleep(0.1)
    elapsed = time.monotonic() - start
    if officials_at is None and sink.lines() >= min(OFFICIALS_2024, count):
        officials_at = elapsed
    assert all(p.returncode == 0 for p in processes), [p.returncode for p in processes]
    return elapsed, officials_at


async def baseline(mails: list, sink: Sink, connections: int) -> float:  # type: ignore[type-arg]
    sink.reset()
    return len(mails) / await raw_send(mails, sink.port, connections)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--databases", default="postgresql")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--baseline-sample", type=int, default=5_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="veldwerk-mail-bench-"))
    sink = Sink(workdir)
    rows: list[tuple[str, int, float, float | None, float]] = []
    try:
        for kind in args.databases.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                url = await make_database(kind, workdir)
                settings = bench_settings(url, sink.port, args.connections)
                try:
                    t0 = time.monotonic()
                    await prepare(settings, args.count)
                    print(
                        f"[{kind}] {args.count:,} invitations enqueued in {time.monotonic() - t0:.1f} s",
                        flush=True,
                    )
                    mails = await built_messages(
                        settings, min(args.baseline_sample, args.count)
                    )
                    # The machine may be shared: measure the baseline right
                    # before and right after the platform, and compare with the mean.
                    before = await baseline(mails, sink, args.connections)
                    sink.reset()
                    elapsed, officials = run_workers(
                        settings, workers, sink, args.count
                    )
                    got = sink.recipients()
                    assert len(got) == args.count and set(got.values()) == {1}, (
                        "every mail exactly once"
                    )
                    after = await baseline(mails, sink, args.connections)
                    raw = (before + after) / 2
                    del mails
                    rows.append((kind, workers, elapsed, officials, raw))
                    print(
                        f"[{kind}] {workers} worker(s): {args.count / elapsed:,.0f} mails/s; "
                        f"raw aiosmtplib {before:,.0f} before, {after:,.0f} after",
                        flush=True,
                    )
                finally:
                    await drop_database(url)
    finally:
        sink.stop()
    print()
    print(
        f"{'database':<11}{'workers':>8}{'mails':>9}{'seconds':>9}{'mails/s':>9}{'raw/s':>8}{'vs raw':>8}{'6,025 in':>10}"
    )
    for kind, workers, elapsed, officials, raw in rows:
        rate = args.count / elapsed
        first = f"{officials:.1f} s" if officials is not None else "-"
        print(
            f"{kind:<11}{workers:>8}{args.count:>9,}{elapsed:>9.1f}{rate:>9,.0f}{raw:>8,.0f}{rate / raw:>8.2f}{first:>10}"
        )
    print(
        f"raw = aiosmtplib sending the same prebuilt mails over {args.connections} connections "
        f"to the same sink; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    asyncio.run(main())
