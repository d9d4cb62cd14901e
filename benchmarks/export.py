"""Export benchmark: 100,000 officials responses in every format, time and peak memory.

    PYTHONPATH=. python benchmarks/export.py                 # SQLite in /tmp, seeds once
    PYTHONPATH=. python benchmarks/export.py --wave bench-10k --formats xlsx   # quick
    PYTHONPATH=. python benchmarks/export.py --database-url postgresql+asyncpg://postgres@127.0.0.1/bench

Seeds two waves of scripted respondents to questionnaires/officials/2024.yaml
(10,000 and 100,000 responses; 2,000 distinct walks through the routing
engine, reused). Every measurement runs in its own process, so the peak
resident memory (ru_maxrss) is that export's alone. The baseline in the same
run is the SELECT of every row (server-side cursor, JSON decoded) without
encoding or writing; ratios are against it. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from app.config import Settings
from app.db import (
    begin_read_snapshot,
    create_engine,
    create_sessionmaker,
    session_scope,
)
from app.exports import queries, runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.questionnaires import loader, routing
from app.questionnaires.models import QuestionnaireVersion
from app.responses.models import Response
from app.samples import service as samples_service
from app.samples.models import Invitation, Wave

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 - a throwaway local database
WAVES = {"bench-10k": 10_000, "bench-100k": 100_000}
FUNCTIONS = [
    ("gemeente", "burgemeester", "voorzitter", 7),
    ("gemeente", "wethouder", "dagelijks_bestuur", 24),
    ("gemeente", "raadslid", "volksvertegenwoordiger", 42),
    ("provincie", "cdk", "voorzitter", 1),
    ("provincie", "gedeputeerde", "dagelijks_bestuur", 1),
    ("provincie", "statenlid", "volksvertegenwoordiger", 10),
    ("waterschap", "dijkgraaf", "voorzitter", 1),
    ("waterschap", "lid_db", "dagelijks_bestuur", 3),
    ("waterschap", "lid_ab", "volksvertegenwoordiger", 11),
]
START = dt.datetime(2024, 4, 16, 8, 0, tzinfo=dt.UTC)


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        secret_key=SECRET,
    )  # type: ignore[call-arg]


def _walks(
    cq: routing.CompiledQuestionnaire, count: int
) -> list[tuple[dict, dict, list, bool]]:  # type: ignore[name-defined]
    from app.demo.simulate import walk

    rng = random.Random(2024)
    weights = [w for *_, w in FUNCTIONS]
    walks = []
    for _ in range(count):
        tier, function, ftype, _ = rng.choices(FUNCTIONS, weights=weights)[0]
        attributes = {
            "tier": tier,
            "function": function,
            "function_type": ftype,
            "email_kind": rng.choice(["persoonlijk", "algemeen"]),
        }
        log = walk(
            cq, attributes, rng, stop_after=rng.choice([None] * 9 + [8]), skip_rate=0.05
        )
        walks.append((attributes, log.answers, log.submitted, log.complete))
    return walks


async def seed(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    text = (ROOT / "questionnaires" / "officials" / "2024.yaml").read_text(
        encoding="utf-8"
    )
    cq = loader.load_text(text, "officials/2024.yaml")
    async with session_scope(sessionmaker) as session:
        if (
            await session.scalar(select(Wave).where(Wave.slug == "bench-100k"))
            is not None
        ):
            await engine.dispose()
            return
        version = QuestionnaireVersion(
            questionnaire="officials",
            version="2024",
            title="bench",
            content_hash=loader.content_hash(text.encode()),
            source=text,
            definition_json=cq.definition.model_dump_json(),
        )
        session.add(version)
        await session.flush()
        version_id = version.id
        waves = {}
        for slug in WAVES:
            wave = await samples_service.create_wave(
                session, slug=slug, name=f"Benchmark {slug}"
            )
            await samples_service.set_wave_version(
                session, wave=wave, questionnaire="officials", version_id=version_id
            )
            waves[slug] = wave.id
    print("simulating 2,000 respondents through the routing engine ...", flush=True)
    walks = _walks(cq, 2000)
    for slug, total in WAVES.items():
        for start in range(0, total, 5000):
            async with session_scope(sessionmaker) as session:
                await _insert_batch(
                    session,
                    waves[slug],
                    version_id,
                    walks,
                    start,
                    min(total, start + 5000),
                )
        print(f"seeded {slug}: {total} responses", flush=True)
    await engine.dispose()


async def _insert_batch(
    session, wave_id: int, version_id: int, walks: list, start: int, end: int
) -> None:
    invitations, responses = [], []
    for n in range(start, end):
        attributes, answers, pages, complete = walks[n % len(walks)]
        status = "complete" if complete else "response"
        invitations.append(
            {
                "wave_id": wave_id,
                "questionnaire": "officials",
                "token_hash": secrets.token_hex(32),
                "token_nonce": secrets.token_urlsafe(16),
                "token_key_id": "k1",
                "is_test": False,
                "status": status,
                "attributes": {},
                "created_at": START,
                **attributes,
            }
        )
    ids = list(
        await session.scalars(insert(Invitation).returning(Invitation.id), invitations)
    )
    rng = random.Random(start)
    for n, invitation_id in zip(range(start, end), ids, strict=True):
        _, answers, pages, complete = walks[n % len(walks)]
        answers = _vary(answers, rng)
        started = START + dt.timedelta(seconds=n)
        responses.append(
            {
                "invitation_id": invitation_id,
                "version_id": version_id,
                "status": "complete" if complete else "response",
                "answers": answers,
                "submitted_pages": pages,
                "started_at": started,
                "completed_at": started + dt.timedelta(minutes=18)
                if complete
                else None,
                "updated_at": started + dt.timedelta(minutes=18),
                "revision": len(pages),
            }
        )
    await session.execute(insert(Response), responses)


COUNTS = ("q_aggr_count", "q_split_verbal", "q_split_threat")


def _vary(answers: dict, rng: random.Random) -> dict:
    """Different incident counts (same routing): real respondents rarely share
    every routing input, so reused walks must not make the routing cache look
    better than it is."""
    varied = dict(answers)
    for name in COUNTS:
        if isinstance(varied.get(name), dict):
            varied[name] = {
                k: rng.randint(1, 40) if v > 0 else v for k, v in varied[name].items()
            }
    return varied


async def measure(settings: Settings, mode: str, wave: str) -> dict[str, object]:
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    out = Path(tempfile.mkdtemp(prefix="veldwerk-bench-")) / "export.out"
    started = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = started.ru_utime + started.ru_stime
    began = time.perf_counter()
    rows = 0
    size = 0
    hit_rate = None
    async with session_scope(sessionmaker) as session:
        fmt = (
            ExportFormat.csv if mode in ("select", "csv-stream") else ExportFormat(mode)
        )
        request = ExportRequest(
            wave=wave, questionnaire="officials", format=fmt, include_partial=True
        )
        plan = await service.prepare_export(
            session, request=request, actor="cli:benchmark"
        )
    if mode == "select":
        async with sessionmaker() as session:
            await begin_read_snapshot(session)
            async for chunk in queries.stream_rows(session, plan.selection):
                rows += len(chunk)
    elif mode == "csv-stream":
        with open(os.devnull, "wb") as sink:
            async for chunk in runner.stream_export(sessionmaker, plan):
                sink.write(chunk)
                size += len(chunk)
        rows = plan.rows
    else:
        async with sessionmaker() as session:
            await begin_read_snapshot(session)
            run = await runner.start(session, plan)
            book = await runner.write_file(session, run, out)
        cache = run.encoder.routing[0]
        hit_rate = round(cache.hits / max(1, cache.hits + cache.misses), 2)
        rows = book["dataset"]["rows"]
        size = out.stat().st_size
    seconds = time.perf_counter() - began
    await engine.dispose()
    out.unlink(missing_ok=True)
    out.parent.rmdir()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return {
        "mode": mode,
        "wave": wave,
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(peak, 1),
        "bytes": size,
        "routing_cache_hit_rate": hit_rate,
    }


def run_child(url: str, mode: str, wave: str) -> dict[str, object]:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--database-url",
            url,
            "--measure",
            mode,
            "--wave",
            wave,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="sqlite+aiosqlite:////tmp/veldwerk-bench.db"
    )
    parser.add_argument("--measure")
    parser.add_argument(
        "--wave", default="bench-100k", help="the wave every format is measured on"
    )
    parser.add_argument("--formats", default="select,csv-stream,parquet,xlsx,sav,dta")
    args = parser.parse_args()
    settings = settings_for(args.database_url)
    if args.measure:
        print(json.dumps(asyncio.run(measure(settings, args.measure, args.wave))))
        return
    from app.cli_support import upgrade_database

    upgrade_database(settings)
    asyncio.run(seed(settings))
    results = (
        [
            run_child(args.database_url, "select", "bench-10k"),
            run_child(args.database_url, "csv-stream", "bench-10k"),
        ]
        if args.wave != "bench-10k"
        else []
    )
    modes = args.formats.split(",")
    if "select" not in modes:
        modes.insert(0, "select")  # the baseline of the ratios
    for mode in modes:
        results.append(run_child(args.database_url, mode, args.wave))
        print(json.dumps(results[-1]), flush=True)
    baseline = next(
        r for r in results if r["mode"] == "select" and r["wave"] == args.wave
    )
    load = os.getloadavg()[0]
    print(
        f"\nload average {load:.1f} on {os.cpu_count()} cores; cpu = user+system seconds"
    )
    print(
        f"{'mode':<12}{'rows':>9}{'seconds':>9}{'cpu':>8}{'x select':>10}{'peak MB':>9}{'MB file':>9}{'cache hits':>11}"
    )
    for r in results:
        ratio = (
            float(r["seconds"]) / float(baseline["seconds"])
            if r["wave"] == args.wave
            else float("nan")
        )
        hits = r.get("routing_cache_hit_rate")
        print(
            f"{r['mode']:<12}{r['rows']:>9}{r['seconds']:>9}{r['cpu_seconds']:>8}{ratio:>10.1f}{r['peak_mb']:>9}{int(r['bytes']) / 1e6:>9.1f}{'' if hits is None else hits:>11}"
        )


if __name__ == "__main__":
    main()
