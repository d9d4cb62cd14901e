"""Benchmark: import and draw on a frame of a million rows.

    PYTHONPATH=. python -m benchmarks.import_frame [--rows 1000000] [--also 100000]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/veldwerk_bench]

A synthetic employees-panel frame (``demo_frame``, semicolons, UTF-8 with BOM,
made-up addresses under ``.test``) is written once, then each step runs in its
own process so its peak memory (``ru_maxrss``) is its own:

- ``csv``: baseline, a plain ``csv.reader`` pass over the file;
- ``validate``: the importer's first pass alone (pure, no database);
- ``import``: ``import_frame`` end to end (validate, then insert in batches in
  one transaction);
- ``raw``: baseline, the same rows read with ``csv.reader`` and inserted with
  a bare ``executemany`` into a scratch table with the contacts' columns;
- ``stream``: baseline, streaming the population in the draw's order;
- ``draw``: ``draw_sample`` with a cluster + stratified design, creating the
  invitations.

``--also N`` repeats csv/validate/import at a second size, to show whether
memory grows with the file. SQLite (a fresh file) by default; give
``--database-url`` for PostgreSQL (the database must exist; it is migrated and
the benchmark's waves are removed afterwards). Prints rows per second, ratios
against the baselines and peak memory. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, delete, insert

from app.cli_support import upgrade_database
from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.samples import demo_frame, importer
from app.samples import service as samples_service
from app.samples.design import SampleDesign
from app.samples.fields import FrameKind
from app.samples.models import Wave
from app.samples.service import draws

DESIGN = {
    "frame_kind": "employees",
    "components": [
        {
            "kind": "cluster",
            "label": "Medewerkers van 122 gemeenten + G4",
            "where": {"tier": ["gemeente"]},
            "clusters": 122,
            "always_include": ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht"],
        },
        {
            "kind": "simple_random",
            "label": "400 per overige bestuurslaag",
            "stratify_by": ["tier"],
            "n": 400,
        },
    ],
    "summary_by": ["tier"],
}


def reset_peak() -> None:
    """Forget the peak of importing the app (Linux: ``clear_refs`` 5 resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """Peak resident memory of this process in MB.

    ``VmHWM`` is this process's own high-water mark (``ru_maxrss`` survives
    ``exec`` and would report the parent's peak).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(url: str) -> Settings:
    return Settings(_env_file=None, database_url=url, environment="test")  # type: ignore[call-arg]


# --- steps (each runs in a child process) -------------------------------------


def step_csv(path: Path, _: Settings, __: str) -> dict[str, Any]:
    start = time.perf_counter()
    rows = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for _row in csv.reader(handle, delimiter=";"):
            rows += 1
    return {"rows": rows - 1, "seconds": time.perf_counter() - start}


def step_validate(path: Path, _: Settings, __: str) -> dict[str, Any]:
    start = time.perf_counter()
    with path.open("rb") as source:
        report = importer.validate(source, kind=FrameKind.employees)
    assert report.ok, [p.text() for p in report.problems[:3]]
    return {"rows": report.rows, "seconds": time.perf_counter() - start}


def step_import(path: Path, settings: Settings, slug: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        sessionmaker = create_sessionmaker(engine)
        try:
            async with session_scope(sessionmaker) as session:
                wave = await samples_service.create_wave(session, slug=slug, name=slug)
                await samples_service.set_wave_version(
                    session, wave=wave, questionnaire="employees", version_id=None
                )
            start = time.perf_counter()
            async with session_scope(sessionmaker) as session:
                wave = await samples_service.require_wave(session, slug)
                with path.open("rb") as source:
                    outcome = await samples_service.import_frame(
                        session, settings, wave=wave, kind=FrameKind.employees,
                        source=source, file_name=path.name, actor="benchmark",
                    )  # fmt: skip
            seconds = time.perf_counter() - start
            assert outcome.frame is not None
            return {"rows": outcome.frame.rows, "seconds": seconds}
        finally:
            await engine.dispose()

    return asyncio.run(run())


SCRATCH = Table(
    "bench_raw_contacts",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("wave_id", Integer),
    Column("frame_id", Integer),
    Column("email", String(320)),
    Column("tier", String(32)),
    Column("organisation", String(200)),
    Column("organisation_code", String(32)),
    Column("gender", String(16)),
    Column("panel", String(64)),
    Column("attributes", JSON),
)


def step_raw(path: Path, settings: Settings, _: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(SCRATCH.create, checkfirst=True)
            start = time.perf_counter()
            rows = 0
            async with engine.begin() as conn:
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    reader = csv.reader(handle, delimiter=";")
                    next(reader)
                    batch: list[dict[str, Any]] = []
                    for email, tier, org, code, gender, panel, group in reader:
                        batch.append({
                            "wave_id": 0, "frame_id": 0, "email": email, "tier": tier,
                            "organisation": org, "organisation_code": code, "gender": gender,
                            "panel": panel, "attributes": {"functiegroep": group},
                        })  # fmt: skip
                        if len(batch) == settings.samples.insert_batch_size:
                            await conn.execute(insert(SCRATCH), batch)
                            rows += len(batch)
                            batch = []
                    if batch:
                        await conn.execute(insert(SCRATCH), batch)
                        rows += len(batch)
            seconds = time.perf_counter() - start
            async with engine.begin() as conn:
                await conn.run_sync(SCRATCH.drop)
            return {"rows": rows, "seconds": seconds}
        finally:
            await engine.dispose()

    return asyncio.run(run())


def step_stream(_: Path, settings: Settings, slug: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                wave = await samples_service.require_wave(session, slug)
                frames = await samples_service.wave_overview(session, wave=wave)
                population = draws._Population(
                    wave, "employees", SampleDesign.model_validate(DESIGN),
                    [f.id for f in frames.frames],
                )  # fmt: skip
                start = time.perf_counter()
                rows = 0
                async for _row in draws._stream(session, population):
                    rows += 1
                return {"rows": rows, "seconds": time.perf_counter() - start}
        finally:
            await engine.dispose()

    return asyncio.run(run())


def step_draw(_: Path, settings: Settings, slug: str) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        engine = create_engine(settings.database_url)
        try:
            start = time.perf_counter()
            async with session_scope(create_sessionmaker(engine)) as session:
                wave = await samples_service.require_wave(session, slug)
                result = await samples_service.draw_sample(
                    session, settings, wave=wave, questionnaire="employees",
                    design=SampleDesign.model_validate(DESIGN), seed=2024, actor="benchmark",
                )  # fmt: skip
            seconds = time.perf_counter() - start
            summary = result.summary
            return {
                "rows": summary["population"],
                "sampled": summary["sampled"],
                "seconds": seconds,
            }
        finally:
            await engine.dispose()

    return asyncio.run(run())


def step_startup(_: Path, __: Settings, ___: str) -> dict[str, Any]:
    """Baseline memory: the interpreter with the app imported, doing nothing."""
    return {"rows": 0, "seconds": 0.0}


STEPS = {
    "startup": step_startup,
    "csv": step_csv,
    "validate": step_validate,
    "import": step_import,
    "raw": step_raw,
    "stream": step_stream,
    "draw": step_draw,
}


# --- orchestration ---------------------------------------------------------------


def run_step(step: str, path: Path, url: str, slug: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_frame", "--step", step,
         "--file", str(path), "--database-url", url, "--slug", slug],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def frame_file(rows: int, directory: Path) -> Path:
    path = directory / f"employees-{rows}.csv"
    if not path.exists():
        size = replace(demo_frame.FULL, panel_members=rows)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            demo_frame.write_csv(
                demo_frame.demo_frame("employees", seed=1, size=size),
                handle,
                kind="employees",
            )
    return path


async def remove_waves(url: str, slugs: list[str]) -> None:
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            await session.execute(delete(Wave).where(Wave.slug.in_(slugs)))
    finally:
        await engine.dispose()


def report(rows: int, results: dict[str, dict[str, Any]]) -> list[str]:
    def rate(name: str) -> float:
        seconds = results[name]["seconds"]
        return results[name]["rows"] / seconds if seconds else 0.0

    lines = [
        f"\n== {rows:,} rows ==",
        f"{'step':<10}{'seconds':>9}{'rows/s':>12}{'peak MB':>9}  note",
    ]
    notes = {
        "startup": "baseline memory: interpreter with the app imported",
        "csv": "baseline: csv.reader pass",
        "validate": f"{rate('csv') / rate('validate'):.1f}x slower than csv.reader",
        "import": f"{rate('csv') / rate('import'):.1f}x csv.reader",
    }
    if "raw" in results:
        notes["raw"] = "baseline: bare executemany"
        notes["import"] += f", {rate('raw') / rate('import'):.1f}x bare executemany"
    if "draw" in results:
        notes["stream"] = "baseline: stream population in draw order"
        notes["draw"] = (
            f"{results['draw']['sampled']:,} invited; "
            f"{results['draw']['seconds'] / results['stream']['seconds']:.1f}x the stream"
        )
    for name, result in results.items():
        lines.append(
            f"{name:<10}{result['seconds']:>9.2f}{rate(name):>12,.0f}{result['peak_mb']:>9.0f}  {notes.get(name, '')}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--also", type=int, default=100_000, help="Second size (0: none)."
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "veldwerk-bench"
    )
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--slug", default="bench", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:  # child process
        reset_peak()
        result = STEPS[args.step](args.file, settings_for(args.database_url), args.slug)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite+aiosqlite:///{args.workdir / 'bench.db'}"
    if not args.database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.workdir / "bench.db") + suffix).unlink(missing_ok=True)
    upgrade_database(settings_for(url))
    print(f"database: {url.split('@')[-1]}")
    sizes = [args.rows] + ([args.also] if args.also else [])
    slugs: list[str] = []
    try:
        for rows in sizes:
            path = frame_file(rows, args.workdir)
            slug = f"bench-{rows}-{int(time.time())}"
            slugs.append(slug)
            results: dict[str, dict[str, Any]] = {}
            steps = ["startup", "csv", "validate", "import"]
            if rows == args.rows:
                steps += ["raw", "stream", "draw"]
            for step in steps:
                results[step] = run_step(step, path, url, slug)
                print(
                    f"  {step}: {results[step]['seconds']:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
            print("\n".join(report(rows, results)), flush=True)
    finally:
        asyncio.run(remove_waves(url, slugs))


if __name__ == "__main__":
    main()
