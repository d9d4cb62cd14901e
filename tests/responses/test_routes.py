"""Respondent routes answer malformed input like unknown input: one 404 page."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.fixtures.surveys import page_path, survey_with_invitation

pytestmark = pytest.mark.asyncio

MALFORMED = [
    "a" * 65,
    "a" * 101,
    "b" * 5000,
    "short",
    "abc$def!ghi+jkl=mnopqrstuv",
    "%00" * 30,
]
UNKNOWN = "Z" * 32

SURVEY_ROUTES = [
    ("GET", "/s/{}"),
    ("POST", "/s/{}"),
    ("GET", "/s/{}/p/p_intro"),
    ("POST", "/s/{}/p/p_intro"),
    ("GET", "/s/{}/klaar"),
]
UNSUBSCRIBE_ROUTES = [("GET", "/u/{}"), ("POST", "/u/{}")]


@pytest.mark.parametrize(("method", "route"), SURVEY_ROUTES + UNSUBSCRIBE_ROUTES)
async def test_malformed_tokens_get_the_same_404_as_unknown_ones(
    client: httpx.AsyncClient, method: str, route: str
) -> None:
    unknown = await client.request(method, route.format(UNKNOWN))
    assert unknown.status_code == 404
    for token in MALFORMED:
        answer = await client.request(method, route.format(token))
        assert answer.status_code == 404, (token[:20], answer.status_code)
        assert answer.text == unknown.text


async def test_a_malformed_page_id_leads_back_to_the_survey(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    await client.post(f"/s/{token}")
    for page in ("P-INTRO", "x" * 300, "p_unknown"):
        shown = await client.get(f"/s/{token}/p/{page}")
        assert shown.status_code == 303, page
        assert page_path(shown) == f"/s/{token}/p/p_intro"
        posted = await client.post(f"/s/{token}/p/{page}", data={"q_contact": "1"})
        assert posted.status_code == 303, page
