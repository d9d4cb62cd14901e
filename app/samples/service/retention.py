"""Retention of contact data, and erasure of one person on request.

The welcome text promises the address file is deleted after the edition: a
wave has a retention date (``closes_on`` + ``retention_days_after_close``,
or a later date a manager set with a reason) on which the worker runs the
same purge as ``wave purge-contacts``. Erasure on request removes one
person's contact data and answers; the invitation stays as an anonymous
count (status kept, link dead) so response rates and the monitor stay right.
Audit entries name no erased data. Services flush, never commit.

Both also touch mailings (mail traces) and responses (answers): the whole use
cases are flows (``app/flows/purging.py``, ``app/flows/erasure.py``) that call
the samples parts here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput
from app.samples import anonymise, tokens
from app.samples.models import Contact, Invitation, Wave
from app.samples.service.frames import Actor
from app.samples.service.waves import lock_wave
from app.staff import service as staff_service

MAX_REASON = 500


def retention_date(wave: Wave, settings: Settings) -> dt.date | None:
    """The day the wave's contact data go, or None (no closing date yet)."""
    if wave.contacts_retention_on is not None:
        return wave.contacts_retention_on
    if wave.closes_on is None:
        return None
    return wave.closes_on + dt.timedelta(days=settings.retention_days_after_close)


async def due_for_purge(
    session: AsyncSession, settings: Settings, *, today: dt.date
) -> list[tuple[Wave, dt.date]]:
    """Every wave whose retention date has come and whose contacts are still
    there, with that date (``flows.purging.purge_due`` purges them)."""
    due_waves = []
    waves = await session.scalars(
        select(Wave).where(Wave.contacts_purged_at.is_(None)).order_by(Wave.id)
    )
    for wave in list(waves):
        due = retention_date(wave, settings)
        if due is None or due > today:
            continue
        due_waves.append((wave, due))
    return due_waves


async def postpone(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    until: dt.date,
    reason: str,
    today: dt.date,
    actor: Actor,
) -> None:
    """Move the retention date later, with a reason (logged)."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Geef een reden op voor het uitstel.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"De reden mag hoogstens {MAX_REASON} tekens lang zijn.")
    if until <= today:
        raise InvalidInput("De nieuwe datum moet in de toekomst liggen.")
    before = retention_date(wave, settings)
    wave.contacts_retention_on = until
    wave.retention_note = reason
    await session.flush()
    await staff_service.record_audit(
        session, actor=actor, action="wave.retention_postpone", target=wave.slug,
        details={"from": before.isoformat() if before else None,
                 "until": until.isoformat(), "reason": reason},
    )  # fmt: skip


# --- erasure on request ------------------------------------------------------------

_LINK = re.compile(r"/s/([A-Za-z0-9_-]+)")


async def find_invitations(
    session: AsyncSession, *, wave: Wave, query: str
) -> list[Invitation]:
    """The invitations (not yet erased) of the person with this e-mail address,
    or of this link (the whole URL or the token)."""
    query = query.strip()
    if not query:
        return []
    if "@" in query and "/" not in query:
        statement = (
            select(Invitation)
            .join(Contact, Contact.id == Invitation.contact_id)
            .where(
                Invitation.wave_id == wave.id,
                func.lower(Contact.email) == query.lower(),
            )
        )
    else:
        match = _LINK.search(query)
        token = match.group(1) if match else query
        if not tokens.looks_like_token(token):
            return []
        statement = select(Invitation).where(
            Invitation.wave_id == wave.id,
            Invitation.token_hash == tokens.hash_token(token),
        )
    invitations = await session.scalars(statement.order_by(Invitation.id))
    return [i for i in invitations if i.erased_at is None]


@dataclass(frozen=True)
class Erasure:
    invitations: int
    responses: int
    contacts: int


async def erasable_invitations(
    session: AsyncSession, *, wave: Wave, invitation_ids: list[int]
) -> list[Invitation]:
    """The wave's not yet erased invitations among ``invitation_ids``, with the
    wave locked; refused when there are none."""
    wave = await lock_wave(session, wave)
    invitations = list(
        await session.scalars(
            select(Invitation).where(
                Invitation.wave_id == wave.id,
                Invitation.id.in_(invitation_ids),
                Invitation.erased_at.is_(None),
            )
        )
    )
    if not invitations:
        raise InvalidInput("Geen uitnodigingen gevonden om te wissen.")
    return invitations


async def erase_invitations(
    session: AsyncSession,
    *,
    wave: Wave,
    invitations: list[Invitation],
    responses: int,
    actor: Actor,
) -> Erasure:
    """The samples part of erasing a person (``flows.erasure.erase``, which
    first deleted the ``responses`` and mail traces): contact data and
    organisation go; each invitation stays, with its status, as an anonymous
    count, and its link stops working. Logged without erased data."""
    ids = [i.id for i in invitations]
    contact_ids = {i.contact_id for i in invitations if i.contact_id is not None}
    now = utcnow()
    for invitation in invitations:
        values = {name: getattr(invitation, name) for name in ("tier", "function",
                  "organisation", "organisation_code")}  # fmt: skip
        invitation.attributes = anonymise.kept_attributes(
            attributes=invitation.attributes or {}, values=values, design=None,
            key=anonymise.purge_key(),
        )  # fmt: skip
        invitation.organisation = None
        invitation.organisation_code = None
        invitation.contact_id = None
        invitation.undeliverable_reason = anonymise.reply_code(
            invitation.undeliverable_reason
        )
        # a dead link: neither the old token nor a re-derived one matches
        invitation.token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        invitation.token_nonce = secrets.token_urlsafe(32)[:43]
        invitation.erased_at = now
    await session.flush()
    contacts = 0
    if contact_ids:
        still_used = set(
            await session.scalars(
                select(Invitation.contact_id).where(
                    Invitation.contact_id.in_(contact_ids)
                )
            )
        )
        removed = await session.execute(
            delete(Contact)
            .where(Contact.id.in_(contact_ids - still_used))
            .execution_options(synchronize_session=False)
        )
        contacts = removed.rowcount or 0  # type: ignore[attr-defined]
    result = Erasure(
        invitations=len(ids),
        responses=responses,
        contacts=contacts,
    )
    await staff_service.record_audit(
        session, actor=actor, action="person.erase", target=wave.slug,
        details={"invitations": result.invitations, "responses": result.responses,
                 "contacts": result.contacts},
    )  # fmt: skip
    return result
