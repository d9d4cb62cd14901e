"""Mails follow the invitation's language: English templates where they exist."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mailings import composer
from app.mailings.delivery.worker import MailWorker
from tests.conftest import base_settings
from tests.fixtures.mailings import (
    ScriptedHandler,
    SmtpSink,
    create_mailing,
    create_open_wave,
    create_person,
    run_sink,
    schedule,
    smtp_settings,
)

WAVE = composer.WaveFacts("Monitor 2024", dt.date(2024, 4, 16), dt.date(2024, 5, 21))


def recipient(
    language: str | None, questionnaire: str = "officials"
) -> composer.Recipient:
    return composer.Recipient(
        invitation_id=7, email="a@gemeente.test", name=None,
        questionnaire=questionnaire, tier="gemeente", function="burgemeester",
        organisation="Gemeente Testdam", status="started",
        survey_url="http://testserver/s/token", language=language,
    )  # fmt: skip


def compose(
    language: str | None, template: str, questionnaire: str = "officials"
) -> tuple[str, composer.RenderedMail]:
    settings = base_settings("sqlite+aiosqlite:///:memory:")
    who = recipient(language, questionnaire)
    context = composer.template_context(
        settings, recipient=who, wave=WAVE, is_test=False
    )
    name = composer.template_for(settings, questionnaire, template, language)
    return name, composer.render(
        settings, questionnaire=questionnaire, template=name, context=context
    )


@pytest.mark.parametrize("template", ["invitation", "reminder"])
def test_an_english_invitation_gets_the_english_template(template: str) -> None:
    name, mail = compose("en", template)
    assert name == f"{template}.en"
    assert mail.text.startswith("Dear Sir or Madam,")
    assert "confidential" in mail.text and "vertrouwelijk" not in mail.text
    assert "until 21 May 2024 inclusive" in mail.text  # Babel's English date
    assert "Kind regards," in mail.text and "Unsubscribe at" in mail.text
    assert '<html lang="en">' in mail.html and "Copy this link" in mail.html
    assert mail.subject.startswith(
        "Invitation:" if template == "invitation" else "Reminder:"
    )


def test_dutch_and_untranslated_templates_stay_dutch() -> None:
    name, mail = compose(None, "invitation")
    assert name == "invitation" and mail.text.startswith("Geachte burgemeester,")
    assert "21 mei 2024" in mail.text
    # organisations has no English template: Dutch, whatever the invitation says
    name, mail = compose("en", "invitation", "organisations")
    assert name == "invitation" and "Geachte" in mail.text


def test_translations_are_not_offered_as_templates_of_their_own() -> None:
    settings = base_settings("sqlite+aiosqlite:///:memory:")
    assert composer.available_templates(settings, "officials") == [
        "invitation",
        "reminder",
    ]


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    yield from run_sink(ScriptedHandler())


@pytest_asyncio.fixture
async def worker_sm(
    settings: Settings,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.mark.asyncio
async def test_the_worker_sends_english_to_an_english_invitation(
    session: AsyncSession,
    settings: Settings,
    sink: SmtpSink,
    worker_sm: async_sessionmaker[AsyncSession],
) -> None:
    wave = await create_open_wave(session)
    english, _ = await create_person(
        session, settings, wave=wave, email="mayor@gemeente.test"
    )
    english.attributes = {**english.attributes, "taal": "English"}
    await create_person(session, settings, wave=wave, email="raadslid@gemeente.test")
    mailing = await create_mailing(session, settings, wave=wave)
    await schedule(session, wave=wave, mailing=mailing)
    await session.commit()
    stats = await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
        until_idle=True
    )
    assert stats.outcomes["sent"] == 2
    bodies = {}
    for received in sink.handler.received:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        bodies[received.rcpt_tos[0]] = (str(message["Subject"]), text)
    subject, text = bodies["mayor@gemeente.test"]
    assert subject.startswith("Invitation: ") and text.startswith("Dear Sir or Madam,")
    subject, text = bodies["raadslid@gemeente.test"]
    assert subject.startswith("Uitnodiging: ") and text.startswith("Geacht raadslid,")
