"""Staff pages for questionnaires: publish, immutability, outline, diff, test runs."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.questionnaires.models import QuestionnaireVersion
from app.samples.models import Invitation
from app.staff.models import AuditEvent, Role
from tests.fixtures.staff import logged_in
from tests.fixtures.surveys import MINI, MINI_ENGLISH, page_path

pytestmark = pytest.mark.asyncio


def write_file(settings: Settings, text: str = MINI, version: str = "1") -> None:
    folder = settings.questionnaires_dir / "mini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}.yaml").write_text(text, encoding="utf-8")


class TestPublish:
    async def test_researcher_publishes_a_draft_file(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        listing = await client.get("/staff/questionnaires")
        assert "concept" in listing.text and "mini/1" in listing.text
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 303
        stored = await session.scalar(select(QuestionnaireVersion))
        assert stored is not None and stored.ref == "mini/1"
        assert stored.source == MINI
        assert (
            await session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "questionnaire.publish")
            )
            == 1
        )

    async def test_analyst_cannot_publish(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.analyst)
        assert (await client.get("/staff/questionnaires")).status_code == 200
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 403
        assert (
            await session.scalar(select(func.count()).select_from(QuestionnaireVersion))
            == 0
        )

    async def test_editing_a_published_file_is_refused_with_advice(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        write_file(settings, MINI.replace("Mini-monitor", "Mini-monitor (bijgewerkt)"))
        listing = await client.get("/staff/questionnaires")
        assert "gewijzigd na publicatie" in listing.text
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 409
        assert "already published and cannot change" in r.text
        assert "new version" in r.text
        stored = await session.scalar(select(QuestionnaireVersion))
        assert stored is not None and "bijgewerkt" not in stored.source

    async def test_broken_file_is_refused_with_line_and_reason(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(
            settings,
            MINI.replace(
                'relevant: "${victim}"', 'relevant: "${no_such_question} = 1"'
            ),
        )
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 422
        assert "mini/1.yaml:" in r.text and "no_such_question" in r.text


class TestOutlineAndDiff:
    async def test_outline_shows_conditions_in_words(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        await logged_in(client, session, Role.analyst)
        page = await client.get("/staff/questionnaires/mini/1")
        assert page.status_code == 200
        assert "responsdrempel" in page.text
        assert "function = &#39;burgemeester&#39;" in page.text

    async def test_diff_lists_reworded_and_added(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        v2 = MINI.replace('version: "1"', 'version: "2"').replace(
            "Opmerkingen?", "Heeft u nog opmerkingen?"
        )
        write_file(settings, v2, "2")
        await logged_in(client, session, Role.analyst)
        page = await client.get(
            "/staff/questionnaires/diff", params={"old": "mini/1", "new": "mini/2"}
        )
        assert page.status_code == 200
        assert "q_remarks" in page.text and "vraagtekst gewijzigd" in page.text
        assert "reworded" not in page.text


class TestTestRun:
    async def test_test_run_shows_routing_and_is_marked_test(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        r = await client.post(
            "/staff/questionnaires/mini/1/test-run",
            data={"csrf_token": csrf, "attr_function": "burgemeester"},
        )
        assert r.status_code == 303
        survey = await client.get(page_path(r), follow_redirects=True)
        assert "Proefinvulling" in survey.text
        assert "als burgemeester" in survey.text
        invitation = await session.scalar(select(Invitation))
        assert invitation is not None and invitation.is_test
        assert invitation.function == "burgemeester" and invitation.tier == "gemeente"


class TestFilesFromAListing:
    """File paths never come from the URL: a file is found in the listing of
    known questionnaire files, and no page shows where files live."""

    @pytest.mark.parametrize(
        "path",
        [
            "/staff/questionnaires/%2E%2E/secret",
            "/staff/questionnaires/../secret",
            "/staff/questionnaires/mini/..%2F..%2Fsecret",
            "/staff/questionnaires/mini/%2E%2E%2Fsecret",
        ],
    )
    async def test_dot_dot_reads_nothing_outside_the_folder(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        path: str,
    ) -> None:
        write_file(settings)
        secret = MINI.replace("questionnaire: mini", "questionnaire: secret").replace(
            "Mini-monitor", "Geheime vragenlijst"
        )
        (settings.questionnaires_dir.parent / "secret.yaml").write_text(secret)
        (settings.questionnaires_dir / "secret.yaml").write_text(secret)
        await logged_in(client, session, Role.admin)
        page = await client.get(path)
        assert page.status_code == 404, page.text
        assert "Geheime vragenlijst" not in page.text
        assert str(settings.questionnaires_dir.parent) not in page.text

    async def test_publish_takes_only_listed_files(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/9"}
        )
        assert r.status_code == 404
        assert str(settings.questionnaires_dir) not in r.text

    async def test_list_shows_no_server_paths(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        await logged_in(client, session, Role.researcher)
        listing = await client.get("/staff/questionnaires")
        assert listing.status_code == 200
        assert str(settings.questionnaires_dir) not in listing.text
        assert "mini/1.yaml" in listing.text

    async def test_compare_form_defaults_to_two_versions_of_one_questionnaire(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        write_file(settings, MINI.replace('version: "1"', 'version: "2"'), "2")
        other = settings.questionnaires_dir / "zeta"
        other.mkdir()
        (other / "1.yaml").write_text(
            MINI.replace("questionnaire: mini", "questionnaire: zeta")
        )
        await logged_in(client, session, Role.researcher)
        listing = await client.get("/staff/questionnaires")
        old = re.search(
            r'<select id="old".*?<option value="([^"]+)"[^>]* selected',
            listing.text,
            re.S,
        )
        new = re.search(
            r'<select id="new".*?<option value="([^"]+)"[^>]* selected',
            listing.text,
            re.S,
        )
        assert old and new
        assert (old.group(1), new.group(1)) == ("mini/1", "mini/2")

    async def test_errors_name_the_file_without_the_server_path(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings, MINI.replace("type: single", "type: nonsense"))
        _, csrf = await logged_in(client, session, Role.researcher)
        page = await client.get("/staff/questionnaires/mini/1")
        published = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        for response in (page, published):
            assert response.status_code == 422
            assert "questionnaires/mini/1.yaml" in response.text
            assert str(settings.questionnaires_dir) not in response.text


class TestTranslations:
    async def test_publishing_from_the_staff_page_takes_the_translation_along(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        folder = settings.questionnaires_dir / "mini" / "translations"
        folder.mkdir()
        (folder / "1.en.yaml").write_text(
            json.dumps({"language": "en", "texts": MINI_ENGLISH}), encoding="utf-8"
        )  # JSON is YAML
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 303
        stored = await session.scalar(select(QuestionnaireVersion))
        assert stored is not None
        assert json.loads(stored.translations_json) == {"en": MINI_ENGLISH}
        page = await client.get("/staff/questionnaires/mini/1")
        assert "talen: Nederlands, English" in page.text

    async def test_a_broken_translation_is_refused_naming_the_file_not_the_server(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        write_file(settings)
        folder = settings.questionnaires_dir / "mini" / "translations"
        folder.mkdir()
        texts = {k: v for k, v in MINI_ENGLISH.items() if k != "q_remarks.text"}
        (folder / "1.en.yaml").write_text(
            json.dumps({"language": "en", "texts": texts}), encoding="utf-8"
        )
        _, csrf = await logged_in(client, session, Role.researcher)
        r = await client.post(
            "/staff/questionnaires/publish", data={"csrf_token": csrf, "ref": "mini/1"}
        )
        assert r.status_code == 422
        assert "questionnaires/mini/translations/1.en.yaml:1:" in r.text
        assert "missing text &#39;q_remarks.text&#39;" in r.text
        assert str(settings.questionnaires_dir) not in r.text
        assert await session.scalar(select(QuestionnaireVersion)) is None
