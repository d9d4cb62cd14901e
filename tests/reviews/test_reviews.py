"""Reviewer links: a reviewer without an account walks a draft and comments per
question; the researcher sees the comments per question and file line, resolves
them, and revokes the link, after which it is refused."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.reviews import service
from app.reviews.models import ReviewComment, ReviewLink
from app.samples.models import Invitation
from app.staff.models import AuditEvent, Role
from tests.fixtures.browser import live_server, run_async
from tests.fixtures.staff import PASSWORD, create_staff, logged_in
from tests.fixtures.surveys import MINI, page_path


def write_file(settings: Settings, text: str = MINI) -> None:
    folder = settings.questionnaires_dir / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.yaml").write_text(text, encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


async def make_link(client: httpx.AsyncClient, csrf: str) -> str:
    r = await client.post(
        "/staff/questionnaires/mini/1/review-links",
        data={
            "csrf_token": csrf,
            "label": "Opdrachtgever ronde 1",
            "days": "14",
            "draft": "1",
        },
    )
    assert r.status_code == 200, r.text
    match = re.search(r'value="(http[^"]+/r/[^"]+)"', r.text)
    assert match, r.text
    return httpx.URL(match.group(1)).path


class TestLines:
    def test_question_lines_from_block_and_flow_style(self) -> None:
        lines = service.question_lines(MINI)
        assert lines["q_contact"] == line_of(MINI, "{id: q_contact,")
        assert lines["p_safety"] == line_of(MINI, "- id: p_safety")
        assert "victim" in lines  # derived ids are declared with id: too


@pytest.mark.asyncio
class TestReviewFlow:
    async def test_reviewer_comments_researcher_resolves_and_revokes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        review_path = await make_link(client, csrf)
        stored = await session.scalar(select(ReviewLink))
        assert (
            stored is not None
            and review_path.rsplit("/", 1)[1] not in stored.token_hash
        )

        async with httpx.AsyncClient(
            transport=client._transport, base_url=str(client.base_url)
        ) as reviewer:
            welcome = await reviewer.get(review_path)
            assert welcome.status_code == 200 and "Start de beoordeling" in welcome.text
            r = await reviewer.post(
                review_path,
                data={"reviewer": "Mevr. De Vries", "attr_function": "burgemeester"},
            )
            assert r.status_code == 303
            walk = page_path(r)
            token = walk.split("/")[2]
            page = await reviewer.get(walk, follow_redirects=True)
            assert "Opmerking bij" in page.text and "als burgemeester" in page.text
            c = await reviewer.post(
                f"/opmerking/{token}",
                data={"question_id": "q_contact", "text": "Is 'contact' ook online?"},
            )
            assert c.status_code == 303
            bad = await reviewer.post(
                f"/opmerking/{token}", data={"question_id": "q_nope", "text": "x"}
            )
            assert bad.status_code == 422

        comments = await client.get("/staff/questionnaires/mini/1/comments")
        assert "Is &#39;contact&#39; ook online?" in comments.text
        assert f"regel {line_of(MINI, '{id: q_contact,')}" in comments.text
        assert "Mevr. De Vries" in comments.text
        comment = await session.scalar(select(ReviewComment))
        assert comment is not None and comment.version_label.startswith("1~")
        r = await client.post(
            f"/staff/review-comments/{comment.id}/resolve",
            data={"csrf_token": csrf, "back": "/staff/questionnaires/mini/1/comments"},
        )
        assert r.status_code == 303
        await session.refresh(comment)
        assert comment.resolved_at is not None

        # The next draft: the question id stays, so its comment shows there too.
        write_file(settings, MINI.replace("Mini-monitor", "Mini-monitor, ronde 2"))
        again = await client.get("/staff/questionnaires/mini/1/comments")
        assert "afgehandeld" in again.text and "Is &#39;contact&#39;" in again.text

        link = await session.scalar(select(ReviewLink))
        assert link is not None
        r = await client.post(
            f"/staff/review-links/{link.id}/revoke",
            data={"csrf_token": csrf, "back": "/staff/questionnaires/mini/1/comments"},
        )
        assert r.status_code == 303
        async with httpx.AsyncClient(
            transport=client._transport, base_url=str(client.base_url)
        ) as reviewer:
            refused = await reviewer.get(review_path)
            assert refused.status_code == 404 and "werkt niet" in refused.text
            late = await reviewer.post(
                f"/opmerking/{token}",
                data={"question_id": "q_contact", "text": "nog iets"},
            )
            assert late.status_code == 404
        assert (
            await session.scalar(select(func.count()).select_from(ReviewComment)) == 1
        )
        actions = set(await session.scalars(select(AuditEvent.action)))
        assert {
            "review.link_created",
            "review.comment_resolved",
            "review.link_revoked",
        } <= actions
        walk_invitation = await session.scalar(select(Invitation))
        assert walk_invitation is not None and walk_invitation.is_test

    async def test_expired_and_malformed_links_look_unknown(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        review_path = await make_link(client, csrf)
        link = await session.scalar(select(ReviewLink))
        assert link is not None
        link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await session.commit()
        for path in (review_path, "/r/x", "/r/" + "A" * 300):
            r = await client.get(path)
            assert r.status_code == 404, path

    async def test_only_researchers_make_links(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.analyst)
        r = await client.post(
            "/staff/questionnaires/mini/1/review-links",
            data={"csrf_token": csrf, "label": "x", "days": "14", "draft": "1"},
        )
        assert r.status_code == 403


@pytest.mark.browser
def test_reviewer_without_account_comments_in_chromium(
    browser_settings: Settings, browser_page: Page
) -> None:
    write_file(browser_settings)
    run_async(browser_settings, lambda s: create_staff(s, role=Role.researcher))
    page = browser_page
    with live_server(browser_settings) as base:
        page.goto(f"{base}/staff/login")
        page.fill("#email", "researcher@veldwerk.test")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.goto(f"{base}/staff/questionnaires/mini/1")
        page.fill("#review-label", "Opdrachtgever")
        page.get_by_role("button", name="Maak beoordelingslink").click()
        url = page.input_value("#review-url")
        reviewer = page.context.browser.new_context(locale="nl-NL").new_page()  # type: ignore[union-attr]
        reviewer.goto(url)
        reviewer.fill("#reviewer", "Jan Beoordelaar")
        reviewer.select_option("#attr_function", "raadslid")
        reviewer.get_by_role("button", name="Start de beoordeling").click()
        reviewer.wait_for_url(re.compile(r"/s/"))
        reviewer.fill("#comment-text-q_contact", "Graag ook 'nooit' als antwoord.")
        reviewer.locator("#comment-q_contact button").click()
        page.goto(f"{base}/staff/questionnaires/mini/1/comments")
        assert "Graag ook" in page.content() and "Jan Beoordelaar" in page.content()
        page.get_by_role("button", name="Intrekken").click()
        reviewer.goto(url)
        assert "Deze beoordelingslink werkt niet" in reviewer.content()
        reviewer.context.close()
