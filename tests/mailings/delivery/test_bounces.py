"""Bounces that come back as mail: VERP first, flufl.bounce as fallback;
auto-replies and forgeries are not bounces. mbox, Maildir and .eml folders."""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mailings import links
from app.mailings.delivery import bounces
from app.mailings.delivery.worker import MailWorker
from app.mailings.models import OutboxMessage
from tests.conftest import base_settings
from tests.fixtures.mailings import (
    create_mailing,
    create_open_wave,
    create_person,
    invitation,
    run_cli,
    schedule,
)

SENDER = "monitor@veldwerk.test"


def dsn(
    *,
    to: str,
    recipient: str,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown",
) -> bytes:
    """A Postfix-style RFC 3464 delivery status notification."""
    diag = diagnostic.format(r=recipient)
    return f"""\
Return-Path: <>
Delivered-To: {to}
From: MAILER-DAEMON@mail.gemeente.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="B0UND"

--B0UND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B0UND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.gemeente.test
Arrival-Date: Tue, 16 Apr 2024 09:00:03 +0200

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: {diag}

--B0UND
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Monitor <{SENDER}>
To: {recipient}
Subject: Uitnodiging

--B0UND--
""".replace("\n", "\r\n").encode()


def out_of_office(*, to: str, markers: bool = True) -> bytes:
    headers = "Auto-Submitted: auto-replied\nX-Autoreply: yes\n" if markers else ""
    return f"""\
Delivered-To: {to}
From: Raadslid <weg@gemeente.test>
To: {to}
Subject: Afwezig: Uitnodiging Monitor Integriteit en Veiligheid
{headers}Content-Type: text/plain; charset=utf-8

Ik ben met reces tot en met 5 mei en lees mijn mail niet. Uw bericht
wordt niet doorgestuurd. Bij spoed: bel de griffie.
""".replace("\n", "\r\n").encode()


@pytest_asyncio.fixture
async def mailed(
    session: AsyncSession, settings: Settings
) -> AsyncIterator[dict[str, int]]:
    """Three invitations mailed (through the catcher): email → outbox id."""
    wave = await create_open_wave(session)
    ids = {}
    for address in (
        "weg@gemeente.test",
        "afwezig@gemeente.test",
        "blijft@gemeente.test",
    ):
        inv, _ = await create_person(session, settings, wave=wave, email=address)
        ids[address] = inv.id
    mailing = await create_mailing(session, settings, wave=wave)
    await schedule(session, wave=wave, mailing=mailing)
    engine = create_engine(settings.database_url)
    await MailWorker(settings, create_sessionmaker(engine)).run(until_idle=True)
    await engine.dispose()
    await session.rollback()
    rows = await session.execute(select(OutboxMessage.invitation_id, OutboxMessage.id))
    by_invitation = dict(rows.all())
    yield {address: by_invitation[inv] for address, inv in ids.items()} | {
        f"inv:{address}": inv for address, inv in ids.items()
    }


def verp(settings: Settings, outbox_id: int) -> str:
    return links.verp_address(settings, outbox_id)


@pytest.fixture
def pure_settings() -> Settings:
    """Settings for tests that need no database (not parametrised over both)."""
    return base_settings("sqlite+aiosqlite:///:memory:")


class TestClassify:
    def test_dsn_to_the_verp_address_names_the_outbox_row(
        self, pure_settings: Settings
    ) -> None:
        raw = dsn(to=verp(pure_settings, 42), recipient="weg@gemeente.test")
        verdict = bounces.classify(pure_settings, bounces._parse(raw))
        assert verdict.kind == "bounce"
        assert verdict.outbox_id == 42
        assert verdict.status == "5.1.1"
        assert verdict.recipients == frozenset({"weg@gemeente.test"})

    def test_forged_signature_is_recognised(self, pure_settings: Settings) -> None:
        raw = dsn(
            to="bounce+42-000000000000@bounces.veldwerk.test", recipient="x@y.test"
        )
        verdict = bounces.classify(pure_settings, bounces._parse(raw))
        assert verdict.forged and verdict.outbox_id is None

    @pytest.mark.parametrize(
        ("status", "kind"),
        [("5.1.1", "bounce"), ("5.1.10", "bounce"), ("5.2.1", "bounce"),
         ("5.7.1", "rejected"), ("5.3.4", "rejected"), ("5.0.0", "rejected")],
    )  # fmt: skip
    def test_only_a_status_about_the_recipient_is_a_bounce(
        self, pure_settings: Settings, status: str, kind: str
    ) -> None:
        raw = dsn(
            to=verp(pure_settings, 7),
            recipient="x@y.test",
            status=status,
            diagnostic=f"smtp; 554 {status} refused",
        )
        assert bounces.classify(pure_settings, bounces._parse(raw)).kind == kind

    def test_delayed_dsn_is_not_a_bounce(self, pure_settings: Settings) -> None:
        raw = dsn(
            to=verp(pure_settings, 7),
            recipient="x@y.test",
            action="delayed",
            status="4.4.1",
        )
        assert bounces.classify(pure_settings, bounces._parse(raw)).kind == "delayed"

    @pytest.mark.parametrize("markers", [True, False])
    def test_out_of_office_is_not_a_bounce(
        self, pure_settings: Settings, markers: bool
    ) -> None:
        raw = out_of_office(to=verp(pure_settings, 7), markers=markers)
        verdict = bounces.classify(pure_settings, bounces._parse(raw))
        assert verdict.kind == "auto_reply"


@pytest.mark.asyncio
class TestImport:
    async def test_mbox_marks_only_real_bounces(
        self,
        session: AsyncSession,
        settings: Settings,
        mailed: dict[str, int],
        tmp_path: Path,
    ) -> None:
        path = tmp_path / "bounces.mbox"
        box = mailbox.mbox(path)
        box.add(
            dsn(
                to=verp(settings, mailed["weg@gemeente.test"]),
                recipient="weg@gemeente.test",
            )
        )
        box.add(out_of_office(to=verp(settings, mailed["afwezig@gemeente.test"])))
        forged = f"bounce+{mailed['blijft@gemeente.test']}-0123456789ab@bounces.veldwerk.test"
        box.add(dsn(to=forged, recipient="blijft@gemeente.test"))
        box.flush()
        box.close()
        report = await bounces.import_bounces(session, settings, path=path)
        await session.commit()
        assert report.counts == {"bounce": 1, "auto_reply": 1, "forged": 1}
        gone = await invitation(session, mailed["inv:weg@gemeente.test"])
        assert gone.undeliverable_at is not None
        assert (
            gone.undeliverable_reason is not None
            and "5.1.1" in gone.undeliverable_reason
        )
        assert (
            await invitation(session, mailed["inv:afwezig@gemeente.test"])
        ).undeliverable_at is None
        assert (
            await invitation(session, mailed["inv:blijft@gemeente.test"])
        ).undeliverable_at is None
        # Importing the same mailbox again changes nothing.
        again = await bounces.import_bounces(session, settings, path=path)
        assert again.counts["bounce_known"] == 1 and again.marked == []

    async def test_maildir_without_verp_falls_back_to_the_recipient(
        self,
        session: AsyncSession,
        settings: Settings,
        mailed: dict[str, int],
        tmp_path: Path,
    ) -> None:
        box = mailbox.Maildir(tmp_path / "Maildir", create=True)
        box.add(dsn(to=SENDER, recipient="Weg@Gemeente.test"))
        box.add(dsn(to=SENDER, recipient="nooit-gemaild@elders.test"))
        report = await bounces.import_bounces(
            session, settings, path=tmp_path / "Maildir"
        )
        await session.commit()
        assert report.counts == {"bounce": 1, "bounce_unmatched": 1}
        assert (
            await invitation(session, mailed["inv:weg@gemeente.test"])
        ).undeliverable_at is not None

    async def test_unsubscribe_by_mail_records_an_opt_out(
        self,
        session: AsyncSession,
        settings: Settings,
        mailed: dict[str, int],
        tmp_path: Path,
    ) -> None:
        invitation_id = mailed["inv:afwezig@gemeente.test"]
        mailto = links.unsubscribe_mailto(settings, invitation_id)
        address = mailto.removeprefix("mailto:").split("?", 1)[0]
        (tmp_path / "1.eml").write_bytes(
            f"To: {address}\r\nFrom: afwezig@gemeente.test\r\nSubject: afmelden\r\n\r\nafmelden\r\n".encode()
        )
        report = await bounces.import_bounces(session, settings, path=tmp_path)
        await session.commit()
        assert report.counts == {"unsubscribed": 1}
        assert (await invitation(session, invitation_id)).opted_out_at is not None


class TestCommand:
    def test_bounces_import_command_reports_counts(
        self, settings: Settings, tmp_path: Path, database_url: str
    ) -> None:
        async def arrange() -> int:
            engine = create_engine(settings.database_url)
            async with create_sessionmaker(engine)() as session:
                wave = await create_open_wave(session)
                await create_person(
                    session, settings, wave=wave, email="weg@gemeente.test"
                )
                mailing = await create_mailing(session, settings, wave=wave)
                await schedule(session, wave=wave, mailing=mailing)
            await MailWorker(settings, create_sessionmaker(engine)).run(until_idle=True)
            async with create_sessionmaker(engine)() as session:
                outbox_id = await session.scalar(select(OutboxMessage.id))
            await engine.dispose()
            assert outbox_id is not None
            return outbox_id

        outbox_id = asyncio.run(arrange())
        folder = tmp_path / "eml"
        folder.mkdir()
        (folder / "a.eml").write_bytes(
            dsn(to=verp(settings, outbox_id), recipient="weg@gemeente.test")
        )
        (folder / "b.eml").write_bytes(out_of_office(to=verp(settings, outbox_id)))
        result = run_cli(settings, "bounces", "import", str(folder), "-v")
        assert result.returncode == 0, result.stderr
        assert "a.eml: bounce" in result.stdout
        assert "b.eml: auto_reply" in result.stdout
        assert "1 invitation(s) newly marked undeliverable" in result.stdout
