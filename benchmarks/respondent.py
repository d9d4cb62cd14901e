"""Loopback load: simulated respondents paging through the officials questionnaire.

Compares, in the same run and on the same PostgreSQL and uvicorn setup, the
platform's page turns with a bare FastAPI endpoint that inserts one row and
renders one template. A page turn is measured twice: as a browser with
JavaScript does it (htmx: one POST answered with the next page) and as one
without (POST → 303 → GET). Prints pages per second, the ratio to the baseline,
and p50/p95 latency at saturation (every respondent turns the next page the
moment the last one arrives), and p50/p95 at paced loads (the same number of
respondents, each turning a page every concurrency/rate seconds, for each rate
of ``--paced-rates``). At saturation latency is only queueing: by Little's law
the mean is concurrency / rate, for the baseline too; the paced runs show what a
respondent waits below capacity. (A paced run's pages/s falls a little short of
the rate offered: respondents arrive spread over the first interval.) Each
run also reports the CPU milliseconds per request spent by the server, by
PostgreSQL and by this load generator: on a loopback run all three share the
machine's cores.

The runs are interleaved in ``--rounds`` slices (baseline, pages, pages
without JavaScript, paced, and again), so that the machine's speed drifting
during the run weighs on all of them alike.

    python benchmarks/respondent.py [--workers 2] [--concurrency 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.cli_support import upgrade_database  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import create_engine, create_sessionmaker, session_scope  # noqa: E402
from app.questionnaires import service as questionnaires_service  # noqa: E402
from app.samples import service as samples_service  # noqa: E402
from benchmarks.loadgen import Connection, Timings, cpu_by_group  # noqa: E402

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"  # noqa: S105


async def recreate(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def arrange(settings: Settings, respondents: int) -> list[str]:
    engine = create_engine(settings.database_url)
    tokens = []
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            version, _ = await questionnaires_service.publish_file(
                session, path=ROOT / "questionnaires/officials/2024.yaml"
            )
            wave = await samples_service.create_wave(
                session, slug="bench", name="Benchmark"
            )
            await samples_service.set_wave_version(
                session, wave=wave, questionnaire="officials", version_id=version.id
            )
            functions = ["raadslid", "wethouder", "burgemeester", "statenlid", "lid_ab"]
            for i in range(respondents):
                _, token = await samples_service.create_invitation(
                    session,
                    settings,
                    wave=wave,
                    questionnaire="officials",
                    attributes={
                        "tier": "gemeente",
                        "function": functions[i % len(functions)],
                    },
                )
                tokens.append(token)
        async with engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(
                text(
                    "CREATE TABLE bench_rows (id serial primary key, token text, value text, created_at timestamptz default now())"
                )
            )
    finally:
        await engine.dispose()
    return tokens


_INPUT = re.compile(r"<input ([^>]*)>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def fill(html: str) -> list[tuple[str, str]]:
    """A plausible respondent: first option of every radio group, one incident,
    a short text in text boxes: a victim, so the incident block is walked too."""
    form: list[tuple[str, str]] = []
    radios: set[str] = set()
    numbered: set[str] = set()
    for match in _INPUT.finditer(html):
        attrs = dict(_ATTR.findall(match.group(1)))
        name, kind = unescape(attrs.get("name", "")), attrs.get("type", "text")
        if not name or name == "csrf_token":
            continue
        if kind == "hidden":
            form.append((name, unescape(attrs.get("value", ""))))
        elif kind == "radio" and name not in radios:
            radios.add(name)
            form.append((name, attrs["value"]))
        elif kind == "text" and attrs.get("inputmode") == "numeric":
            # One incident in the first field of a question, none in the others,
            # so offline + online adds up to the count asked before.
            question = name.split(".", 1)[0]
            form.append((name, "0" if question in numbered else "1"))
            numbered.add(question)
        elif kind == "text" and not name.endswith("_other"):
            form.append((name, "Geen opmerkingen"))
    form.append(("nav", "next"))
    return form


HTMX = {"HX-Request": "true", "HX-Boosted": "true"}


async def respondent(
    base: str,
    tokens: list[str],
    turns: Timings,
    stop: float,
    htmx: bool = True,
    interval: float | None = None,
) -> None:
    """One respondent after another on one connection, page after page.

    ``htmx``: as a browser with JavaScript (the boosted form): each page turn is
    one POST answered with the next page. Without: as a browser without
    JavaScript, POST → 303 → GET, two requests per page turn. ``interval``: a
    respondent who reads, turning a page every ``interval`` seconds (paced load)
    instead of at once (saturation).
    """
    conn = Connection(base)
    headers = HTMX if htmx else None
    due = time.perf_counter()
    if interval:
        due += random.uniform(0, interval)  # respondents do not arrive in step
        await asyncio.sleep(due - time.perf_counter())
    try:
        while tokens and time.perf_counter() < stop:
            token = tokens.pop()
            if htmx:
                page = await conn.request("POST", f"/s/{token}", headers=headers)
                path = page.headers.get("hx-push-url", "")
            else:
                reply = await conn.request("POST", f"/s/{token}")
                page = await conn.request("GET", reply.location)
                path = reply.location
            while "/p/" in path and time.perf_counter() < stop:
                start = time.perf_counter()
                form = fill(page.body.decode())
                if htmx:
                    page = await conn.request("POST", path, form, headers=headers)
                    if page.status != 200 or "hx-push-url" not in page.headers:
                        turns.errors += 1
                        break
                    path = page.headers["hx-push-url"]
                else:
                    posted = await conn.request("POST", path, form)
                    if posted.status != 303:
                        turns.errors += 1
                        break
                    path = posted.location
                    page = await conn.request("GET", path)
                turns.add(time.perf_counter() - start)
                if page.status >= 400:
                    turns.errors += 1
                    break
                if interval:
                    due = max(due + interval, time.perf_counter())
                    await asyncio.sleep(due - time.perf_counter())
    finally:
        await conn.close()


async def baseline_user(base: str, timings: Timings, stop: float) -> None:
    conn = Connection(base)
    n = 0
    try:
        while time.perf_counter() < stop:
            n += 1
            start = time.perf_counter()
            reply = await conn.request("POST", f"/submit/t{n}", {"q": str(n)})
            timings.add(time.perf_counter() - start)
            if reply.status != 200:
                timings.errors += 1
    finally:
        await conn.close()


@dataclass
class Run:
    """One kind of load, measured in slices interleaved with the others."""

    server_pid: int
    users: Callable[[Timings, float], Iterable[Awaitable[None]]]
    timings: Timings = field(default_factory=Timings)
    cpu: dict[str, float] = field(default_factory=dict)

    async def slice(self, seconds: float) -> None:
        stop = time.perf_counter() + seconds
        before = cpu_by_group(self.server_pid)
        started = time.perf_counter()
        await asyncio.gather(*self.users(self.timings, stop))
        self.timings.active += time.perf_counter() - started
        after = cpu_by_group(self.server_pid)
        for group, used in after.items():
            self.cpu[group] = self.cpu.get(group, 0.0) + used - before[group]

    def summary(self) -> dict[str, float]:
        """Rate and latencies, and the CPU milliseconds the server, PostgreSQL
        and this client spent per request."""
        summary = self.timings.summary()
        count = summary["count"] or 1
        for group, used in self.cpu.items():
            summary[f"cpu_ms_{group}"] = round(1000 * used / count, 3)
        return summary


def serve(
    app: str, port: int, workers: int, env: dict[str, str], factory: bool = False
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        cmd.append("--factory")
    return subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)


async def wait_up(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return
    raise RuntimeError(f"server on {port} did not start")


async def run(args: argparse.Namespace) -> dict[str, object]:
    db = "veldwerk_bench_respondent"
    await recreate(db)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
    settings = Settings(
        _env_file=None, database_url=url, secret_key=SECRET, environment="test"
    )  # type: ignore[call-arg]
    await asyncio.to_thread(upgrade_database, settings)
    tokens = await arrange(settings, args.respondents)
    env = {
        "VELDWERK_DATABASE_URL": url,
        "VELDWERK_SECRET_KEY": SECRET,
        "BENCH_DATABASE_URL": url,
        "VELDWERK_ENVIRONMENT": "test",
        "PYTHONPATH": str(ROOT),
    }
    results: dict[str, object] = {
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
    }

    base_proc = serve("benchmarks.baseline_app:app", 8931, args.workers, env)
    app_proc = serve("app.main:app_factory", 8932, args.workers, env, factory=True)
    try:
        await wait_up(8931)
        await wait_up(8932)
        # Warm-up: each worker process compiles the version once on first use.
        warm = Timings()
        await asyncio.gather(
            *(
                respondent(
                    "http://127.0.0.1:8932", tokens, warm, time.perf_counter() + 3
                )
                for _ in range(8)
            )
        )
        runs: dict[str, Run] = {}
        if "baseline" in args.modes:
            runs["baseline"] = Run(
                base_proc.pid,
                lambda timings, stop: (
                    baseline_user("http://127.0.0.1:8931", timings, stop)
                    for _ in range(args.concurrency)
                ),
            )
        loads: list[tuple[str, str, bool, float | None]] = [
            ("respondent_pages", "htmx", True, None),
            ("respondent_pages_no_js", "no-js", False, None),
        ]
        for rate in args.paced_rates:
            interval = args.concurrency / rate
            loads.append((f"respondent_pages_paced_{rate:g}", "paced", True, interval))
        for key, mode, htmx, interval in loads:
            if mode in args.modes:
                runs[key] = Run(
                    app_proc.pid,
                    lambda turns, stop, htmx=htmx, interval=interval: (
                        respondent(
                            "http://127.0.0.1:8932", tokens, turns, stop, htmx, interval
                        )
                        for _ in range(args.concurrency)
                    ),
                )
        # Interleaved: the machine's speed drifts (other tenants, clocks), and
        # a drift then weighs on every run alike instead of on one of them.
        for _ in range(args.rounds):
            for run in runs.values():
                await run.slice(args.seconds / args.rounds)
        for key, run in runs.items():
            results[key] = run.summary()
    finally:
        for proc in (base_proc, app_proc):
            proc.terminate()
            proc.wait()
    base_rate = results.get("baseline", {}).get("per_second", 0.0)  # type: ignore[attr-defined]
    for key, ratio in (
        ("respondent_pages", "ratio_pages_to_baseline"),
        ("respondent_pages_no_js", "ratio_no_js_pages_to_baseline"),
    ):
        if key in results and base_rate:
            results[ratio] = results[key]["per_second"] / base_rate  # type: ignore[index]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--respondents", type=int, default=3000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="slices per run; runs are interleaved slice by slice",
    )
    parser.add_argument(
        "--paced-rates",
        type=lambda text: [float(rate) for rate in text.split(",")],
        default=[100.0, 400.0],
        help="pages/s offered by the paced runs, comma-separated (the same "
        "respondents, reading between pages; default: 100,400)",
    )
    parser.add_argument(
        "--modes",
        type=lambda text: set(text.split(",")),
        default={"baseline", "htmx", "no-js", "paced"},
        help="comma-separated: baseline, htmx, no-js, paced (default: all)",
    )
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
