"""The monitor in a real browser: live figures without reloading, the CSV
download, the curve selector with htmx, and other roles refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.samples.models import Invitation
from app.staff.models import Role
from tests.fixtures.browser import PHONE, axe_violations, live_server, run_async
from tests.fixtures.monitoring import create_wave, invite
from tests.fixtures.staff import PASSWORD, create_staff

pytestmark = pytest.mark.browser
PAGE = "/staff/monitor/miv-2024/officials"


@pytest.fixture
def browser_settings_overrides() -> dict[str, Any]:
    return {"monitor_refresh_seconds": 0.5}


def arrange(settings: Settings) -> int:
    async def work(session: AsyncSession) -> int:
        wave = await create_wave(session)
        await invite(
            session, settings, wave=wave, function="burgemeester", status="complete"
        )
        waiting = await invite(session, settings, wave=wave, function="burgemeester")
        for role in (Role.fieldwork_manager, Role.analyst, Role.researcher):
            await create_staff(session, role=role)
        return waiting.id

    return run_async(settings, work)


def log_in(page: Page, base: str, role: Role) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#email", f"{role.value}@veldwerk.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("main h1")).to_contain_text("Welkom")


def test_manager_sees_a_response_arrive_and_downloads_the_csv(
    browser_page: Page, browser_settings: Settings, tmp_path: Path
) -> None:
    waiting = arrange(browser_settings)
    with live_server(browser_settings) as base:
        _see_a_response_arrive(browser_page, browser_settings, base, waiting, tmp_path)


def _see_a_response_arrive(
    browser_page: Page,
    browser_settings: Settings,
    base: str,
    waiting: int,
    tmp_path: Path,
) -> None:
    problems: list[str] = []  # CSP violations and script errors show up here
    browser_page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    browser_page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    log_in(browser_page, base, Role.fieldwork_manager)
    browser_page.goto(f"{base}{PAGE}")
    response = browser_page.locator('[data-figure="response"]')
    expect(response).to_have_text("1")
    browser_page.evaluate("window.notReloaded = true")

    def respond(session: AsyncSession) -> Any:
        return session.execute(
            update(Invitation)
            .where(Invitation.id == waiting)
            .values(
                status="response",
                started_at=dt.datetime(2024, 4, 17, 9, tzinfo=dt.UTC),
                response_at=dt.datetime(2024, 4, 17, 9, 5, tzinfo=dt.UTC),
            )
        )

    run_async(browser_settings, respond)
    expect(response).to_have_text("2", timeout=10_000)
    expect(browser_page.locator('[data-figure="response-rate"]')).to_have_text("100%")
    assert browser_page.evaluate("window.notReloaded") is True
    row = browser_page.locator("#table-main tr", has_text="Burgemeesters")
    expect(row.locator("td").nth(6)).to_have_text("2")

    with browser_page.expect_download() as download_info:
        browser_page.locator("a", has_text="CSV voor Excel (;)").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith("monitor_miv-2024_officials_main_")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    # two mayors: below k, so the download does not show them (issue 17)
    assert "Burgemeesters;<5;<5;0;0;0;<5;<5;<5;x;x" in content.decode("utf-8-sig")
    assert problems == []


def test_curve_selector_swaps_the_figures_and_keeps_the_choice(
    browser_page: Page, browser_settings: Settings
) -> None:
    arrange(browser_settings)
    with live_server(browser_settings) as base:
        _choose_a_curve(browser_page, base)


def _choose_a_curve(browser_page: Page, base: str) -> None:
    log_in(browser_page, base, Role.fieldwork_manager)
    browser_page.goto(f"{base}{PAGE}")
    browser_page.evaluate("window.notReloaded = true")
    browser_page.select_option("#curve", "tier")
    caption = browser_page.locator("#table-curve caption")
    expect(caption).to_contain_text("naar bestuurslaag")
    expect(browser_page).to_have_url(f"{base}{PAGE}?curve=tier")
    browser_page.wait_for_timeout(1500)  # a few polls later the choice holds
    expect(caption).to_contain_text("naar bestuurslaag")
    expect(browser_page.locator("#curve")).to_have_value("tier")
    assert browser_page.evaluate("window.notReloaded") is True
    svg = browser_page.locator("svg.curve")
    expect(svg.locator("title")).to_have_text(
        "Cumulatieve respons per dag, naar bestuurslaag"
    )


@pytest.mark.parametrize("role", [Role.analyst, Role.researcher])
def test_other_roles_get_403(
    browser_page: Page, browser_settings: Settings, role: Role
) -> None:
    arrange(browser_settings)
    with live_server(browser_settings) as base:
        log_in(browser_page, base, role)
        response = browser_page.goto(f"{base}{PAGE}")
        assert response is not None and response.status == 403
        expect(browser_page.locator("main")).to_contain_text("Geen toegang")
        expect(browser_page.locator("nav")).not_to_contain_text("Monitor")


def test_monitor_tables_are_reachable_with_the_keyboard(
    browser: Browser, browser_settings: Settings
) -> None:
    """axe finds nothing serious on the monitor at phone width: its scrolling
    tables are focusable, named regions (scrollable-region-focusable)."""
    arrange(browser_settings)
    with live_server(browser_settings) as base:
        context = browser.new_context(locale="nl-NL", bypass_csp=True, viewport=PHONE)
        page = context.new_page()
        try:
            log_in(page, base, Role.fieldwork_manager)
            page.goto(f"{base}{PAGE}")
            regions = page.locator(".table-scroll")
            assert regions.count() >= 4
            for i in range(regions.count()):
                region = regions.nth(i)
                assert region.get_attribute("tabindex") == "0"
                assert region.get_attribute("role") == "region"
                assert region.get_attribute("aria-label")
            assert axe_violations(page) == []
        finally:
            context.close()
