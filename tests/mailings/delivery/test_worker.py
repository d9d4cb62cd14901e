"""The worker against a real SMTP server (aiosmtpd in the test) and the
embedded catcher: content and headers, SMTP faults, audience re-checks."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings, WorkerSettings
from app.db import create_engine, create_sessionmaker, utcnow
from app.flows import purging
from app.flows.worker import background_worker
from app.mailings import links
from app.mailings.delivery import outbox
from app.mailings.delivery import service as delivery
from app.mailings.delivery.worker import MailWorker
from app.mailings.models import (
    CaughtMail,
    MailAttempt,
    MailDomainPause,
    Mailing,
    OutboxMessage,
)
from app.mailings.planning import service
from app.mailings.planning.schemas import CalendarUpdate
from app.samples import service as samples_service
from app.samples.models import Wave
from tests.fixtures.mailings import (
    ACTOR,
    ScriptedHandler,
    SmtpSink,
    create_mailing,
    create_open_wave,
    create_person,
    free_port,
    invitation,
    run_sink,
    schedule,
    smtp_settings,
)

pytestmark = pytest.mark.asyncio


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


async def outbox_row(session: AsyncSession, invitation_id: int) -> OutboxMessage:
    await session.rollback()
    row = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.invitation_id == invitation_id,
            OutboxMessage.is_test.is_(False),
        )
    )
    assert row is not None
    return row


async def prepare(
    session: AsyncSession, settings: Settings, emails: list[str], **person: object
) -> tuple[Wave, list[int]]:
    wave = await create_open_wave(session)
    ids = []
    for address in emails:
        inv, _ = await create_person(
            session, settings, wave=wave, email=address, **person
        )  # type: ignore[arg-type]
        ids.append(inv.id)
    mailing = await create_mailing(session, settings, wave=wave)
    await schedule(session, wave=wave, mailing=mailing)
    return wave, ids


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


class TestSmtpDelivery:
    async def test_mail_content_and_headers(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        wave = await create_open_wave(session)
        wave.name = "Monitor Integriteit & Veiligheid — 2024"
        inv, token = await create_person(
            session, settings, wave=wave, email="raadslid@utrecht.test",
            name="Jan Jänssen", organisation="Gemeente <Utrecht>",
        )  # fmt: skip
        mailing = await create_mailing(session, settings, wave=wave)
        await schedule(session, wave=wave, mailing=mailing)
        invitation_id = inv.id
        config = smtp_settings(settings, sink.port)
        stats = await MailWorker(config, worker_sm).run(until_idle=True)
        assert stats.outcomes["sent"] == 1

        [received] = sink.handler.received
        message = parse(received.data)
        row = await outbox_row(session, invitation_id)
        # Envelope: VERP return path naming this outbox row, signed.
        assert received.rcpt_tos == ["raadslid@utrecht.test"]
        assert links.outbox_id_from_verp(config, received.mail_from) == row.id
        # Headers
        assert message["Message-ID"] == links.message_id(config, row.id)
        assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < dt.timedelta(
            minutes=5
        )
        assert (
            message["Subject"] == "Uitnodiging: Monitor Integriteit & Veiligheid — 2024"
        )
        assert (
            b"=?utf-8?" in received.data.split(b"\r\n\r\n")[0]
        )  # RFC 2047 on the wire
        assert message["To"].addresses[0].display_name == "Jan Jänssen"
        unsubscribe = message["List-Unsubscribe"]
        assert re.fullmatch(
            r"<http://testserver/u/\d+-[\w-]{22}>, <mailto:afmelden\+\d+-[\w-]{22}@bounces\.veldwerk\.test\?subject=afmelden>",
            " ".join(unsubscribe.split()),
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Body: both parts, personal link, salutation, closing date, anonymity
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        link = f"http://testserver/s/{token}"
        assert link in text and f'href="{link}"' in html
        assert text.startswith("Geacht raadslid,")
        assert "vertrouwelijk" in text
        closes = wave.closes_on
        assert closes is not None
        assert f"{closes.day} " in text and "tot en met" in text
        # Autoescape in the HTML part only.
        assert "Integriteit & Veiligheid" in text and "&amp;" not in text
        assert "Integriteit &amp; Veiligheid" in html
        assert "Integriteit & Veiligheid" not in html
        # The link in the mail opens this invitation.
        found = await samples_service.get_invitation_by_token(
            session, link.rsplit("/", 1)[1]
        )
        assert found is not None and found.id == invitation_id
        # Facts recorded
        assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
        person = await invitation(session, invitation_id)
        assert person.first_mailed_at is not None
        assert person.last_mailed_at == person.first_mailed_at

    async def test_connections_are_reused(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        peers: set[tuple[str, int]] = set()

        class CountingHandler(ScriptedHandler):
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                peers.add(session.peer)
                return await super().handle_DATA(server, session, envelope)

        handler = CountingHandler()
        for sink in run_sink(handler):
            await prepare(session, settings, [f"p{i}@a{i % 3}.test" for i in range(30)])
            config = smtp_settings(settings, sink.port, smtp={"connections": 2})
            await MailWorker(config, worker_sm).run(until_idle=True)
        assert len(handler.received) == 30
        assert len(peers) <= 2

    async def test_greylisting_451_is_retried_without_pausing_the_domain(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        sink.handler.rcpt_script["grey@gemeente.test"] = [
            "451 4.7.1 Greylisted, try later"
        ]
        _, [grey, _other, same_domain] = await prepare(
            session,
            settings,
            ["grey@gemeente.test", "ok@elders.test", "buur@gemeente.test"],
        )
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert len(sink.handler.for_recipient("grey@gemeente.test")) == 1
        assert len(sink.handler.for_recipient("ok@elders.test")) == 1
        assert (await outbox_row(session, same_domain)).attempts == 1
        row = await outbox_row(session, grey)
        assert row.status == "sent" and row.attempts == 2 and row.temp_failures == 1
        attempts = list(
            await session.scalars(
                select(MailAttempt)
                .where(MailAttempt.outbox_message_id == row.id)
                .order_by(MailAttempt.id)
            )
        )
        assert [(a.outcome, a.smtp_code) for a in attempts] == [
            ("temporary", 451),
            ("sent", 250),
        ]
        assert attempts[0].next_attempt_at is not None
        assert await session.get(MailDomainPause, "gemeente.test") is None

    async def test_default_timing_suits_a_greylisting_municipality(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        # A big municipal server greylists every new recipient. With the
        # default settings each is retried 5-15 minutes later, the others of
        # the same domain go out at once, and the domain is never paused.
        defaults = WorkerSettings()
        greylisted = [f"raadslid{i}@grotegemeente.test" for i in range(12)]
        for address in greylisted:
            sink.handler.rcpt_script[address] = ["451 4.7.1 Greylisted, try later"]
        others = [f"wethouder{i}@grotegemeente.test" for i in range(4)]
        _, ids = await prepare(session, settings, greylisted + others)
        started = utcnow()
        await MailWorker(
            smtp_settings(
                settings,
                sink.port,
                retry_base_seconds=defaults.retry_base_seconds,
                retry_max_seconds=defaults.retry_max_seconds,
                domain_backoff_seconds=defaults.domain_backoff_seconds,
                domain_backoff_max_seconds=defaults.domain_backoff_max_seconds,
            ),
            worker_sm,
        ).run(until_idle=True)
        for address in others:
            assert len(sink.handler.for_recipient(address)) == 1
        for invitation_id in ids[: len(greylisted)]:
            row = await outbox_row(session, invitation_id)
            assert row.status == "pending" and row.temp_failures == 1
            due = row.due_at.replace(tzinfo=dt.UTC) - started
            assert dt.timedelta(minutes=5) <= due <= dt.timedelta(minutes=15)
        assert await session.get(MailDomainPause, "grotegemeente.test") is None
        # A server that does say "slow down" (421) pauses the domain, but never
        # for more than ten minutes however often it says so.
        now = utcnow()
        for _ in range(12):
            until = await outbox.pause_domain(
                session,
                domain="grotegemeente.test",
                now=now,
                base_seconds=defaults.domain_backoff_seconds,
                max_seconds=defaults.domain_backoff_max_seconds,
                reason="421",
            )
        assert until - now <= dt.timedelta(minutes=10)
        assert defaults.lease_seconds <= 60

    async def test_421_for_a_recipient_closes_and_retries(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        sink.handler.rcpt_script["busy@drukke.test"] = [
            "421 4.7.0 Too many connections"
        ]
        _, [busy] = await prepare(session, settings, ["busy@drukke.test"])
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert len(sink.handler.for_recipient("busy@drukke.test")) == 1
        assert (await outbox_row(session, busy)).attempts == 2

    async def test_550_marks_the_invitation_undeliverable(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        sink.handler.rcpt_script["weg@gemeente.test"] = ["550 5.1.1 User unknown"]
        _, [gone, fine] = await prepare(
            session, settings, ["weg@gemeente.test", "blijft@gemeente.test"]
        )
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert sink.handler.for_recipient("weg@gemeente.test") == []
        assert len(sink.handler.for_recipient("blijft@gemeente.test")) == 1
        row = await outbox_row(session, gone)
        assert row.status == "failed" and row.last_code == 550
        person = await invitation(session, gone)
        assert person.undeliverable_at is not None
        assert person.undeliverable_reason == "550 5.1.1 User unknown"
        assert (await invitation(session, fine)).undeliverable_at is None

    async def test_5xx_at_data_is_a_failure_of_the_mailing_not_of_the_address(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        # The relay's own 500, a 552 for the message and a 554 at the final dot
        # say nothing about the recipient: retried, then failed for the mailing,
        # while the people stay in the reminders.
        refusals = {
            "kapot@gemeente.test": ["554 5.7.1 Message rejected: relay policy"] * 9,
            "vol@gemeente.test": ["552 5.3.4 Message size exceeds limit"] * 9,
            "eenmaal@gemeente.test": ["500 Internal relay error"],
        }
        sink.handler.data_script.update(refusals)
        wave, ids = await prepare(session, settings, list(refusals))
        wave_id = wave.id
        await MailWorker(
            smtp_settings(settings, sink.port, max_attempts=3), worker_sm
        ).run(until_idle=True)
        rejected, full, once = ids
        for outbox_for, code in ((rejected, 554), (full, 552)):
            row = await outbox_row(session, outbox_for)
            assert (row.status, row.attempts, row.last_code) == ("failed", 3, code)
            attempts = await session.scalars(
                select(MailAttempt.outcome).where(
                    MailAttempt.outbox_message_id == row.id
                )
            )
            assert set(attempts) == {"rejected"}
        row = await outbox_row(session, once)
        assert (row.status, row.attempts) == ("sent", 2)
        assert len(sink.handler.for_recipient("eenmaal@gemeente.test")) == 1
        for invitation_id in ids:
            person = await invitation(session, invitation_id)
            assert person.undeliverable_at is None, person.undeliverable_reason
        # The mailing's log (on its page) shows both failures with the reply.
        mailing = await session.scalar(
            select(Mailing).where(Mailing.wave_id == wave_id)
        )
        assert mailing is not None
        log = await delivery.mailing_log(session, mailing=mailing)
        assert {(e.status, e.last_code) for e in log} == {
            ("failed", 554),
            ("failed", 552),
        }
        assert any("relay policy" in (e.detail or "") for e in log)
        # A reminder still goes to them.
        wave = await session.get_one(Wave, wave_id)
        reminder = await create_mailing(
            session, settings, wave=wave, name="herinnering", kind="reminder"
        )
        assert await schedule(session, wave=wave, mailing=reminder) == 3

    async def test_a_recipient_status_at_data_marks_the_address_undeliverable(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        # Some relays accept every RCPT and judge the recipient after DATA; a
        # 5.1.x status is then about the recipient.
        sink.handler.data_script["weg@gemeente.test"] = [
            "550 5.1.1 <weg@gemeente.test>: Recipient address rejected"
        ]
        _, [gone] = await prepare(session, settings, ["weg@gemeente.test"])
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        row = await outbox_row(session, gone)
        assert (row.status, row.attempts) == ("failed", 1)
        person = await invitation(session, gone)
        assert person.undeliverable_at is not None

    async def test_dropped_connection_mid_message_is_retried_once(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        sink.handler.drop_data["drop@gemeente.test"] = 1
        _, [dropped] = await prepare(session, settings, ["drop@gemeente.test"])
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert len(sink.handler.for_recipient("drop@gemeente.test")) == 1
        row = await outbox_row(session, dropped)
        assert row.status == "sent" and row.attempts == 2
        first = await session.scalar(
            select(MailAttempt)
            .where(MailAttempt.outbox_message_id == row.id)
            .order_by(MailAttempt.id)
        )
        assert first is not None and first.outcome == "connection"

    async def test_no_server_loses_nothing_and_does_not_crash(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        port = free_port()
        _, ids = await prepare(session, settings, ["a@x.test", "b@y.test"])
        worker = MailWorker(smtp_settings(settings, port), worker_sm)
        assert await worker.run_once() == 2
        await session.rollback()
        rows = list(await session.scalars(select(OutboxMessage)))
        assert len(rows) == len(ids)
        assert all(r.status == "pending" and r.claim_token is None for r in rows)
        assert sum(r.attempts for r in rows) >= 1
        assert all(r.temp_failures == 0 for r in rows)  # not the recipients' fault
        errors = list(await session.scalars(select(MailAttempt.outcome)))
        assert errors and set(errors) == {"connection"}
        # The server comes up: everything is delivered, once.
        handler = ScriptedHandler()
        for _ in run_sink(handler, port):
            await MailWorker(smtp_settings(settings, port), worker_sm).run(
                until_idle=True
            )
        assert sorted(r.rcpt_tos[0] for r in handler.received) == [
            "a@x.test",
            "b@y.test",
        ]


class TestRateLimits:
    async def test_a_busy_domain_is_paced_and_the_rest_waits_in_the_queue(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        # 60 per minute per domain: a burst of 5, then one a second; sends
        # that would wait more than a few seconds go back to the queue.
        _, ids = await prepare(
            session,
            settings,
            [f"raad{i}@gemeente.test" for i in range(10)] + ["x@elders.test"],
        )
        config = smtp_settings(
            settings, sink.port, smtp={"rate_per_domain_per_minute": 60.0}
        )
        worker = MailWorker(config, worker_sm)
        assert await worker.run_once() == 11
        delivered = sorted(r.rcpt_tos[0] for r in sink.handler.received)
        assert "x@elders.test" in delivered
        assert len(delivered) == 9  # 5 at once + 3 paced; elders.test is not held up
        await session.rollback()
        waiting = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        )
        assert len(waiting) == 2
        assert all(r.attempts == 0 and r.due_at > utcnow() for r in waiting)
        assert len(ids) == 11


class TestAudienceAtSendTime:
    async def test_completed_and_opted_out_get_no_reminder(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        _, [done, out, _still] = await prepare(
            session, settings, ["done@a.test", "out@a.test", "still@a.test"]
        )
        (await invitation(session, done)).status = "complete"
        await session.commit()
        (await invitation(session, out)).opted_out_at = utcnow()
        await session.commit()
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert [r.rcpt_tos[0] for r in sink.handler.received] == ["still@a.test"]
        skipped = await outbox_row(session, done)
        assert skipped.status == "skipped"
        assert skipped.skip_reason == "vragenlijst al afgerond"
        assert (await outbox_row(session, out)).skip_reason == "afgemeld"

    async def test_who_turned_out_ineligible_gets_no_reminder(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        """A council member who left office before the reminder (marked not
        eligible on the monitor) is not mailed again."""
        _, [left, _stays] = await prepare(
            session, settings, ["vertrokken@a.test", "blijft@a.test"]
        )
        (await invitation(session, left)).ineligible_at = utcnow()
        await session.commit()
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert [r.rcpt_tos[0] for r in sink.handler.received] == ["blijft@a.test"]
        assert (
            await outbox_row(session, left)
        ).skip_reason == "buiten de doelpopulatie"

    async def test_outside_sending_days_mail_waits(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        wave, [waiting] = await prepare(session, settings, ["later@a.test"])
        mailing = await service.require_mailing(session, wave=wave, name="uitnodiging")
        mailing.rule = {
            "kind": "fixed",
            "at": mailing.rule["at"],
        }  # keeps sending hours
        # The worker judges the weekday in the wave's zone, not the machine's:
        # near midnight UTC the two differ.
        today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).isoweekday()
        await service.update_calendar(
            session, wave=wave, actor=ACTOR,
            data=CalendarUpdate(sending_weekdays=(today % 7 + 1,), send_from=dt.time(0),
                                send_until=dt.time(23, 59)),
        )  # fmt: skip
        await session.commit()
        await MailWorker(smtp_settings(settings, sink.port), worker_sm).run(
            until_idle=True
        )
        assert sink.handler.received == []
        row = await outbox_row(session, waiting)
        assert row.status == "pending" and row.attempts == 0
        assert row.due_at > utcnow()

    async def test_paused_mailing_sends_nothing_until_resumed(
        self,
        session: AsyncSession,
        settings: Settings,
        sink: SmtpSink,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        wave, _ = await prepare(session, settings, ["p@a.test"])
        mailing = await service.require_mailing(session, wave=wave, name="uitnodiging")
        await service.pause_mailing(session, mailing=mailing, actor=ACTOR)
        await session.commit()
        config = smtp_settings(settings, sink.port)
        await MailWorker(config, worker_sm).run(until_idle=True)
        assert sink.handler.received == []
        await service.resume_mailing(session, mailing=mailing, actor=ACTOR)
        await session.commit()
        await MailWorker(config, worker_sm).run(until_idle=True)
        assert len(sink.handler.received) == 1


class TestCatcher:
    async def test_without_smtp_host_mail_is_caught(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        assert settings.smtp.host is None
        _, [inv] = await prepare(session, settings, ["gevangen@a.test"])
        stats = await MailWorker(settings, worker_sm).run(until_idle=True)
        assert stats.outcomes["sent"] == 1
        await session.rollback()
        [caught] = list(await session.scalars(select(CaughtMail)))
        caught_id = caught.id
        assert caught.envelope_to == ["gevangen@a.test"]
        message = parse(caught.raw.encode())
        assert message["Return-Path"] == f"<{caught.envelope_from}>"
        assert message["Message-ID"] == caught.message_id
        assert (await outbox_row(session, inv)).status == "sent"
        person = await invitation(session, inv)
        assert person.first_mailed_at is not None
        assert await session.scalar(select(func.count()).select_from(CaughtMail)) == 1
        # No personal link is stored: a copy of the database opens no survey
        # and opts nobody out.
        caught = await session.get_one(CaughtMail, caught_id)
        survey = samples_service.invitation_url(settings, person)
        token = survey.rsplit("/", 1)[1]
        unsubscribe = links.unsubscribe_token(settings, inv)
        body = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert body is not None and html is not None
        stored = caught.raw + body.get_content() + html.get_content()
        assert token not in stored and unsubscribe not in stored
        assert "/s/" not in stored
        assert "https://link-verwijderd.invalid/vragenlijst" in body.get_content()
        assert "link-verwijderd.invalid" in str(message["List-Unsubscribe"])
        # Staff see the mail as it went out, links re-derived from the key.
        view = await delivery.caught_mail_view(session, settings, caught)
        assert view.text is not None and survey in view.text
        assert view.html is not None and survey in view.html
        assert any(unsubscribe in value for _, value in view.headers)

    async def test_contact_purge_removes_caught_copies_and_reply_texts(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        """Caught mails quote names and addresses; after fieldwork they go with
        the contacts, while the outbox keeps its statuses for the monitor."""
        wave, [inv] = await prepare(session, settings, ["weg@a.test"])
        await MailWorker(settings, worker_sm).run(until_idle=True)
        await session.rollback()
        row = await outbox_row(session, inv)
        row.last_reply = "250 ok <weg@a.test>"
        await session.commit()
        purge = await purging.purge_contacts(session, wave=wave, actor=ACTOR)
        await session.commit()
        assert purge.caught_mails == 1
        assert await session.scalar(select(func.count()).select_from(CaughtMail)) == 0
        await session.refresh(row)
        assert row.status == "sent" and row.last_reply is None
        replies = await session.scalars(select(MailAttempt.smtp_reply))
        assert all(r is None for r in replies)

    async def test_worker_folds_the_monitor_tallies(
        self,
        session: AsyncSession,
        settings: Settings,
        worker_sm: async_sessionmaker[AsyncSession],
    ) -> None:
        """The sample's inserts left deltas; the worker's housekeeping folds
        them so the monitor's pages need not."""
        from app.monitoring.models import MonitorCount, MonitorDelta

        await prepare(session, settings, ["a@a.test", "b@b.test"])
        waiting = select(func.count()).select_from(MonitorDelta)
        assert await session.scalar(waiting)
        await session.rollback()
        await background_worker(settings, worker_sm).run(until_idle=True)
        folded = await session.scalar(select(func.sum(MonitorCount.n)))
        assert folded and folded >= 2
