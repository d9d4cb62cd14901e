"""Reminder audiences by progress: never opened, opened but not started,
started below the response threshold, past it but not complete; combinable
with tier and function; sizes on the plan before sending."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.mailings.models import OutboxMessage
from app.mailings.planning import audiences
from app.mailings.planning import service as mailings_service
from app.mailings.planning.schemas import Audience
from app.samples.models import Invitation, Wave
from app.staff.models import Role
from tests.fixtures.mailings import (
    create_mailing,
    create_open_wave,
    create_person,
    schedule,
)
from tests.fixtures.staff import logged_in
from tests.fixtures.surveys import survey_with_invitation

pytestmark = pytest.mark.asyncio
NOW = dt.datetime.now(dt.UTC)


async def progress_wave(
    session: AsyncSession, settings: Settings
) -> tuple[Wave, dict[str, int]]:
    """One person per state (by name), committed."""
    wave = await create_open_wave(session)
    people: dict[str, int] = {}
    specs = [
        ("not_opened", "invited", False, "raadslid", {}),
        ("not_opened_mayor", "invited", False, "burgemeester", {}),
        ("opened", "invited", True, "raadslid", {}),
        ("started", "started", True, "raadslid", {}),
        ("response", "response", True, "wethouder", {}),
        ("complete", "complete", True, "raadslid", {}),
        ("bounced", "invited", False, "raadslid", {"undeliverable_at": NOW}),
    ]
    for i, (name, status, opened, function, extra) in enumerate(specs):
        invitation, _ = await create_person(
            session,
            settings,
            wave=wave,
            email=f"p{i}@gemeente.test",
            function=function,
            status=status,
        )
        invitation.opened_at = NOW if opened else None
        for key, value in extra.items():
            setattr(invitation, key, value)
        people[name] = invitation.id
    await session.commit()
    return wave, people


async def test_sizes_per_progress_audience(
    session: AsyncSession, settings: Settings
) -> None:
    wave, _ = await progress_wave(session, settings)
    sizes = await mailings_service.progress_overview(session, wave=wave)
    assert sizes["officials"] == {
        "not_opened": 2,
        "opened": 1,
        "below_threshold": 1,
        "past_threshold": 1,
    }
    assert sizes["organisations"] == dict.fromkeys(sizes["officials"], 0)
    one = Audience(progress=("not_opened",), functions=("raadslid",))
    assert (
        await mailings_service.audience_size(
            session, wave=wave, questionnaire="officials", audience=one
        )
        == 1
    )
    started_or_past = Audience(progress=("below_threshold", "past_threshold"))
    assert (
        await mailings_service.audience_size(
            session, wave=wave, questionnaire="officials", audience=started_or_past
        )
        == 2
    )
    # only_without_response and "past the threshold" exclude each other
    none = Audience(only_without_response=True, progress=("past_threshold",))
    assert none.statuses == ()
    assert (
        await mailings_service.audience_size(
            session, wave=wave, questionnaire="officials", audience=none
        )
        == 0
    )


async def test_scheduling_enqueues_exactly_the_audience(
    session: AsyncSession, settings: Settings
) -> None:
    wave, people = await progress_wave(session, settings)
    mailing = await create_mailing(
        session,
        settings,
        wave=wave,
        name="herinnering-geopend",
        kind="reminder",
        audience=Audience(progress=("opened", "below_threshold")),
    )
    await session.commit()
    assert await schedule(session, wave=wave, mailing=mailing) == 2
    enqueued = set(
        (
            await session.scalars(
                select(OutboxMessage.invitation_id).where(
                    OutboxMessage.mailing_id == mailing.id
                )
            )
        ).all()
    )
    assert enqueued == {people["opened"], people["started"]}


async def test_send_time_check_drops_who_moved_on() -> None:
    audience = Audience(progress=("not_opened",))
    common = {
        "revoked": False,
        "opted_out": False,
        "undeliverable": False,
        "email": "a@b.test",
        "tier": "gemeente",
        "function": "raadslid",
        "audience": audience,
    }
    assert audiences.skip_reason(invitation_status="invited", **common) is None
    assert (
        audiences.skip_reason(invitation_status="invited", opened=True, **common)
        == "valt buiten de doelgroep (voortgang)"
    )
    assert audiences.skip_reason(invitation_status="started", **common) == (
        "heeft al gerespondeerd"
    )
    kinds = Audience(email_kinds=("persoonlijk",), genders=("vrouw",))
    common["audience"] = kinds
    assert audiences.skip_reason(
        invitation_status="invited", email_kind="algemeen", gender="vrouw", **common
    ) == ("valt buiten de doelgroep (soort adres)")
    assert (
        audiences.skip_reason(
            invitation_status="invited",
            email_kind="persoonlijk",
            gender="vrouw",
            **common,
        )
        is None
    )


async def test_opening_the_link_is_stamped_once(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    invitation, token = await survey_with_invitation(session, settings)
    invitation_id = invitation.id
    assert (await client.get(f"/s/{token}")).status_code == 200
    await session.rollback()
    first = await session.scalar(
        select(Invitation.opened_at).where(Invitation.id == invitation_id)
    )
    assert first is not None
    assert (await client.get(f"/s/{token}")).status_code == 200
    await session.rollback()
    again = await session.scalar(
        select(Invitation.opened_at).where(Invitation.id == invitation_id)
    )
    assert again == first


class TestPlanPage:
    async def test_plan_shows_sizes_and_a_prefilled_audience(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        await progress_wave(session, settings)
        _, csrf = await logged_in(client, session, Role.fieldwork_manager)
        page = await client.get("/staff/waves/open/mailings")
        assert page.status_code == 200
        assert 'id="table-progress"' in page.text
        assert "Link nooit geopend" in page.text
        suggestion = await client.get(
            "/staff/waves/open/mailings",
            params={
                "questionnaire": "officials",
                "kind": "reminder",
                "functions": "raadslid",
                "progress": "not_opened",
            },
        )
        assert suggestion.status_code == 200
        assert "telt nu <strong>1</strong> uitnodiging." in suggestion.text
        assert 'value="raadslid" checked' in suggestion.text
        assert 'value="not_opened" checked' in suggestion.text
        preview = await client.post(
            "/staff/waves/open/mailings/omvang",
            data={
                "csrf_token": csrf,
                "questionnaire": "officials",
                "progress": ["not_opened", "opened"],
            },
        )
        assert preview.status_code == 200
        assert "telt nu <strong>3</strong> uitnodigingen." in preview.text
        bad = await client.get(
            "/staff/waves/open/mailings",
            params={"questionnaire": "officials", "progress": "halfway"},
        )
        assert bad.status_code == 422
        assert "De invoer klopt niet" in bad.text
