"""The privacy notice of a wave and the accessibility statement, linked from
every respondent page (both databases)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.samples.models import Wave
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio


async def test_privacy_notice_of_the_respondents_wave(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    invitation, token = await survey_with_invitation(session, settings)
    stored = await session.get(Wave, invitation.wave_id)
    assert stored is not None
    stored.closes_on = dt.date(2024, 5, 31)
    await session.commit()
    page = await client.get(f"/s/{token}/privacy")
    assert page.status_code == 200
    text = page.text
    assert "Privacyverklaring" in text and stored.name in text
    assert "vertrouwelijk" in text and "anoniem" not in text.lower()
    assert "29-08-2024" in text  # closing + 90 days: when contact data go
    assert settings.privacy_contact in text and "wissen" in text
    assert "Autoriteit Persoonsgegevens" in text
    assert (await client.get("/s/" + "x" * 43 + "/privacy")).status_code == 404


async def test_every_respondent_page_links_both_notices(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    welcome = await client.get(f"/s/{token}")
    assert f'href="/s/{token}/privacy"' in welcome.text
    assert 'href="/toegankelijkheid"' in welcome.text
    statement = await client.get("/toegankelijkheid")
    assert statement.status_code == 200
    for words in ("WCAG 2.1", "voldoen gedeeltelijk", "Bekende problemen", "Contact"):
        assert words in statement.text
