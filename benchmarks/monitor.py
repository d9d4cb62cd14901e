"""Benchmark: the fieldwork monitor with a million invitations.

    PYTHONPATH=. python -m benchmarks.monitor [--invitations 1000000] [--runs 30]
        [--db postgresql sqlite] [--explain] [--only-breakoff]

For each database: a fresh database is migrated, one wave is filled with
``--invitations`` invitations in realistic states (``monitor_data``), and the
app is driven in-process over HTTP (httpx + ASGI, with lifespan) as a logged-in
fieldwork manager. Timed, ``--runs`` times each, against baselines from the
same run: a ``SELECT 1`` round trip, and the staff home page (same login,
session and template machinery, no monitor queries). Also timed: the first
fold of the bulk load's tally deltas, pages right after a burst of changes
(which fold on read), and, for comparison, the live grouped count over
``invitations`` that the tallies replace. Prints ms (p50 / p95 / mean) and
ratios to the home page. Timings only; nothing is asserted.

The break-off page and CSV read a stored view (``burden_snapshots``); also
timed are what keeps it: the full computation (which every request did
before the views were stored), the worker's staleness check when nothing
changed, and a refresh. ``--only-breakoff`` times only those and the baselines.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.cli_support import upgrade_database
from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.main import create_app
from app.monitoring import (
    balance,
    burden_data,
    burden_snapshots,
    queries,
    service,
    tallies,
)
from app.monitoring.reference import SHIPPED, parse_reference_csv
from app.samples import service as samples_service
from app.staff import service as staff_service
from app.staff.models import Role
from benchmarks.monitor_data import fill
from benchmarks.steering_data import add_responses

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password 0123456789"  # noqa: S105 - a throwaway account
WAVE = "bench-2024"
BREAKOFF_RESPONSES = 20_000
"""Started responses with page visits for the break-off view (``--breakoff``)."""


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": statistics.median(ordered),
        "p95": p95,
        "mean": statistics.fmean(ordered),
    }


async def timed(
    runs: int, action: Callable[[], Awaitable[Any]], *, warmups: int = 3
) -> list[float]:
    for _ in range(warmups):
        await action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def prepare(
    settings: Settings, engine: AsyncEngine, count: int, breakoff: int
) -> dict[str, float]:
    facts: dict[str, float] = {}
    sessionmaker = create_sessionmaker(engine)
    async with session_scope(sessionmaker) as session:
        wave = await samples_service.create_wave(
            session,
            slug=WAVE,
            name="Benchmark 2024",
            opens_on=dt.date(2024, 4, 16),
            closes_on=dt.date(2024, 5, 21),
        )
        await samples_service.set_wave_version(
            session, wave=wave, questionnaire="officials", version_id=None
        )
        await staff_service.create_user(
            session,
            email="manager@bench.test",
            name="Bench Manager",
            role=Role.fieldwork_manager,
            password=PASSWORD,
        )
        shipped = SHIPPED["table_4_3_2022"]
        await service.replace_reference(
            session,
            wave=wave,
            questionnaire="officials",
            edition="2022",
            rows=parse_reference_csv(shipped.path.read_text(encoding="utf-8")),
            source=shipped.path.name,
            actor="benchmark",
        )
        wave_id = wave.id
    start = time.perf_counter()
    await fill(engine, wave_id=wave_id, questionnaire="officials", count=count)
    facts["fill_s"] = time.perf_counter() - start
    async with session_scope(sessionmaker) as session:
        facts["deltas_after_load"] = await tallies.pending_deltas(session)
    start = time.perf_counter()
    async with session_scope(sessionmaker) as session:
        while await tallies.fold_deltas(session):
            pass
    facts["first_fold_s"] = time.perf_counter() - start
    start = time.perf_counter()
    facts["breakoff_responses"] = await add_responses(
        engine, wave_slug=WAVE, count=breakoff
    )
    facts["breakoff_fill_s"] = time.perf_counter() - start
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    return facts


async def measure(
    settings: Settings, engine: AsyncEngine, runs: int, *, only_breakoff: bool = False
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    page = f"/staff/monitor/{WAVE}/officials"
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench"
        ) as client:
            login = await client.get("/staff/login")
            token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            response = await client.post(
                "/staff/login",
                data={
                    "email": "manager@bench.test",
                    "password": PASSWORD,
                    "csrf_token": token,
                },
            )
            assert response.status_code == 303, response.text

            async def get(path: str) -> None:
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            async def select_one() -> None:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))

            results["baseline: SELECT 1"] = await timed(runs, select_one)
            results["baseline: staff home"] = await timed(runs, lambda: get("/staff/"))
            if not only_breakoff:
                results["monitor page"] = await timed(runs, lambda: get(page))
                results["monitor fragment (poll)"] = await timed(
                    runs, lambda: get(f"{page}/figures")
                )
                results["monitor page, curve per function"] = await timed(
                    runs, lambda: get(f"{page}?curve=function")
                )
                results["CSV main table"] = await timed(
                    runs, lambda: get(f"{page}/download?table=main")
                )
                results["CSV main, suppressed"] = await timed(
                    runs, lambda: get(f"{page}/download?table=main&suppress=true")
                )
            results["break-off page (uitval)"] = await timed(
                max(3, runs // 3), lambda: get(f"{page}/uitval")
            )
            results["break-off CSV"] = await timed(
                max(3, runs // 3), lambda: get(f"{page}/uitval/download")
            )
            if not only_breakoff:
                results["page after 500 changes"] = await _after_changes(
                    engine, runs, lambda: get(page)
                )
    sessionmaker = create_sessionmaker(engine)
    results.update(await breakoff_upkeep(sessionmaker))
    if only_breakoff:
        return results

    async def live_count() -> None:
        async with session_scope(sessionmaker) as session:
            wave = await samples_service.require_wave(session, WAVE)
            await tallies.live_group_counts(
                session, wave_id=wave.id, questionnaire="officials"
            )

    results["for comparison: live GROUP BY over invitations"] = await timed(
        max(3, runs // 5), live_count
    )

    async def r_cold() -> None:
        balance._CACHE.clear()  # every fit done again, as on a day's first poll
        async with session_scope(sessionmaker) as session:
            wave = await samples_service.require_wave(session, WAVE)
            await service.build_monitor(session, wave=wave, questionnaire="officials")

    results["monitor build, R-indicator fits not cached"] = await timed(
        max(3, runs // 3), r_cold
    )
    async with session_scope(sessionmaker) as session:
        wave = await samples_service.require_wave(session, WAVE)
        results["tallies match live count"] = await service.tallies_match(
            session, wave=wave, questionnaire="officials"
        )
    return results


async def breakoff_upkeep(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> dict[str, list[float]]:
    """What keeping the stored break-off view costs (off the request path)."""
    out: dict[str, list[float]] = {}

    async def fresh() -> None:
        async with session_scope(sessionmaker) as session:
            wave = await samples_service.require_wave(session, WAVE)
            await burden_data.burden_by_version(
                session, wave=wave, questionnaire="officials"
            )

    async def check() -> None:
        async with session_scope(sessionmaker) as session:
            wave = await samples_service.require_wave(session, WAVE)
            assert not await burden_snapshots.refresh_if_stale(
                session, wave=wave, questionnaire="officials"
            )

    async def refresh() -> None:
        async with session_scope(sessionmaker) as session:
            wave = await samples_service.require_wave(session, WAVE)
            await burden_snapshots.refresh_burden(
                session, wave=wave, questionnaire="officials"
            )

    out["break-off: full computation (each request, before)"] = await timed(
        3, fresh, warmups=1
    )
    out["break-off: refresh (worker, Nu bijwerken)"] = await timed(
        3, refresh, warmups=0
    )
    out["break-off: staleness check, nothing changed"] = await timed(10, check)
    return out


async def _after_changes(
    engine: AsyncEngine, runs: int, page: Callable[[], Awaitable[None]]
) -> list[float]:
    """Mid-fieldwork: 500 invitations reach the threshold, then the page is read
    (it folds their deltas first)."""
    samples = []
    for run in range(max(3, runs // 3)):
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE invitations SET status = 'response', response_at = :at "
                    "WHERE id IN (SELECT id FROM invitations WHERE status = 'invited' "
                    "AND first_mailed_at IS NOT NULL ORDER BY id LIMIT 500)"
                ),
                {"at": dt.datetime(2024, 5, 20, 9, run, tzinfo=dt.UTC)},
            )
        start = time.perf_counter()
        await page()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def writer_cost(engine: AsyncEngine, runs: int) -> dict[str, list[float]]:
    """What the triggers cost a respondent's save: one-row UPDATEs, each its own
    transaction, that change the monitored state (a delta is written) or only
    an unmonitored column; on PostgreSQL also with the trigger disabled."""
    ids = iter(range(1, 10 * runs + 10))

    async def update(sql: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(text(sql), {"id": next(ids)})

    monitored = "UPDATE invitations SET status = 'started' WHERE id = :id"
    unmonitored = (
        "UPDATE invitations SET last_activity_at = CURRENT_TIMESTAMP WHERE id = :id"
    )
    results = {
        "UPDATE changing the state (delta written)": await timed(
            runs, lambda: update(monitored)
        ),
        "UPDATE of an unmonitored column": await timed(
            runs, lambda: update(unmonitored)
        ),
    }
    if engine.dialect.name == "postgresql":
        toggle = "ALTER TABLE invitations {} TRIGGER monitor_invitations_updated"
        async with engine.begin() as conn:
            await conn.execute(text(toggle.format("DISABLE")))
        results["UPDATE changing the state, trigger disabled"] = await timed(
            runs, lambda: update(monitored)
        )
        async with engine.begin() as conn:
            await conn.execute(text(toggle.format("ENABLE")))
    return results


async def explain(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        return
    sessionmaker = create_sessionmaker(engine)
    async with session_scope(sessionmaker) as session:
        wave = await samples_service.require_wave(session, WAVE)
        statements = {
            "tallies (what the page reads)": queries.group_counts_statement(
                wave.id, "officials"
            ),
            "live count (what the tallies replace)": tallies.live_counts_statement(
                wave.id, "officials"
            ),
        }
        for title, statement in statements.items():
            compiled = statement.compile(
                dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))
            print(f"\n-- EXPLAIN ANALYZE: {title}")
            for (line,) in plan:
                print("   ", line)


async def run_backend(kind: str, args: argparse.Namespace) -> None:
    name = f"veldwerk_bench_monitor_{uuid.uuid4().hex[:8]}"
    if kind == "postgresql":
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    else:
        path = Path(args.sqlite_dir) / f"{name}.db"
        url = f"sqlite+aiosqlite:///{path}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        database_url=url,
        secret_key="benchmark-secret-key-that-is-long-enough-0123",  # noqa: S106
    )
    try:
        await asyncio.to_thread(upgrade_database, settings)
        engine = create_engine(url)
        facts = await prepare(settings, engine, args.invitations, args.breakoff)
        results = await measure(
            settings, engine, args.runs, only_breakoff=args.only_breakoff
        )
        if not args.only_breakoff:
            results.update(await writer_cost(engine, args.runs))
        report(kind, args, facts, results)
        if args.explain:
            await explain(engine)
        await engine.dispose()
    finally:
        if kind == "postgresql" and not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        elif kind == "sqlite" and not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def report(
    kind: str,
    args: argparse.Namespace,
    facts: dict[str, float],
    results: dict[str, Any],
) -> None:
    print(
        f"\n== {kind}: {args.invitations:,} invitations, {args.runs} runs per measure"
    )
    rate = args.invitations / facts["fill_s"]
    print(
        f"   bulk load {facts['fill_s']:.1f} s ({rate:,.0f} rows/s, triggers included)"
    )
    print(
        f"   break-off data: {facts['breakoff_responses']:,.0f} started responses "
        f"with page visits in {facts['breakoff_fill_s']:.1f} s"
    )
    print(
        f"   tally deltas after the load: {facts['deltas_after_load']:,.0f}; "
        f"first fold {facts['first_fold_s']:.2f} s"
    )
    home = statistics.median(results["baseline: staff home"])
    print(
        f"   {'measure':<48} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9} {'x home':>7}"
    )
    for label, samples in results.items():
        if isinstance(samples, bool):
            print(f"   {label}: {'yes' if samples else 'NO'}")
            continue
        s = summary(samples)
        print(
            f"   {label:<48} {s['p50']:>9.1f} {s['p95']:>9.1f} {s['mean']:>9.1f} "
            f"{s['p50'] / home:>7.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--breakoff",
        type=int,
        default=BREAKOFF_RESPONSES,
        help="started responses with page visits for the break-off view",
    )
    parser.add_argument(
        "--db",
        nargs="+",
        default=["postgresql", "sqlite"],
        choices=["postgresql", "sqlite"],
    )
    parser.add_argument("--sqlite-dir", default="/tmp")  # noqa: S108 - scratch files
    parser.add_argument(
        "--explain", action="store_true", help="print PostgreSQL query plans"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark databases"
    )
    parser.add_argument(
        "--only-breakoff",
        action="store_true",
        help="time only the break-off views and their upkeep (and the baselines)",
    )
    args = parser.parse_args()
    for kind in args.db:
        asyncio.run(run_backend(kind, args))


if __name__ == "__main__":
    main()
