"""The officials' 2024 questionnaire in real Chromium, as a dike-reeve without aggression."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.cli_support import upgrade_database
from app.db import create_engine, create_sessionmaker, session_scope
from app.questionnaires import service as questionnaires_service
from app.responses.models import Response
from app.samples import service as samples_service
from tests.conftest import base_settings
from tests.fixtures.browser import chromium, live_server

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
INCIDENT_PAGES = {
    "p_split_verbal",
    "p_recent_description",
    "p_recent_severity",
    "p_discussed",
    "p_police_report",
    "p_aftercare",
    "p_effects",
}


async def _arrange(url: str) -> str:
    settings = base_settings(url)
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            version, _ = await questionnaires_service.publish_file(
                session, path=ROOT / "questionnaires/officials/2024.yaml"
            )
            wave = await samples_service.create_wave(
                session, slug="mis2024", name="MIV 2024"
            )
            await samples_service.set_wave_version(
                session, wave=wave, questionnaire="officials", version_id=version.id
            )
            _, token = await samples_service.create_invitation(
                session,
                settings,
                wave=wave,
                questionnaire="officials",
                attributes={
                    "tier": "waterschap",
                    "function": "dijkgraaf",
                    "email_kind": "persoonlijk",
                },
            )
        return token
    finally:
        await engine.dispose()


async def _stored(url: str) -> Response:
    engine = create_engine(url)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            found = await session.scalar(select(Response))
            assert found is not None
            return found
    finally:
        await engine.dispose()


def _advance(page: Page) -> None:
    before = page.url
    page.get_by_role("button", name="Volgende").click()
    deadline = time.monotonic() + 15
    while page.url == before and not page.locator("#error-summary").is_visible():
        assert time.monotonic() < deadline, f"stuck on {before}"
        page.wait_for_timeout(25)


def test_dike_reeve_without_aggression_completes_the_officials_questionnaire(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'officials.db'}"
    settings = base_settings(url, tmp_path)
    upgrade_database(settings)
    token = asyncio.run(_arrange(url))
    visited: list[str] = []
    with live_server(settings) as base, chromium() as (_, browser):
        page = browser.new_context(locale="nl-NL").new_page()
        page.goto(f"{base}/s/{token}")
        page.get_by_role("button", name="Start de vragenlijst").click()
        page.wait_for_url("**/p/**")
        for _ in range(60):
            if "/p/" not in page.url:
                break
            page_id = page.url.rsplit("/", 1)[1]
            visited.append(page_id)
            if page_id == "p_prevalence":
                for label in (
                    "Verbale agressie",
                    "Bedreiging of intimidatie",
                    "Fysieke agressie",
                ):
                    page.get_by_label(label, exact=True).fill("0")
            if page_id == "p_contact":
                page.get_by_label("Dagelijks").check()
            _advance(page)
        expect(page.get_by_role("heading", name="Vragenlijst afgerond")).to_be_visible()
    assert visited[0] == "p_contact"
    assert "p_prevalence" in visited
    assert not INCIDENT_PAGES & set(visited), "the incident block is only for victims"
    assert "p_party" in visited  # background questions reached
    stored = asyncio.run(_stored(url))
    assert stored.status == "complete"
    assert stored.answers["q_aggr_count"] == {
        "verbaal": 0,
        "bedr_intim": 0,
        "fysiek": 0,
    }
