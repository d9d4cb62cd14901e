"""A respondent chooses English on the welcome page in real Chromium."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.cli_support import upgrade_database
from app.db import create_engine, create_sessionmaker, session_scope
from app.questionnaires import loader
from app.questionnaires.service import publish_compiled
from app.responses.models import Response
from tests.conftest import base_settings
from tests.fixtures.browser import PHONE, chromium, live_server
from tests.fixtures.surveys import MINI, MINI_ENGLISH, invite, make_wave
from tests.responses.test_browser import SETTLE_COUNTER

pytestmark = pytest.mark.browser


async def _arrange(url: str) -> str:
    settings = base_settings(url)
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            version, _ = await publish_compiled(
                session,
                compiled=loader.load_text(MINI, "mini/1.yaml"),
                text=MINI,
                path="mini/1.yaml",
                translated={"en": MINI_ENGLISH},
            )
            wave = await make_wave(session, version)
            _, token = await invite(session, settings, wave, function="burgemeester")
        return token
    finally:
        await engine.dispose()


async def _language(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            return await session.scalar(select(Response.language))
    finally:
        await engine.dispose()


def test_respondent_switches_to_english_and_answers_in_english(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    token = asyncio.run(_arrange(url))
    with live_server(settings) as base, chromium() as (_, browser):
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="nl-NL")
        context.add_init_script(SETTLE_COUNTER)
        page = context.new_page()
        page.goto(f"{base}/s/{token}")
        expect(page.get_by_role("heading", name="Mini-monitor")).to_be_visible()
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", name="Mini monitor")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("button", name="Start the questionnaire").click()
        expect(
            page.get_by_text("How often do you, as mayor, have contact")
        ).to_be_visible()
        page.get_by_role("button", name="Next").click()
        expect(page.locator("#error-summary")).to_contain_text(
            re.compile("answer this question", re.IGNORECASE)
        )
        page.get_by_label("Often").check()
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("radiogroup", name="I feel safe")).to_be_visible()
        expect(page.get_by_role("button", name="Previous")).to_be_visible()
        context.close()
    assert asyncio.run(_language(url)) == "en"
