"""Upload, problem report, preview and draw in a real browser (Playwright + system Chromium).

Also checks the pages against the strict CSP: any violation or script error
shows up on the console and fails the test. Self-contained fixtures (a live
uvicorn server in a thread on a fresh SQLite file); Playwright's sync API runs
on the main thread, so database work runs on its own thread and loop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import upgrade_database
from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.main import create_app
from app.samples import demo_frame
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.samples import create_wave
from tests.fixtures.staff import PASSWORD, create_staff

pytestmark = pytest.mark.browser
T = TypeVar("T")
CHROMIUM = os.environ.get("VELDWERK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _in_thread(function: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def runner() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return _in_thread(lambda: asyncio.run(runner()))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    settings = base_settings(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}")
    _in_thread(lambda: upgrade_database(settings))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    yield settings, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def test_manager_uploads_fixes_and_draws(
    page: Page, live: tuple[Settings, str], tmp_path: Path
) -> None:
    settings, base = live

    async def arrange(session: AsyncSession) -> None:
        await create_wave(session)
        await create_staff(session, role=Role.fieldwork_manager)

    _run(settings, arrange)
    problems: list[str] = []
    # CSP violations ("Refused to ...") and script errors; a missing favicon is fine.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{base}/staff/login")
    page.fill("#email", "fieldwork_manager@veldwerk.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Welkom")

    bad = tmp_path / "adressen.csv"
    bad.write_bytes(
        "Naam;E-mailadres;Functie;Organisatie\nA;a@x.test;wethouder;G\nB;b@@x;wethoudr;G\n".encode(
            "cp1252"
        )
    )
    page.goto(f"{base}/staff/waves/miv-2024")
    page.set_input_files("#file", str(bad))
    page.click("form.upload button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Bestand afgewezen")
    expect(page.locator("table.problems")).to_contain_text("bedoelt u 'wethouder'?")
    with page.expect_download() as download:
        page.click("text=Foutenlijst downloaden (CSV)")
    assert "EMAIL_INVALID" in Path(download.value.path()).read_text(
        encoding="utf-8-sig"
    )

    good = tmp_path / "adressen-goed.csv"
    good.write_bytes(
        demo_frame.demo_frame_bytes("officials", seed=3, size=demo_frame.SMALL)
    )
    page.set_input_files("#file", str(good))
    page.click("form.upload button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Adresbestand: adressen-goed.csv")

    page.goto(f"{base}/staff/waves/miv-2024")
    page.click("text=Steekproef trekken: politieke ambtsdragers")
    page.click("text=Volledige telling van het adresbestand")
    page.click("button[value=preview]")
    expect(page.locator("main h2").first).to_contain_text("Voorbeeld")
    expect(page.locator("table.summary")).to_contain_text("Gemeente · Burgemeesters")
    page.click("button[value=draw]")
    expect(page.locator("dl.facts")).to_contain_text("887")
    assert problems == []
