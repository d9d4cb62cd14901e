"""Staff pages for mailings and the public unsubscribe route, over HTTP."""

from __future__ import annotations

import html

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mailings import links
from app.mailings.delivery.worker import MailWorker
from app.mailings.models import CaughtMail, Mailing, OutboxMessage
from app.samples import service as samples_service
from app.staff.models import Role
from tests.fixtures.mailings import (
    create_mailing,
    create_open_wave,
    create_person,
    create_wave_2024,
    invitation,
    schedule,
)
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio


async def fieldwork_client(client: httpx.AsyncClient, session: AsyncSession) -> str:
    _, csrf = await logged_in(client, session, Role.fieldwork_manager)
    return csrf


async def the_2024_wave(session: AsyncSession, settings: Settings) -> None:
    wave = await create_wave_2024(session)
    for i in range(3):
        await create_person(session, settings, wave=wave, email=f"r{i}@gemeente.test")
    await create_person(
        session, settings, wave=wave, email="org@gemeente.test",
        questionnaire="organisations", function=None,
    )  # fmt: skip
    await session.commit()


class TestAccess:
    async def test_plan_page_needs_the_fieldwork_role(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        anonymous = await client.get(
            "/staff/waves/mio-2024/mailings", follow_redirects=False
        )
        assert anonymous.status_code == 303
        await logged_in(client, session, Role.researcher)
        assert (await client.get("/staff/waves/mio-2024/mailings")).status_code == 403

    async def test_unknown_wave_and_bad_names_are_clean_errors(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await fieldwork_client(client, session)
        assert (await client.get("/staff/waves/nope/mailings")).status_code == 404
        bad = await client.get("/staff/waves/nope/mailings/<script>")
        assert bad.status_code in (404, 422)
        assert "Traceback" not in bad.text


class TestPlanPage:
    async def test_add_a_plan_and_see_it_resolved(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        csrf = await fieldwork_client(client, session)
        url = "/staff/waves/mio-2024/mailings"
        first = await client.post(url, data={
            "csrf_token": csrf, "name": "uitnodiging", "questionnaire": "officials",
            "kind": "invitation", "rule_kind": "on_opening",
        })  # fmt: skip
        assert first.status_code == 303, first.text
        second = await client.post(url, data={
            "csrf_token": csrf, "name": "herinnering", "questionnaire": "officials",
            "kind": "reminder", "rule_kind": "after_recess", "recess": "meireces",
            "days": "2", "only_without_response": "on",
        })  # fmt: skip
        assert second.status_code == 303, second.text
        third = await client.post(url, data={
            "csrf_token": csrf, "name": "hemelvaart", "questionnaire": "officials",
            "kind": "reminder", "rule_kind": "fixed", "fixed_at": "2024-05-09T10:00",
        })  # fmt: skip
        assert third.status_code == 303, third.text
        page = await client.get(url)
        assert page.status_code == 200
        assert "dinsdag 16 april 2024 09:00" in page.text
        assert "dinsdag 7 mei 2024 09:00" in page.text
        assert "Valt op een feestdag (Hemelvaartsdag)" in page.text
        assert "Koningsdag" in page.text  # holidays in the window are listed
        assert 'class="num">3' in page.text  # reach now

    async def test_invalid_form_keeps_input_and_explains(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        csrf = await fieldwork_client(client, session)
        response = await client.post("/staff/waves/mio-2024/mailings", data={
            "csrf_token": csrf, "name": "herinnering", "questionnaire": "officials",
            "kind": "reminder", "rule_kind": "after_mailing", "after_mailing": "bestaat-niet",
            "days": "7",
        })  # fmt: skip
        assert response.status_code == 422
        assert "die niet bestaat" in response.text
        assert 'value="herinnering"' in response.text
        assert await session.scalar(select(Mailing.id)) is None

    async def test_post_without_csrf_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        await fieldwork_client(client, session)
        response = await client.post("/staff/waves/mio-2024/mailings", data={
            "name": "x", "questionnaire": "officials", "kind": "invitation",
            "rule_kind": "on_opening",
        })  # fmt: skip
        assert response.status_code == 403
        assert await session.scalar(select(Mailing.id)) is None

    async def test_calendar_and_recess_forms(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        csrf = await fieldwork_client(client, session)
        saved = await client.post("/staff/waves/mio-2024/calendar", data={
            "csrf_token": csrf, "weekdays": ["1", "2", "3", "4", "5"],
            "send_from": "08:30", "send_until": "17:00", "liberation_day": "on",
        })  # fmt: skip
        assert saved.status_code == 303
        added = await client.post("/staff/waves/mio-2024/recesses", data={
            "csrf_token": csrf, "name": "meireces", "tier": "provincie",
            "starts_on": "2024-04-27", "ends_on": "2024-05-12",
        })  # fmt: skip
        assert added.status_code == 303
        wrong = await client.post("/staff/waves/mio-2024/recesses", data={
            "csrf_token": csrf, "name": "x", "starts_on": "2024-05-12", "ends_on": "2024-05-01",
        })  # fmt: skip
        assert wrong.status_code == 422
        assert "eindigt voordat het begint" in wrong.text
        page = await client.get("/staff/waves/mio-2024/mailings")
        assert 'value="08:30"' in page.text and "12 mei 2024" in page.text

    async def test_schedule_pause_resume_from_the_page(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await the_2024_wave(session, settings)
        csrf = await fieldwork_client(client, session)
        base = "/staff/waves/mio-2024/mailings"
        await client.post(base, data={
            "csrf_token": csrf, "name": "uitnodiging", "questionnaire": "officials",
            "kind": "invitation", "rule_kind": "on_opening",
        })  # fmt: skip
        scheduled = await client.post(
            f"{base}/uitnodiging/schedule", data={"csrf_token": csrf}
        )
        assert scheduled.status_code == 303
        assert "3%20mail" in scheduled.headers["location"]
        assert (
            await client.post(f"{base}/uitnodiging/pause", data={"csrf_token": csrf})
        ).status_code == 303
        assert await session.scalar(select(Mailing.status)) == "paused"
        again = await client.post(
            f"{base}/uitnodiging/pause", data={"csrf_token": csrf}
        )
        assert again.status_code == 409
        assert (
            await client.post(f"{base}/uitnodiging/resume", data={"csrf_token": csrf})
        ).status_code == 303
        await session.rollback()
        assert await session.scalar(select(Mailing.status)) == "scheduled"


class TestUnknownFate:
    async def test_unknown_mails_are_listed_and_can_be_resent(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_open_wave(session)
        await create_person(session, settings, wave=wave, email="lot@a.test")
        mailing = await create_mailing(session, settings, wave=wave)
        await schedule(session, wave=wave, mailing=mailing)
        await session.execute(
            update(OutboxMessage).values(status="unknown", claim_token="t")
        )
        await session.commit()
        row_id = await session.scalar(select(OutboxMessage.id))
        csrf = await fieldwork_client(client, session)
        page = await client.get(f"/staff/waves/{wave.slug}/mailings")
        assert "1 mail(s) met onbekend lot" in page.text
        message_id = links.message_id(settings, row_id or 0)
        assert html.escape(message_id) in page.text
        overview = await client.get("/staff/mail")
        assert "onbekend lot" in overview.text
        resent = await client.post(
            f"/staff/waves/{wave.slug}/unknown/resend",
            data={"csrf_token": csrf, "ids": [str(row_id)]},
        )
        assert resent.status_code == 303
        await session.rollback()
        row = await session.get(OutboxMessage, row_id)
        assert row is not None and row.status == "pending" and row.claim_token is None
        assert row.resolved_by == "fieldwork_manager@veldwerk.test"


class TestPreviewAndTestMail:
    async def test_preview_test_mail_and_the_catcher_inbox(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_open_wave(session)
        inv, _ = await create_person(
            session,
            settings,
            wave=wave,
            email="burgemeester@a.test",
            function="burgemeester",
        )
        invitation_id = inv.id
        await create_mailing(session, settings, wave=wave)
        await session.commit()
        csrf = await fieldwork_client(client, session)
        base = f"/staff/waves/{wave.slug}/mailings/uitnodiging"
        page = await client.get(base)
        assert page.status_code == 200
        assert "Geachte burgemeester," in page.text
        assert "Uitnodiging: Monitor Integriteit en Veiligheid" in page.text
        framed = await client.get(f"{base}/preview/{invitation_id}/html")
        assert framed.status_code == 200
        assert framed.headers["content-security-policy"].startswith("sandbox;")
        assert framed.headers["x-frame-options"] == "SAMEORIGIN"
        assert "Geachte burgemeester" in framed.text

        sent = await client.post(
            f"{base}/test-mail",
            data={"csrf_token": csrf, "invitation_id": str(invitation_id)},
        )
        assert sent.status_code == 303
        engine = create_engine(settings.database_url)
        await MailWorker(settings, create_sessionmaker(engine)).run(until_idle=True)
        await engine.dispose()
        await session.rollback()
        [caught] = list(await session.scalars(select(CaughtMail)))
        caught_id = caught.id
        assert caught.is_test and caught.envelope_to == [
            "fieldwork_manager@veldwerk.test"
        ]
        assert caught.subject.startswith("[TEST] ")
        assert "List-Unsubscribe" not in caught.raw
        stored_raw = caught.raw
        assert (await invitation(session, invitation_id)).first_mailed_at is None

        inbox = await client.get("/staff/mail")
        assert "[TEST] Uitnodiging" in inbox.text
        view = await client.get(f"/staff/mail/{caught_id}")
        assert "X-Veldwerk-Test" in view.text and "Return-Path" in view.text
        assert "testmail" in view.text.lower()
        # Stored without the link, shown with it (re-derived from the key).
        person = await invitation(session, invitation_id)
        link = samples_service.invitation_url(settings, person)
        assert link.rsplit("/", 1)[1] not in stored_raw
        assert html.escape(link) in view.text
        assert "link-verwijderd" not in view.text
        framed = await client.get(f"/staff/mail/{caught_id}/html")
        assert framed.headers["content-security-policy"].startswith("sandbox;")


class TestUnsubscribe:
    async def setup_invitation(self, session: AsyncSession, settings: Settings) -> int:
        wave = await create_open_wave(session)
        inv, _ = await create_person(session, settings, wave=wave, email="weg@a.test")
        await session.commit()
        return inv.id

    async def test_get_never_opts_out_post_does(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation_id = await self.setup_invitation(session, settings)
        url = links.unsubscribe_url(settings, invitation_id).removeprefix(
            "http://testserver"
        )
        page = await client.get(url)
        assert page.status_code == 200
        assert "Ja, meld mij af" in page.text
        assert (await invitation(session, invitation_id)).opted_out_at is None
        done = await client.post(url)
        assert done.status_code == 200 and "U bent afgemeld" in done.text
        first = (await invitation(session, invitation_id)).opted_out_at
        assert first is not None
        again = await client.post(url)
        assert again.status_code == 200
        assert (await invitation(session, invitation_id)).opted_out_at == first

    async def test_rfc8058_one_click_post(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation_id = await self.setup_invitation(session, settings)
        url = links.unsubscribe_url(settings, invitation_id).removeprefix(
            "http://testserver"
        )
        response = await client.post(
            url,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
        assert (await invitation(session, invitation_id)).opted_out_at is not None

    async def test_forged_or_unknown_tokens_change_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        invitation_id = await self.setup_invitation(session, settings)
        forged = await client.post(f"/u/{invitation_id}-AAAAAAAAAAAAAAAAAAAAAA")
        assert forged.status_code == 404
        assert (await client.get("/u/" + "x" * 300)).status_code in (404, 422)
        assert (await client.get("/u/test")).status_code == 200
        assert (await invitation(session, invitation_id)).opted_out_at is None


class TestWhatHappened:
    """Badges say what happened; simulated demo mail is said to be simulated."""

    async def _sent_mailing(
        self, session: AsyncSession, settings: Settings, *, transport: str
    ) -> None:
        wave = await create_open_wave(session, slug="w1")
        for i in range(3):
            await create_person(session, settings, wave=wave, email=f"p{i}@t.test")
        mailing = await create_mailing(session, settings, wave=wave)
        await schedule(session, wave=wave, mailing=mailing)
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.mailing_id == mailing.id)
            .values(status="sent", transport=transport)
        )
        await session.commit()

    async def test_fully_sent_mailing_is_verstuurd_not_ingepland(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await fieldwork_client(client, session)
        await self._sent_mailing(session, settings, transport="catcher")
        plan = await client.get("/staff/waves/w1/mailings")
        assert 'class="badge ok">verstuurd<' in plan.text
        assert ">ingepland<" not in plan.text
        detail = await client.get("/staff/waves/w1/mailings/uitnodiging")
        assert ">verstuurd<" in detail.text and ">ingepland<" not in detail.text
        assert "nagebootst" not in plan.text

    async def test_simulated_demo_mail_is_explained_where_it_is_missing(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await fieldwork_client(client, session)
        await self._sent_mailing(session, settings, transport="demo")
        plan = await client.get("/staff/waves/w1/mailings")
        assert "Waarvan 3 nagebootst door de demo" in plan.text
        catcher = await client.get("/staff/mail")
        assert "de demo boekte 3 mails" in catcher.text
        assert "Nog geen mail opgevangen" in catcher.text

    async def test_preview_with_a_link_key_no_longer_set_is_no_500(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await fieldwork_client(client, session)
        wave = await create_open_wave(session, slug="w1")
        person, _ = await create_person(session, settings, wave=wave, email="a@t.test")
        await create_mailing(session, settings, wave=wave)
        person.token_key_id = "000000000000"
        await session.commit()
        page = await client.get("/staff/waves/w1/mailings/uitnodiging")
        assert page.status_code == 200
        assert "sleutel die niet meer is ingesteld" in page.text
        html_part = await client.get(
            f"/staff/waves/w1/mailings/uitnodiging/preview/{person.id}/html"
        )
        assert html_part.status_code == 409
