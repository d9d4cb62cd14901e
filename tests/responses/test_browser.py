"""A respondent on a phone-sized screen in real Chromium: routing, leaving, resuming."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.cli_support import upgrade_database
from app.db import create_engine, create_sessionmaker, session_scope
from app.responses.models import Response
from tests.conftest import base_settings
from tests.fixtures.browser import PHONE, axe_violations, chromium, live_server
from tests.fixtures.surveys import invite, make_wave, publish_text

pytestmark = pytest.mark.browser


async def _arrange_many(url: str, count: int) -> list[str]:
    settings = base_settings(url)
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            version = await publish_text(session)
            wave = await make_wave(session, version)
            tokens = []
            for _ in range(count):
                _, token = await invite(
                    session, settings, wave, function="burgemeester"
                )
                tokens.append(token)
        return tokens
    finally:
        await engine.dispose()


async def _arrange(url: str) -> str:
    return (await _arrange_many(url, 1))[0]


async def _stored(url: str) -> Response:
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            found = await session.scalar(select(Response))
            assert found is not None
            return found
    finally:
        await engine.dispose()


SETTLE_COUNTER = (
    "window.__settled = 0;"
    "document.addEventListener('htmx:afterSettle', () => { window.__settled += 1; });"
)


def _next(page: Page) -> None:
    """Click "Volgende" and wait until htmx has swapped in the answer."""
    before = page.evaluate("window.__settled")
    page.get_by_role("button", name="Volgende").click()
    # Polled from Python: wait_for_function would eval() in the page, which our
    # Content-Security-Policy (rightly) forbids.
    deadline = time.monotonic() + 10
    while page.evaluate("window.__settled") <= before:
        assert time.monotonic() < deadline, "the page did not change"
        page.wait_for_timeout(25)


def test_phone_respondent_completes_with_routing_after_resuming(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    token = asyncio.run(_arrange(url))
    with live_server(settings) as base, chromium() as (_, browser):
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="nl-NL"
        )
        context.add_init_script(SETTLE_COUNTER)
        page = context.new_page()
        page.goto(f"{base}/s/{token}")
        expect(page.get_by_role("heading", name="Mini-monitor")).to_be_visible()
        page.get_by_role("button", name="Start de vragenlijst").click()
        # Piped attribute, required question: submit empty first.
        expect(
            page.get_by_text("Hoe vaak heeft u als burgemeester contact")
        ).to_be_visible()
        _next(page)
        expect(page.locator("#error-summary")).to_contain_text("beantwoord deze vraag")
        page.get_by_label("Anders").check()
        page.get_by_label("Namelijk:").fill("Op de markt")
        _next(page)
        # Grid on a phone: each statement is its own group with visible labels.
        expect(page.get_by_role("radiogroup", name="Ik voel me veilig")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/p/p_safety$"))  # HX-Push-Url
        page.get_by_role("radiogroup", name="Ik voel me veilig").get_by_label(
            "Eens", exact=True
        ).check()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
        _next(page)
        expect(page.get_by_label("Online")).to_be_visible()
        # With JavaScript a page turn is one POST answered with the next page.
        assert [r.split()[0] for r in requests if "/s/" in r] == ["POST"]
        expect(page).to_have_url(re.compile(r"/p/p_count$"))
        page.get_by_label("Online").fill("3")
        page.get_by_label("Offline").fill("0")
        _next(page)
        expect(page.get_by_text("Hoe ernstig?")).to_be_visible()
        # Leave halfway: close the browser context, come back with the same link.
        context.close()
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL")
        context.add_init_script(SETTLE_COUNTER)
        page = context.new_page()
        page.goto(f"{base}/s/{token}")
        expect(page.get_by_text("Hoe ernstig?")).to_be_visible()
        assert page.url.endswith("/p/p_severity")
        page.get_by_label("6", exact=True).check()
        page.get_by_label("Facebook").check()
        _next(page)
        # Only mayors get this page (routing on the sample attribute).
        expect(page.get_by_text("Wat doet u als burgemeester?")).to_be_visible()
        page.get_by_label("Wat doet u als burgemeester?").fill("Aangifte gedaan")
        _next(page)
        expect(page.get_by_label("Opmerkingen?")).to_be_visible()
        _next(page)
        expect(page.get_by_role("heading", name="Vragenlijst afgerond")).to_be_visible()
        context.close()
    stored = asyncio.run(_stored(url))
    assert stored.status == "complete"
    assert stored.answers["q_contact"] == 3
    assert stored.answers["q_contact_other"] == "Op de markt"
    assert stored.answers["q_count"] == {"online": 3, "offline": 0}
    assert stored.answers["q_severity"] == 6
    assert stored.answers["q_channels"] == [2]
    assert stored.answers["q_mayor"] == "Aangifte gedaan"


def test_works_without_javascript(tmp_path: Path) -> None:
    """Plain HTML forms: the same way through with JavaScript switched off."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'nojs.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    token = asyncio.run(_arrange(url))
    with live_server(settings) as base, chromium() as (_, browser):
        context = browser.new_context(java_script_enabled=False, locale="nl-NL")
        page = context.new_page()
        page.goto(f"{base}/s/{token}")
        page.get_by_role("button", name="Start de vragenlijst").click()
        page.get_by_role("button", name="Volgende").click()
        expect(page.locator("#error-summary")).to_contain_text("beantwoord deze vraag")
        page.get_by_label("Vaak").check()
        page.get_by_role("button", name="Volgende").click()
        expect(page.get_by_role("radiogroup", name="Ik voel me veilig")).to_be_visible()
        page.get_by_role("button", name="Vorige").click()
        expect(page.get_by_label("Vaak")).to_be_checked()
        context.close()


def test_respondent_pages_have_no_serious_accessibility_violations(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'axe.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    tokens = asyncio.run(_arrange_many(url, 2))
    with live_server(settings) as base, chromium() as (_, browser):
        for token, viewport in zip(
            tokens, (PHONE, {"width": 1280, "height": 900}), strict=True
        ):
            context = browser.new_context(
                viewport=viewport, bypass_csp=True, locale="nl-NL"
            )
            page = context.new_page()
            page.goto(f"{base}/s/{token}")
            problems = axe_violations(page)
            page.get_by_role("button", name="Start de vragenlijst").click()
            page.wait_for_url("**/p/**")
            page.get_by_role("button", name="Volgende").click()  # error summary
            expect(page.locator("#error-summary")).to_be_visible()
            problems += axe_violations(page)
            page.get_by_label("Vaak").check()
            page.get_by_role("button", name="Volgende").click()
            expect(
                page.get_by_role("radiogroup", name="Ik voel me veilig")
            ).to_be_visible()
            problems += axe_violations(page)  # the grid
            page.goto(f"{base}/staff/login")
            problems += axe_violations(page)
            assert problems == [], "\n".join(problems)
            context.close()
