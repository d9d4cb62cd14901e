"""The privacy notice and the accessibility statement in real Chromium, on a
phone and a desktop: reachable from the welcome page, no serious or critical
axe violations, no sideways scrolling."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.cli_support import upgrade_database
from app.db import create_engine, create_sessionmaker, session_scope
from tests.conftest import base_settings
from tests.fixtures.browser import PHONE, axe_violations, chromium, live_server
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.browser


async def _arrange(url: str) -> str:
    settings = base_settings(url)
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            _, token = await survey_with_invitation(session, settings)
        return token
    finally:
        await engine.dispose()


def test_both_notices_pass_axe_on_phone_and_desktop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    token = asyncio.run(_arrange(url))
    with live_server(settings) as base, chromium() as (_, browser):
        for viewport in (PHONE, {"width": 1280, "height": 900}):
            context = browser.new_context(
                viewport=viewport, locale="nl-NL", bypass_csp=True
            )
            page = context.new_page()
            page.goto(f"{base}/s/{token}")
            page.get_by_role("link", name="Privacyverklaring").click()
            expect(
                page.get_by_role("heading", name="Privacyverklaring")
            ).to_be_visible()
            assert axe_violations(page) == []
            assert page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"
            )
            page.get_by_role("link", name="Toegankelijkheid").click()
            expect(
                page.get_by_role("heading", name="Toegankelijkheidsverklaring")
            ).to_be_visible()
            assert axe_violations(page) == []
            assert page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"
            )
            context.close()
