"""The export page in a real browser (Playwright + the system Chromium).

Self-contained (live server in a thread, SQLite file): an analyst picks wave
and questionnaire, chooses a format and downloads, without JavaScript errors
or CSP violations.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyreadstat
import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from app.cli_support import upgrade_database
from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.main import create_app
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.exports import Dataset, build_dataset
from tests.fixtures.staff import PASSWORD, create_staff

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_thread(function):  # Playwright's sync API owns the main thread's loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Settings, Dataset]]:
    settings = base_settings(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}")
    _in_thread(lambda: upgrade_database(settings))

    async def arrange() -> Dataset:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                data = await build_dataset(session, settings, respondents=15)
                await create_staff(session, role=Role.analyst)
                return data
        finally:
            await engine.dispose()

    data = _in_thread(lambda: asyncio.run(arrange()))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), (
            "the live server did not start"
        )
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings, data
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture
def page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def watch(page: Page, problems: list[str]) -> None:
    """Script errors, CSP violations and failed requests (the browser's own
    favicon request aside: the app serves none)."""
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )


def test_analyst_chooses_and_downloads(
    page: Page, site: tuple[str, Settings, Dataset], tmp_path: Path
) -> None:
    base, _, data = site
    problems: list[str] = []
    watch(page, problems)
    page.goto(f"{base}/staff/login")
    page.fill("#email", "analyst@veldwerk.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=Exports")
    expect(page.locator("main h1")).to_have_text("Exports voor analisten")
    page.select_option("#wave", "mies-2024")
    page.click("text=Kiezen")
    page.select_option("#questionnaire", "officials")
    page.click("text=Kiezen")
    expect(page.locator("text=Export van officials")).to_be_visible()
    page.check("#format-csv")
    page.check("#include_partial")
    page.select_option("#separator", ";")
    with page.expect_download() as info:
        page.click("text=Downloaden")
    download = info.value
    assert download.suggested_filename == "mies-2024_officials_2024.zip"
    download.save_as(tmp_path / "x.zip")
    bundle = zipfile.ZipFile(tmp_path / "x.zip")
    lines = bundle.read("data.csv").decode("utf-8-sig").splitlines()
    assert lines[0].startswith("respondent_id;version;status")
    assert len(lines) - 1 == len(data.ids(include_partial=True))

    page.check("#format-sav")
    page.uncheck("#include_partial")
    with page.expect_download() as info:
        page.click("text=Downloaden")
    info.value.save_as(tmp_path / "x.sav")
    frame, _ = pyreadstat.read_sav(str(tmp_path / "x.sav"))
    assert len(frame) == len(data.ids(include_partial=False))
    assert problems == []


def test_population_page_saves_without_javascript_errors(
    page: Page, site: tuple[str, Settings, Dataset]
) -> None:
    base, _, _ = site
    problems: list[str] = []
    watch(page, problems)
    page.goto(f"{base}/staff/login")
    page.fill("#email", "analyst@veldwerk.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/staff/exports?wave=mies-2024&questionnaire=officials")
    expect(page.locator("#population-unconfirmed")).to_be_visible()
    page.click("text=Populatieaantallen bekijken, bevestigen of invoeren")
    page.fill("#count-function-raadslid", "8476")
    page.click("text=Opslaan")
    expect(page.locator("[role=status]")).to_have_text("Opgeslagen.")
    expect(page.locator("#count-function-raadslid")).to_have_value("8476")
    # the other counts still rest on the sample: confirm them with the button
    page.click("text=Aantallen uit het adresbestand bevestigen")
    expect(page.locator("[role=status]")).to_have_text("Bevestigd.")
    expect(page.locator("#count-function-raadslid")).to_have_value("8476")
    page.goto(f"{base}/staff/exports?wave=mies-2024&questionnaire=officials")
    expect(page.locator("#population-unconfirmed")).to_have_count(0)
    assert problems == []
