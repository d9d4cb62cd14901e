"""The ``veldwerk`` command as people run it: real subprocesses, real signals.

* ``serve --port N`` makes every link point at port N (one place knows the
  base URL: ``Settings.served_at``), in the app and in the worker beside it;
* SIGTERM to ``serve --with-worker`` stops the worker too;
* run from any directory, the CLI finds the project's files, and a database
  it cannot use is one line of advice, not a traceback.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.cli_support import upgrade_database
from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.mailings import (
    cli_env,
    create_mailing,
    create_open_wave,
    create_person,
    free_port,
)
from tests.fixtures.staff import create_staff, login


def _env_without_base_url(settings: Settings) -> dict[str, str]:
    env = cli_env(settings)
    del env["VELDWERK_BASE_URL"]
    return env


async def _arrange(settings: Settings) -> None:
    await asyncio.to_thread(upgrade_database, settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            wave = await create_open_wave(session, slug="w1")
            await create_person(
                session, settings, wave=wave, email="raadslid@testdam.test"
            )
            await create_mailing(session, settings, wave=wave)
            await create_staff(session, role=Role.fieldwork_manager)
    finally:
        await engine.dispose()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def _wait_until_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as probe:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            try:
                if (await probe.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    pytest.fail("veldwerk serve did not start")


@pytest.mark.asyncio
async def test_serve_on_another_port_links_there_and_sigterm_stops_the_worker(
    tmp_path: Path,
) -> None:
    settings = base_settings(f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    await _arrange(settings)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port),
         "--with-worker"],
        env=_env_without_base_url(settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(base, process)
        workers = _children(process.pid)
        assert len(workers) == 1, workers
        worker_env = Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
        assert f"VELDWERK_BASE_URL={base}".encode() in worker_env

        async with httpx.AsyncClient(base_url=base) as client:
            assert (
                await login(client, "fieldwork_manager@veldwerk.test")
            ).status_code == 303
            page = await client.get("/staff/waves/w1/mailings/uitnodiging")
            assert page.status_code == 200
        links = re.findall(r"https?://[^\s<\"']+/s/[\w-]+", html.unescape(page.text))
        assert links and all(link.startswith(base + "/s/") for link in links), links
        assert ":8000" not in page.text

        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
        deadline = time.monotonic() + 40
        while _alive(workers[0]) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not _alive(workers[0]), "the mail worker outlived serve"
    finally:
        if process.poll() is None:
            process.kill()
        for pid in _children(process.pid) if process.poll() is None else []:
            os.kill(pid, signal.SIGKILL)


def test_served_at_derives_the_base_url_unless_it_is_set() -> None:
    derived = Settings(_env_file=None).served_at("0.0.0.0", 8123)  # noqa: S104
    assert derived.base_url == "http://127.0.0.1:8123"
    assert Settings(_env_file=None).served_at("::1", 81).base_url == "http://[::1]:81"
    explicit = Settings(_env_file=None, base_url="https://monitor.example.nl")
    assert explicit.served_at("127.0.0.1", 8123).base_url == (
        "https://monitor.example.nl"
    )


def test_demo_prints_links_for_its_port_on_every_run(tmp_path: Path) -> None:
    settings = base_settings(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "app.cli", "demo", "--small", "--port", "8123"],
            env=_env_without_base_url(settings),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    for output in outputs:
        links = re.findall(r"https?://\S+", output)
        assert len(links) > 5
        assert all(link.startswith("http://127.0.0.1:8123/") for link in links), links


def test_default_database_lives_in_the_project_not_the_working_directory() -> None:
    url = Settings(_env_file=None).database_url
    path = Path(url.split(":///", 1)[1])
    assert path.is_absolute()
    assert path.is_relative_to(PROJECT_ROOT)


@pytest.mark.parametrize("where", ["missing-dir/x.db", "empty.db"])
def test_an_unusable_database_is_one_line_of_advice(tmp_path: Path, where: str) -> None:
    settings = base_settings(f"sqlite+aiosqlite:///{tmp_path / where}")
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "list"],
        env=cli_env(settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "veldwerk db upgrade" in lines[0] or "VELDWERK_DATABASE_URL" in lines[0]
