"""Page turns as a browser with JavaScript makes them (htmx): one POST answered
with the next page and its address, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio

HX = {"HX-Request": "true", "HX-Boosted": "true"}


def form_action(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', html)
    assert match, "no form on the page"
    return match.group(1)


def without_clock(html: str) -> str:
    """The page minus the shown-at stamp, which differs between two renders."""
    return re.sub(r'name="_t" value="\d+"', 'name="_t" value=""', html)


async def test_each_page_turn_is_one_request_that_carries_the_next_page(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    invitation, token = await survey_with_invitation(session, settings)
    first = await client.post(f"/s/{token}", headers=HX)
    assert first.status_code == 200
    assert first.headers["HX-Push-Url"] == f"/s/{token}/p/p_intro"
    assert form_action(first.text) == f"/s/{token}/p/p_intro"
    assert "HX-Request" in first.headers["Vary"]

    turn = await client.post(
        f"/s/{token}/p/p_intro",
        data={"q_contact": "1", "_shown": "q_contact", "nav": "next"},
        headers=HX,
    )
    assert turn.status_code == 200
    assert turn.headers["HX-Push-Url"] == f"/s/{token}/p/p_safety"
    # What the POST answered is what the pushed address shows.
    shown = await client.get(turn.headers["HX-Push-Url"])
    assert without_clock(shown.text) == without_clock(turn.text)

    turn = await client.post(
        f"/s/{token}/p/p_safety", data={"_shown": "q_safety"}, headers=HX
    )
    assert turn.headers["HX-Push-Url"] == f"/s/{token}/p/p_count"
    # Landing on the threshold page through the POST counts as a response.
    await session.refresh(invitation)
    assert invitation.status == "response"

    turn = await client.post(
        f"/s/{token}/p/p_count",
        data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
        headers=HX,
    )
    assert turn.headers["HX-Push-Url"] == f"/s/{token}/p/p_end"
    assert "Vorige" in turn.text  # the back button knows where back is

    done = await client.post(
        f"/s/{token}/p/p_end", data={"q_remarks": "", "_shown": "q_remarks"}, headers=HX
    )
    assert done.status_code == 200
    assert done.headers["HX-Push-Url"] == f"/s/{token}/klaar"
    assert "Dank u wel" in done.text and "Steunpunt" in done.text
    await session.refresh(invitation)
    assert invitation.status == "complete"


async def test_going_back_answers_with_the_previous_page(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    await client.post(f"/s/{token}", headers=HX)
    await client.post(
        f"/s/{token}/p/p_intro",
        data={"q_contact": "2", "_shown": "q_contact"},
        headers=HX,
    )
    back = await client.post(
        f"/s/{token}/p/p_safety",
        data={"q_safety.veilig": "1", "_shown": "q_safety", "nav": "back"},
        headers=HX,
    )
    assert back.headers["HX-Push-Url"] == f"/s/{token}/p/p_intro"
    assert 'value="2" checked' in back.text  # the earlier answer is kept


async def test_invalid_answers_come_back_without_moving_the_address(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    await client.post(f"/s/{token}", headers=HX)
    bad = await client.post(
        f"/s/{token}/p/p_intro", data={"_shown": "q_contact"}, headers=HX
    )
    assert bad.status_code == 422
    assert "HX-Push-Url" not in bad.headers
    assert "error-summary" in bad.text


async def test_without_javascript_a_page_turn_still_redirects(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    _, token = await survey_with_invitation(session, settings)
    started = await client.post(f"/s/{token}")
    assert started.status_code == 303
    turn = await client.post(
        f"/s/{token}/p/p_intro", data={"q_contact": "1", "_shown": "q_contact"}
    )
    assert turn.status_code == 303
    assert turn.headers["location"].endswith("/p/p_safety")
    assert "HX-Push-Url" not in turn.headers
