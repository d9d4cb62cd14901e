"""Follow-up lists: who still has to be called, and a status file per panel link.

Read-only over invitations, contacts and responses (like ``queries``). The
phone list is contact data: only fieldwork managers get it and every download
is in the audit log (the route's job). Spreadsheet cells that would start a
formula are defused (``downloads.safe_text``). The panel status file carries
the link's reference (the invitation number the panel provider got with the
link), its status and last activity, never answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.monitoring.downloads import safe_text
from app.responses.models import Response
from app.samples import catalogue
from app.samples.models import Contact, Invitation, Wave
from app.samples.states import InvitationStatus

PROGRESS = {
    "not_opened": "link nooit geopend",
    "opened": "link geopend, niet begonnen",
    InvitationStatus.started: "begonnen, onder de responsdrempel",
    InvitationStatus.response: "voorbij de responsdrempel, niet afgerond",
    InvitationStatus.complete: "afgerond",
}
PHONE_KEYS = ("telefoon", "telefoonnummer", "tel", "phone", "mobiel", "mobile", "gsm")


def progress_key(status: str, opened_at: dt.datetime | None) -> str:
    if status == InvitationStatus.invited:
        return "opened" if opened_at else "not_opened"
    return status if status in PROGRESS else "not_opened"


def last_activity(values: Iterable[dt.datetime | None]) -> dt.datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _local(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d-%m-%Y %H:%M") if value else ""


def _csv(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_text(cell) for cell in row])
    return buffer.getvalue()


FOLLOW_UP_HEADER = [
    "Uitnodiging",
    "Naam",
    "E-mailadres",
    "Telefoon",
    "Bestuurslaag",
    "Functie",
    "Organisatie",
    "Voortgang",
    "Pagina's ingevuld",
    "Laatste activiteit",
    "Onbestelbaar",
]


async def follow_up_csv(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> tuple[str, int]:
    """Everyone with contact data who has not completed, has not opted out and
    is eligible, most advanced first (then longest silent): (CSV, rows)."""
    tz = ZoneInfo(wave.timezone)
    rows = await session.execute(
        select(
            Invitation.id,
            Contact.name,
            Contact.email,
            Contact.attributes,
            Invitation.tier,
            Invitation.function,
            Invitation.organisation,
            Invitation.status,
            Invitation.opened_at,
            Invitation.started_at,
            Invitation.response_at,
            Invitation.last_activity_at,
            Invitation.undeliverable_at,
            Response.updated_at,
            Response.submitted_pages,
        )
        .join(Contact, Contact.id == Invitation.contact_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.questionnaire == questionnaire,
            Invitation.is_test.is_(False),
            Invitation.revoked_at.is_(None),
            Invitation.opted_out_at.is_(None),
            Invitation.ineligible_at.is_(None),
            Invitation.status != InvitationStatus.complete,
        )
    )
    order = list(PROGRESS)
    lines = []
    for r in rows:
        key = progress_key(r.status, r.opened_at)
        seen = last_activity(
            (r.opened_at, r.started_at, r.response_at, r.last_activity_at, r.updated_at)
        )
        extra = r.attributes or {}
        phone = next((str(extra[k]) for k in PHONE_KEYS if extra.get(k)), "")
        function = catalogue.FUNCTIONS.get(r.function or "")
        lines.append(
            (
                -order.index(key),
                seen or dt.datetime.min.replace(tzinfo=dt.UTC),
                [
                    str(r.id),
                    r.name or "",
                    r.email or "",
                    phone,
                    catalogue.TIERS.get(r.tier or "", r.tier or ""),
                    function.label if function else (r.function or ""),
                    r.organisation or "",
                    PROGRESS[key],
                    str(len(r.submitted_pages or [])),
                    _local(seen, tz),
                    "ja" if r.undeliverable_at else "",
                ],
            )
        )
    lines.sort(key=lambda item: (item[0], item[1]))
    return _csv([FOLLOW_UP_HEADER, *(line for _, _, line in lines)]), len(lines)


PANEL_HEADER = ["referentie", "panel", "stratum", "status", "laatste activiteit"]


async def panel_status_csv(
    session: AsyncSession, *, wave: Wave, questionnaire: str, panel: str | None = None
) -> tuple[str, int]:
    """One row per panel link: reference, status and last activity; no answers."""
    tz = ZoneInfo(wave.timezone)
    criteria = [
        Invitation.wave_id == wave.id,
        Invitation.questionnaire == questionnaire,
        Invitation.is_test.is_(False),
        Invitation.contact_id.is_(None),
        Invitation.panel.is_not(None),
    ]
    if panel:
        criteria.append(Invitation.panel == panel)
    rows = await session.execute(
        select(
            Invitation.id,
            Invitation.panel,
            Invitation.stratum,
            Invitation.status,
            Invitation.revoked_at,
            Invitation.opened_at,
            Invitation.started_at,
            Invitation.response_at,
            Invitation.completed_at,
            Invitation.last_activity_at,
            Response.updated_at,
        )
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(*criteria)
        .order_by(Invitation.id)
    )
    out: list[list[str]] = [PANEL_HEADER]
    for r in rows:
        status = (
            "ingetrokken"
            if r.revoked_at
            else PROGRESS[progress_key(r.status, r.opened_at)]
        )
        seen = last_activity(
            (
                r.opened_at,
                r.started_at,
                r.response_at,
                r.completed_at,
                r.last_activity_at,
                r.updated_at,
            )
        )
        out.append(
            [str(r.id), r.panel or "", r.stratum or "", status, _local(seen, tz)]
        )
    return _csv(out), len(out) - 1
