"""A respondent walks the English version; the export labels each response's language.

The English here is a translation of the test questionnaire ``MINI`` written
out below, published with it as the translation files would be: the welcome
page offers the choice, the pages, buttons and error messages follow it, the
response keeps it, and the CSV export's ``language`` column says it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.questionnaires import loader
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.service import publish_compiled, publish_file
from app.questionnaires.translations import source_texts
from app.responses.models import Response
from app.samples import service as samples_service
from app.web import PROJECT_ROOT
from tests.fixtures.surveys import MINI, MINI_ENGLISH, make_wave, page_path

pytestmark = pytest.mark.asyncio


async def publish_bilingual(session: AsyncSession) -> QuestionnaireVersion:
    compiled = loader.load_text(MINI, "mini/1.yaml")
    assert set(MINI_ENGLISH) == set(source_texts(compiled.definition))
    version, _ = await publish_compiled(
        session,
        compiled=compiled,
        text=MINI,
        path="mini/1.yaml",
        translated={"en": MINI_ENGLISH},
    )
    return version


async def test_english_walk_and_the_language_in_the_export(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    tmp_path: Path,
) -> None:
    version = await publish_bilingual(session)
    wave = await make_wave(session, version)
    english, en_token = await samples_service.create_invitation(
        session,
        settings,
        wave=wave,
        questionnaire="mini",
        attributes={"tier": "gemeente", "function": "raadslid"},
    )
    dutch, nl_token = await samples_service.create_invitation(
        session,
        settings,
        wave=wave,
        questionnaire="mini",
        attributes={"tier": "gemeente", "function": "raadslid"},
    )
    await session.commit()

    # The welcome page is Dutch and offers English; the link switches it.
    welcome = await client.get(f"/s/{en_token}")
    assert "Start de vragenlijst" in welcome.text
    assert f'href="/s/{en_token}?taal=en"' in welcome.text
    welcome = await client.get(f"/s/{en_token}?taal=en")
    assert '<html lang="en">' in welcome.text
    assert "Welcome to this short questionnaire." in welcome.text
    assert "Start the questionnaire" in welcome.text
    assert "Duration: about 3 minutes." in welcome.text
    assert f'href="/s/{en_token}?taal=nl"' in welcome.text
    assert 'name="taal" value="en"' in welcome.text

    started = await client.post(f"/s/{en_token}", data={"taal": "en"})
    first = page_path(started)
    page = await client.get(first)
    assert "How often do you, as council member, have contact" in page.text
    assert ">Next</button>" in page.text and "Volgende" not in page.text
    assert "(required)" in page.text

    refused = await client.post(first, data={"_shown": "q_contact"})
    assert refused.status_code == 422
    assert "Please answer this question." in refused.text
    assert "There is 1 point left to check" in refused.text
    assert "Beantwoord" not in refused.text

    r = await client.post(first, data={"q_contact": "1", "_shown": "q_contact"})
    safety = await client.get(page_path(r))
    assert "I feel safe" in safety.text and "Don&#39;t know" in safety.text
    assert ">Previous</button>" in safety.text
    r = await client.post(
        page_path(r),
        data={"q_safety.veilig": "1", "q_safety.aandacht": "2", "_shown": "q_safety"},
    )
    r = await client.post(
        page_path(r),
        data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
    )
    r = await client.post(page_path(r), data={"q_remarks": "", "_shown": "q_remarks"})
    thanks = await client.get(page_path(r))
    assert "Questionnaire completed" in thanks.text and "Thank you." in thanks.text
    assert "Support point" in thanks.text

    # The Dutch respondent walks in Dutch (the default).
    r = await client.post(f"/s/{nl_token}")
    page = await client.get(page_path(r))
    assert "Hoe vaak heeft u als raadslid contact" in page.text
    r = await client.post(page_path(r), data={"q_contact": "2", "_shown": "q_contact"})
    r = await client.post(
        page_path(r),
        data={"q_safety.veilig": "2", "q_safety.aandacht": "1", "_shown": "q_safety"},
    )
    r = await client.post(
        page_path(r),
        data={"q_count.online": "0", "q_count.offline": "0", "_shown": "q_count"},
    )
    r = await client.post(page_path(r), data={"q_remarks": "", "_shown": "q_remarks"})
    assert page_path(r).endswith("/klaar")

    languages = dict(
        (await session.execute(select(Response.invitation_id, Response.language))).all()
    )
    assert languages == {english.id: "en", dutch.id: "nl"}

    request = ExportRequest(wave="w2024", questionnaire="mini", format=ExportFormat.csv)
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    path = tmp_path / "mini.zip"
    book = await runner.export_to_path(session, plan, path)
    with zipfile.ZipFile(path) as bundle:
        text = bundle.read("data.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=_delimiter(text)))
    by_contact = {row["q_contact"]: row["language"] for row in rows}
    assert by_contact == {"1": "2", "2": "1"}  # English answered 1, Dutch 2
    variable = next(v for v in book["variables"] if v["name"] == "language")
    assert json.dumps(variable["values"], ensure_ascii=False).count("en: Engels") == 1
    assert "nl: Nederlands" in json.dumps(variable["values"], ensure_ascii=False)


async def test_the_invitation_sets_the_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    version = await publish_bilingual(session)
    wave = await make_wave(session, version)
    _, token = await samples_service.create_invitation(
        session,
        settings,
        wave=wave,
        questionnaire="mini",
        attributes={"tier": "gemeente", "function": "burgemeester", "taal": "Engels"},
    )
    await session.commit()
    welcome = await client.get(f"/s/{token}")
    assert "Welcome to this short questionnaire." in welcome.text
    r = await client.post(f"/s/{token}", data={"taal": "en"})
    page = await client.get(page_path(r))
    assert "as mayor, have contact" in page.text


def _delimiter(text: str) -> str:
    header = text.splitlines()[0]
    return ";" if header.count(";") > header.count(",") else ","


async def test_a_closed_survey_says_so_in_the_respondents_language(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    version = await publish_bilingual(session)
    wave = await make_wave(session, version)
    wave.closes_on = dt.date.today() - dt.timedelta(days=2)
    tokens = {}
    for taal in ("en", "nl"):
        _, tokens[taal] = await samples_service.create_invitation(
            session,
            settings,
            wave=wave,
            questionnaire="mini",
            attributes={"tier": "gemeente", "function": "raadslid", "taal": taal},
        )
    await session.commit()
    closed = await client.get(f"/s/{tokens['en']}")
    assert closed.status_code == 410
    assert '<html lang="en">' in closed.text
    assert "The questionnaire is closed" in closed.text
    assert "Skip to content" in closed.text
    closed = await client.get(f"/s/{tokens['nl']}")
    assert "De vragenlijst is gesloten" in closed.text
    unknown = await client.get("/s/" + "Z" * 32)
    assert unknown.status_code == 404 and "Deze link werkt niet" in unknown.text


async def test_the_shipped_officials_questionnaire_in_english(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    version, _ = await publish_file(
        session, path=PROJECT_ROOT / "questionnaires" / "officials" / "2024.yaml"
    )
    wave = await make_wave(session, version)
    _, token = await samples_service.create_invitation(
        session,
        settings,
        wave=wave,
        questionnaire="officials",
        attributes={"tier": "gemeente", "function": "burgemeester", "taal": "en"},
    )
    await session.commit()
    welcome = await client.get(f"/s/{token}")
    assert "Your answers are confidential." in welcome.text
    r = await client.post(f"/s/{token}", data={"taal": "en"})
    page = await client.get(page_path(r))
    assert "in your position as mayor, have contact" in page.text
    assert "Once or a few times a week" in page.text
    assert "Hoe vaak" not in page.text
