"""The mailing pages in a real browser (Playwright + the system Chromium):
plan a mailing, see it resolved, preview the HTML part in its sandboxed frame,
queue a test mail, all without violating the strict CSP."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import upgrade_database
from app.config import Settings
from app.db import create_engine, create_sessionmaker, session_scope
from app.mailings.models import OutboxMessage
from app.main import create_app
from app.staff.models import Role
from tests.conftest import base_settings
from tests.fixtures.mailings import create_person, create_wave_2024, free_port
from tests.fixtures.staff import PASSWORD, create_staff

pytestmark = pytest.mark.browser
T = TypeVar("T")
CHROMIUM = os.environ.get("VELDWERK_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def off_loop(function: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def runner() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return off_loop(lambda: asyncio.run(runner()))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    port = free_port()
    settings = base_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}",
        base_url=f"http://127.0.0.1:{port}",
    )
    off_loop(lambda: upgrade_database(settings))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield settings, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        yield context.new_page()
        context.close()
        browser.close()


def test_plan_preview_and_test_mail(live: tuple[Settings, str], page: Page) -> None:
    settings, base = live

    async def arrange(session: AsyncSession) -> str:
        wave = await create_wave_2024(session)
        await create_person(session, settings, wave=wave, email="raad@utrecht.test")
        user = await create_staff(session, role=Role.fieldwork_manager)
        return user.email

    email = in_session(settings, arrange)
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )

    page.goto(f"{base}/staff/login?next=/staff/waves/mio-2024/mailings")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/waves/mio-2024/mailings")

    page.fill("#m-name", "uitnodiging")
    page.check("#rk-open")
    page.click("text=Toevoegen als concept")
    page.wait_for_selector("text=Mailing 'uitnodiging' toegevoegd als concept.")
    page.fill("#m-name", "herinnering")
    page.select_option("#m-kind", "reminder")
    page.check("#rk-recess")
    page.select_option("#m-recess", "meireces")
    page.fill("#m-days", "2")
    page.check("#m-noresp")
    page.click("text=Toevoegen als concept")
    plan = page.locator("table.mailing-plan")
    plan.wait_for()
    assert "dinsdag 16 april 2024 09:00" in plan.inner_text()
    assert "dinsdag 7 mei 2024 09:00" in plan.inner_text()

    page.click("a:has-text('herinnering') >> nth=0")
    page.wait_for_selector("h1:has-text('herinnering')")
    assert "Herinnering: Monitor Integriteit en Veiligheid 2024" in page.content()
    frame = page.frame_locator("iframe.mail-frame")
    frame.locator("text=Geacht raadslid,").wait_for()
    assert frame.locator("a:has-text('Naar de vragenlijst')").count() == 1

    page.click("text=Testmail naar mij sturen")
    page.wait_for_selector("text=staat klaar")

    async def queued(session: AsyncSession) -> list[str | None]:
        return list(await session.scalars(select(OutboxMessage.test_recipient)))

    assert in_session(settings, queued) == [email]
    assert not [p for p in problems if "Content Security Policy" in p], problems
