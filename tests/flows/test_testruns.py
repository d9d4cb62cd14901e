"""Drafts: a checked, unpublished file can be test-run by staff, never fielded."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import InvalidInput
from app.questionnaires import service
from app.questionnaires.models import QuestionnaireVersion
from app.samples import service as samples_service
from app.samples.models import Invitation
from app.staff.models import AuditEvent, Role
from tests.fixtures.browser import live_server, run_async
from tests.fixtures.staff import PASSWORD, create_staff, logged_in
from tests.fixtures.surveys import MINI, page_path


def write_file(settings: Settings, text: str = MINI) -> None:
    folder = settings.questionnaires_dir / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.yaml").write_text(text, encoding="utf-8")


async def start_draft_run(client: httpx.AsyncClient, csrf: str) -> httpx.Response:
    return await client.post(
        "/staff/questionnaires/mini/1/test-run",
        data={"csrf_token": csrf, "attr_function": "burgemeester", "draft": "1"},
    )


@pytest.mark.asyncio
class TestDraftTestRun:
    async def test_a_draft_is_test_run_without_being_published(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        page = await client.get("/staff/questionnaires/mini/1")
        assert "Start proefinvulling van het concept" in page.text
        r = await start_draft_run(client, csrf)
        assert r.status_code == 303
        survey = await client.get(page_path(r), follow_redirects=True)
        assert survey.status_code == 200
        assert "Proefinvulling" in survey.text and "als burgemeester" in survey.text
        invitation = await session.scalar(select(Invitation))
        assert invitation is not None and invitation.is_test
        # Not a version: nothing to publish into a wave, nothing listed.
        assert await service.list_versions(session) == []
        assert await service.newest_version(session, questionnaire="mini") is None
        draft = await session.scalar(select(QuestionnaireVersion))
        assert draft is not None and draft.is_draft
        assert draft.version.startswith("1~")
        audit = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "questionnaire.test_draft")
        )
        assert audit == 1

    async def test_the_same_draft_is_stored_once_an_edit_again(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        await start_draft_run(client, csrf)
        await start_draft_run(client, csrf)
        write_file(settings, MINI.replace("Mini-monitor", "Mini-monitor (herzien)"))
        await start_draft_run(client, csrf)
        drafts = list(await session.scalars(select(QuestionnaireVersion)))
        assert len(drafts) == 2 and all(d.is_draft for d in drafts)
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 3

    async def test_publishing_after_drafts_gives_the_plain_version(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        await start_draft_run(client, csrf)
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 303
        versions = await service.list_versions(session)
        assert [v.ref for v in versions] == ["mini/1"]
        newest = await service.newest_version(session, questionnaire="mini")
        assert newest is not None and not newest.is_draft

    async def test_a_draft_cannot_be_fielded(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        await start_draft_run(client, csrf)
        draft = await session.scalar(select(QuestionnaireVersion))
        assert draft is not None
        wave = await samples_service.create_wave(session, slug="w-2025", name="W")
        with pytest.raises(InvalidInput):
            await samples_service.choose_version(
                session, wave=wave, questionnaire="mini", version_id=draft.id
            )

    async def test_a_broken_draft_is_refused_with_file_and_line(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(
            settings, MINI.replace('relevant: "${victim}"', 'relevant: "${nope}"')
        )
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await start_draft_run(client, csrf)
        assert r.status_code == 422
        assert re.search(r"mini/1\.yaml:\d+", r.text), r.text
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 0

    async def test_no_file_no_draft(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await client.post(
            "/staff/questionnaires/..%2F..%2Fetc/passwd/test-run",
            data={"csrf_token": csrf, "draft": "1"},
        )
        assert r.status_code == 404


@pytest.mark.browser
def test_researcher_test_runs_a_draft_in_chromium(
    browser_settings: Settings, browser_page: Page
) -> None:
    write_file(browser_settings)

    async def arrange(session: AsyncSession) -> None:
        await create_staff(session, role=Role.researcher)

    run_async(browser_settings, arrange)
    page = browser_page
    with live_server(browser_settings) as base:
        page.goto(f"{base}/staff/login")
        page.fill("#email", "researcher@veldwerk.test")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name=re.compile("Inloggen", re.I)).click()
        page.goto(f"{base}/staff/questionnaires/mini/1")
        page.select_option("#attr_function", "burgemeester")
        page.get_by_role("button", name="Start proefinvulling van het concept").click()
        page.wait_for_url(re.compile(r"/s/"))
        assert "Proefinvulling" in page.content()
        assert "als burgemeester" in page.content()

        async def count(session: AsyncSession) -> tuple[int, int]:
            versions = await service.list_versions(session)
            drafts = await session.scalar(
                select(func.count())
                .select_from(QuestionnaireVersion)
                .where(QuestionnaireVersion.is_draft.is_(True))
            )
            return len(versions), int(drafts or 0)

        assert run_async(browser_settings, count) == (0, 1)
