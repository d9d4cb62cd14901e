"""The phone follow-up list and the panel status file: who is in them, what
they show, formula safety, roles and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.samples import service as samples_service
from app.samples.models import Contact
from app.staff.models import AuditEvent, Role
from tests.fixtures.mailings import create_open_wave, create_person
from tests.fixtures.staff import logged_in

pytestmark = pytest.mark.asyncio
BASE = "/staff/monitor/open/officials"
NOW = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


async def people(session: AsyncSession, settings: Settings) -> dict[str, int]:
    wave = await create_open_wave(session)
    ids = {}
    specs = [
        ("never", "invited", {}),
        ("opened", "invited", {"opened_at": NOW}),
        ("started", "started", {"opened_at": NOW, "started_at": NOW}),
        ("partial", "response", {"started_at": NOW, "response_at": NOW}),
        ("complete", "complete", {}),
        ("opted_out", "invited", {"opted_out_at": NOW}),
        ("bounced", "invited", {"undeliverable_at": NOW}),
        ("ineligible", "invited", {"ineligible_at": NOW}),
    ]
    for i, (name, status, extra) in enumerate(specs):
        invitation, _ = await create_person(
            session,
            settings,
            wave=wave,
            email=f"p{i}@gemeente.test",
            name=f"Persoon {name}",
            organisation='=HYPERLINK("http://x.test")'
            if name == "never"
            else "Gemeente Testdam",
            status=status,
        )
        for key, value in extra.items():
            setattr(invitation, key, value)
        if name == "never":
            contact = await session.get(Contact, invitation.contact_id)
            assert contact is not None
            contact.attributes = {"telefoon": "+31 6 12345678"}
        ids[name] = invitation.id
    for n in range(3):
        link, _ = await samples_service.create_invitation(
            session,
            settings,
            wave=wave,
            questionnaire="officials",
            attributes={
                "panel": "flitspanel",
                "tier": "gemeente",
                "stratum": "gemeente",
            },
        )
        if n == 1:
            link.status, link.started_at = "started", NOW
        ids[f"link{n}"] = link.id
    await session.commit()
    return ids


async def test_follow_up_list_has_who_is_left_to_call(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    ids = await people(session, settings)
    await logged_in(client, session, Role.fieldwork_manager)
    response = await client.get(f"{BASE}/nabellen")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rows = read(response.text)
    by_id = {int(r["Uitnodiging"]): r for r in rows}
    assert set(by_id) == {
        ids[k] for k in ("never", "opened", "started", "partial", "bounced")
    }
    # most advanced first
    assert int(rows[0]["Uitnodiging"]) == ids["partial"]
    never = by_id[ids["never"]]
    assert never["Organisatie"].startswith("'=")  # formula defused
    assert never["Telefoon"] == "'+31 6 12345678"
    assert never["Voortgang"] == "link nooit geopend"
    assert by_id[ids["opened"]]["Voortgang"] == "link geopend, niet begonnen"
    assert by_id[ids["opened"]]["Laatste activiteit"] == "01-05-2026 12:00"
    assert by_id[ids["bounced"]]["Onbestelbaar"] == "ja"
    assert by_id[ids["partial"]]["Functie"] == "Raadslid"
    await session.rollback()
    [event] = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "monitor.follow_up_download")
        )
    ).all()
    assert event.details["rows"] == 5


async def test_panel_status_file_per_link(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    ids = await people(session, settings)
    await logged_in(client, session, Role.fieldwork_manager)
    response = await client.get(f"{BASE}/panelstatus?panel=flitspanel")
    assert response.status_code == 200
    rows = read(response.text)
    assert list(rows[0]) == [
        "referentie",
        "panel",
        "stratum",
        "status",
        "laatste activiteit",
    ]
    assert [int(r["referentie"]) for r in rows] == [ids[f"link{n}"] for n in range(3)]
    assert [r["status"] for r in rows] == [
        "link nooit geopend",
        "begonnen, onder de responsdrempel",
        "link nooit geopend",
    ]
    assert rows[1]["laatste activiteit"] == "01-05-2026 12:00"
    other = await client.get(f"{BASE}/panelstatus?panel=ander")
    assert read(other.text) == []


@pytest.mark.parametrize("role", [Role.researcher, Role.analyst])
async def test_only_fieldwork_managers(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, role: Role
) -> None:
    await people(session, settings)
    await logged_in(client, session, role)
    assert (await client.get(f"{BASE}/nabellen")).status_code == 403
    assert (await client.get(f"{BASE}/panelstatus")).status_code == 403
