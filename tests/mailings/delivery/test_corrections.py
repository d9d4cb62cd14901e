"""Correcting a bounced address: same link and history, the next mail to the
new address, the invitation again at once, audit, AAPOR dispositions, and
corrections from a new address file."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import InvalidInput
from app.mailings.delivery import corrections
from app.mailings.delivery.worker import MailWorker
from app.mailings.models import CaughtMail, OutboxMessage
from app.mailings.planning.schemas import Audience
from app.monitoring import service as monitoring_service
from app.samples import tokens
from app.samples.models import Contact, Invitation, Wave
from app.staff.models import AuditEvent, Role
from tests.fixtures.mailings import (
    ACTOR,
    create_mailing,
    create_open_wave,
    create_person,
    invitation,
    schedule,
)
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio
OLD, NEW = "j.jansen@oud.test", "jan.jansen@nieuw.test"


async def run_worker(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await MailWorker(settings, create_sessionmaker(engine)).run(until_idle=True)
    finally:
        await engine.dispose()


async def caught_to(session: AsyncSession) -> list[tuple[str, str]]:
    """(recipient, plain text body) of every caught mail, oldest first."""
    await session.rollback()
    out = []
    for mail in await session.scalars(select(CaughtMail).order_by(CaughtMail.id)):
        message = email.message_from_string(mail.raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        out.append((mail.envelope_to[0], body.get_content() if body else ""))
    return out


async def open_wave(session: AsyncSession) -> Wave:
    """The wave, loaded again (a rollback expires loaded objects)."""
    return (await session.scalars(select(Wave).where(Wave.slug == "open"))).one()


async def bounced_person(
    session: AsyncSession, settings: Settings
) -> tuple[Wave, int, str]:
    """An open wave whose invitation mailing went out and bounced for one person."""
    wave = await create_open_wave(session)
    person, token = await create_person(
        session, settings, wave=wave, email=OLD, name="Jan Jansen"
    )
    person_id = person.id
    mailing = await create_mailing(session, settings, wave=wave)
    await session.commit()
    await schedule(session, wave=wave, mailing=mailing)
    await run_worker(settings)
    [(to, _)] = await caught_to(session)
    assert to == OLD
    found = await invitation(session, person_id)
    # the DSN arrives later: a permanent failure for the address
    found.undeliverable_at = dt.datetime.now(dt.UTC)
    found.undeliverable_reason = f"550 5.1.1 <{OLD}> user unknown"
    await session.commit()
    return await open_wave(session), person_id, token


async def test_corrected_person_gets_the_invitation_with_the_same_link(
    session: AsyncSession, settings: Settings
) -> None:
    wave, person_id, token = await bounced_person(session, settings)
    before = await invitation(session, person_id)
    token_hash, nonce = before.token_hash, before.token_nonce
    wave = await open_wave(session)
    done = await corrections.correct_address(
        session,
        wave=wave,
        invitation_id=person_id,
        email="  Jan.Jansen@Nieuw.test ",
        send_invitation=True,
        actor=ACTOR,
    )
    await session.commit()
    assert done.resent
    after = await invitation(session, person_id)
    assert after.token_hash == token_hash and after.token_nonce == nonce
    assert after.undeliverable_at is None and after.address_corrected_at is not None
    assert after.first_mailed_at is None
    contact = await session.get(Contact, after.contact_id)
    assert contact is not None and contact.email == NEW
    await run_worker(settings)
    mails = await caught_to(session)
    assert [to for to, _ in mails] == [OLD, NEW]
    # the catcher keeps mails with personal links redacted; the link is
    # re-derived from the unchanged nonce, so it is the one the person had
    assert tokens.derive_token(settings.secret_key.get_secret_value(), nonce) == token
    [resent] = (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.dedup_key.like("%:correction:%"),
                OutboxMessage.status == "sent",
            )
        )
    ).all()
    assert resent.invitation_id == person_id
    assert (await invitation(session, person_id)).first_mailed_at is not None
    # a second correction request is refused: the address is no longer bounced
    wave = await open_wave(session)
    with pytest.raises(InvalidInput):
        await corrections.correct_address(
            session,
            wave=wave,
            invitation_id=person_id,
            email="ander@nieuw.test",
            send_invitation=True,
            actor=ACTOR,
        )
    # the next reminder goes to the new address, once
    wave = await open_wave(session)
    reminder = await create_mailing(
        session,
        settings,
        wave=wave,
        name="herinnering",
        kind="reminder",
        audience=Audience(),
    )
    await session.commit()
    assert await schedule(session, wave=wave, mailing=reminder) == 1
    await run_worker(settings)
    assert [to for to, _ in await caught_to(session)] == [OLD, NEW, NEW]
    keys = sorted((await session.scalars(select(OutboxMessage.dedup_key))).all())
    assert len(keys) == len(set(keys)) == 3


async def test_audit_records_bounce_correction_and_who_without_addresses(
    session: AsyncSession, settings: Settings
) -> None:
    wave, person_id, _ = await bounced_person(session, settings)
    await corrections.correct_address(
        session,
        wave=wave,
        invitation_id=person_id,
        email=NEW,
        send_invitation=False,
        actor=ACTOR,
    )
    await session.commit()
    [event] = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "address.correct")
        )
    ).all()
    assert event.actor == ACTOR
    assert event.target == f"open/invitation/{person_id}"
    details = event.details
    assert details["bounce_code"] == "550" and details["bounced_at"]
    assert details["old_domain"] == "oud.test" and details["new_domain"] == "nieuw.test"
    assert details["invitation_resent"] is False
    assert OLD not in str(details) and NEW not in str(details)


async def test_dispositions_move_from_undeliverable_to_not_mailed_to_no_reaction(
    session: AsyncSession, settings: Settings
) -> None:
    wave, person_id, _ = await bounced_person(session, settings)

    async def total():  # type: ignore[no-untyped-def]
        await session.rollback()
        fresh = await session.get(Wave, wave_id)
        assert fresh is not None
        view = await monitoring_service.build_monitor(
            session, wave=fresh, questionnaire="officials"
        )
        t = view.total
        return (t.uo_undeliverable, t.uo_not_mailed, t.nc, t.mailed)

    wave_id = wave.id
    assert await total() == (1, 0, 0, 1)
    fresh = await session.get(Wave, wave_id)
    assert fresh is not None
    await corrections.correct_address(
        session,
        wave=fresh,
        invitation_id=person_id,
        email=NEW,
        send_invitation=True,
        actor=ACTOR,
    )
    await session.commit()
    assert await total() == (0, 1, 0, 0)
    await run_worker(settings)
    assert await total() == (0, 0, 1, 1)


async def test_wrong_input_is_refused_and_changes_nothing(
    session: AsyncSession, settings: Settings
) -> None:
    wave, person_id, _ = await bounced_person(session, settings)
    for bad in ("geen-adres", OLD):
        with pytest.raises(InvalidInput):
            await corrections.correct_address(
                session,
                wave=wave,
                invitation_id=person_id,
                email=bad,
                send_invitation=True,
                actor=ACTOR,
            )
    await session.rollback()
    assert (await invitation(session, person_id)).undeliverable_at is not None


async def test_pending_mail_is_not_doubled(
    session: AsyncSession, settings: Settings
) -> None:
    wave, person_id, _ = await bounced_person(session, settings)
    # enqueue a reminder while the person is still reachable in the plan
    found = await invitation(session, person_id)
    found.undeliverable_at = None
    await session.commit()
    wave = await open_wave(session)
    reminder = await create_mailing(
        session, settings, wave=wave, name="herinnering", kind="reminder"
    )
    await session.commit()
    await schedule(session, wave=wave, mailing=reminder)
    found = await invitation(session, person_id)
    found.undeliverable_at = dt.datetime.now(dt.UTC)
    await session.commit()
    wave = await open_wave(session)
    done = await corrections.correct_address(
        session,
        wave=wave,
        invitation_id=person_id,
        email=NEW,
        send_invitation=True,
        actor=ACTOR,
    )
    await session.commit()
    assert not done.resent and done.note and "klaar" in done.note
    await run_worker(settings)
    assert [to for to, _ in await caught_to(session)] == [OLD, NEW]


class TestPages:
    async def test_manager_corrects_on_the_page_and_from_a_file(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave, person_id, _ = await bounced_person(session, settings)
        other, _ = await create_person(
            session,
            settings,
            wave=wave,
            email="p.pietersen@oud.test",
            name="Piet Pietersen",
            organisation="Gemeente Testdam",
        )
        other.undeliverable_at = dt.datetime.now(dt.UTC)
        other_id = other.id
        await session.commit()
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/waves/open/onbestelbaar")
        assert page.status_code == 200
        assert "Jan Jansen" in page.text and "Piet Pietersen" in page.text
        bad = await client.post(
            f"/staff/waves/open/onbestelbaar/{person_id}",
            data={"csrf_token": csrf, "email": "geen adres"},
        )
        assert bad.status_code == 422 and "Ongeldig e-mailadres" in bad.text
        done = await client.post(
            f"/staff/waves/open/onbestelbaar/{person_id}",
            data={"csrf_token": csrf, "email": NEW, "send_invitation": "on"},
        )
        assert done.status_code == 303
        shown = await client.get(done.headers["location"])
        assert "hersteld" in shown.text and "dezelfde link" in shown.text
        file = (
            b"Naam;E-mailadres;Functie;Organisatie\r\n"
            b"Piet Pietersen;piet@nieuw.test;Raadslid;Gemeente Testdam\r\n"
            b"Iemand Anders;iemand@nieuw.test;Raadslid;Gemeente Testdam\r\n"
        )
        uploaded = await client.post(
            "/staff/waves/open/onbestelbaar/bestand",
            data={"csrf_token": csrf, "questionnaire": "officials"},
            files={"file": ("nieuw.csv", file, "text/csv")},
        )
        assert uploaded.status_code == 303, uploaded.text
        await session.rollback()
        session.expire_all()  # objects made above are not expired by a no-op rollback
        fixed = await session.get(Invitation, other_id)
        assert fixed is not None and fixed.undeliverable_at is None
        contact = await session.get(Contact, fixed.contact_id)
        assert contact is not None and contact.email == "piet@nieuw.test"
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "address.correct")
            )
        ).all()
        assert sorted(e.details["source"] for e in events) == ["bestand", "pagina"]
        broken = await client.post(
            "/staff/waves/open/onbestelbaar/bestand",
            data={"csrf_token": csrf, "questionnaire": "officials"},
            files={"file": ("x.csv", b"Naam;Functie\r\nA;wethouderr\r\n", "text/csv")},
        )
        assert broken.status_code == 422 and "niet ingelezen" in broken.text

    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await create_open_wave(session)
        await session.commit()
        await logged_in(client, session, Role.researcher)
        assert (await client.get("/staff/waves/open/onbestelbaar")).status_code == 403
