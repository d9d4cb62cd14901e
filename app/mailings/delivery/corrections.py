"""Repairing bounced addresses: the fieldwork manager gives a new address.

The invitation keeps its link, answers and outbox history; only the contact's
address changes (through the samples service). What happens to the mail facts:

* ``undeliverable_at`` and its reason are cleared and ``address_corrected_at``
  set, so mailings reach the person again: rows still pending (a reminder due
  later) go to the new address, because the worker reads the address at send
  time; mailings scheduled later include them.
* ``first_mailed_at`` / ``last_mailed_at`` are cleared: nothing has reached the
  new address yet. For AAPOR the invitation moves from 3.30 (undeliverable) to
  3.11 (not yet mailed), and to 2.20 (no reaction) once a mail to the new
  address is sent; both stay in every RR denominator, so RR1/RR2 move only
  when the person responds. The old facts stay in the outbox rows, the mail
  attempts and the audit log.
* **Sending the invitation at once** adds one outbox row for the wave's
  invitation mailing with a dedup key of its own per correction
  (``mailing:M:invitation:I:correction:N``), due now; it is refused while
  another mail for the invitation is still waiting or in flight, so nothing
  reaches the person twice.

The audit log records the bounce (time, SMTP code), the correction, who made
it and from where (page or file): never the addresses themselves (the audit
log outlives the contact purge), only their domains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import InvalidInput
from app.mailings.models import Mailing, MailingStatus, OutboxMessage, OutboxStatus
from app.mailings.planning.fieldwork import Actor
from app.samples import importer
from app.samples import service as samples_service
from app.samples.fields import FrameKind
from app.samples.models import Contact, Invitation, Wave
from app.staff import service as staff_service

IN_FLIGHT = (
    OutboxStatus.pending.value,
    OutboxStatus.claimed.value,
    OutboxStatus.sending.value,
    OutboxStatus.unknown.value,
)


@dataclass(frozen=True)
class BouncedAddress:
    invitation_id: int
    questionnaire: str
    name: str | None
    email: str | None
    organisation: str | None
    function: str | None
    tier: str | None
    reason: str | None
    bounced_at: dt.datetime


@dataclass(frozen=True)
class Correction:
    invitation_id: int
    resent: bool
    note: str | None = None
    """Why the invitation was not sent at once, if asked and refused."""


async def list_bounced(session: AsyncSession, *, wave: Wave) -> list[BouncedAddress]:
    """Invitations of ``wave`` whose address bounced, with their contact."""
    rows = await session.execute(
        select(
            Invitation.id,
            Invitation.questionnaire,
            Contact.name,
            Contact.email,
            Invitation.organisation,
            Invitation.function,
            Invitation.tier,
            Invitation.undeliverable_reason,
            Invitation.undeliverable_at,
        )
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.undeliverable_at.is_not(None),
            Invitation.is_test.is_(False),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.undeliverable_at.desc(), Invitation.id)
        .limit(1000)
    )
    found: list[BouncedAddress] = []
    for (
        invitation_id,
        questionnaire,
        name,
        email,
        organisation,
        function,
        tier,
        reason,
        bounced_at,
    ) in rows.all():
        assert bounced_at is not None  # the query asks for bounced rows only
        found.append(
            BouncedAddress(
                invitation_id,
                questionnaire,
                name,
                email,
                organisation,
                function,
                tier,
                reason,
                bounced_at,
            )
        )
    return found


def _domain(address: str | None) -> str | None:
    return address.rpartition("@")[2] if address else None


def _smtp_code(reason: str | None) -> str | None:
    head = (reason or "")[:3]
    return head if head.isdigit() else None


async def correct_address(
    session: AsyncSession,
    *,
    wave: Wave,
    invitation_id: int,
    email: str,
    send_invitation: bool,
    actor: Actor,
    source: str = "pagina",
) -> Correction:
    """Give a bounced invitation a new address (see the module docstring)."""
    invitation = await samples_service.require_invitation(
        session, wave=wave, invitation_id=invitation_id
    )
    if invitation.undeliverable_at is None:
        raise InvalidInput(
            "Deze uitnodiging is niet onbestelbaar; er valt geen adres te herstellen."
        )
    old, new = await samples_service.change_contact_email(
        session, invitation=invitation, email=email
    )
    now = utcnow()
    bounced_at = invitation.undeliverable_at
    code = _smtp_code(invitation.undeliverable_reason)
    await samples_service.mark_address_corrected(
        session, invitation=invitation, now=now
    )
    resent, note = False, None
    if send_invitation:
        resent, note = await _send_invitation_now(session, invitation, now)
    await staff_service.record_audit(
        session,
        actor=actor,
        action="address.correct",
        target=f"{wave.slug}/invitation/{invitation.id}",
        details={
            "bounced_at": bounced_at.isoformat(),
            "bounce_code": code,
            "old_domain": _domain(old),
            "new_domain": _domain(new),
            "source": source,
            "invitation_resent": resent,
        },
    )
    return Correction(invitation.id, resent, note)


async def _send_invitation_now(
    session: AsyncSession, invitation: Invitation, now: dt.datetime
) -> tuple[bool, str | None]:
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.invitation_id == invitation.id,
            OutboxMessage.is_test.is_(False),
            OutboxMessage.status.in_(IN_FLIGHT),
        )
    )
    if waiting:
        return False, (
            "Er staat al een mail voor deze persoon klaar; die gaat naar het nieuwe adres."
        )
    mailing = await session.scalar(
        select(Mailing)
        .where(
            Mailing.wave_id == invitation.wave_id,
            Mailing.questionnaire == invitation.questionnaire,
            Mailing.kind == "invitation",
            Mailing.status == MailingStatus.scheduled.value,
        )
        .order_by(Mailing.id.desc())
        .limit(1)
    )
    if mailing is None:
        return False, "Er is geen ingeplande uitnodigingsmailing voor deze vragenlijst."
    prefix = f"mailing:{mailing.id}:invitation:{invitation.id}"
    earlier = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.mailing_id == mailing.id,
            OutboxMessage.invitation_id == invitation.id,
        )
    )
    session.add(
        OutboxMessage(
            dedup_key=f"{prefix}:correction:{int(earlier or 0)}",
            mailing_id=mailing.id,
            invitation_id=invitation.id,
            is_test=False,
            status=OutboxStatus.pending.value,
            send_at=now,
            due_at=now,
            attempts=0,
            temp_failures=0,
        )
    )
    await session.flush()
    return True, None


@dataclass
class FileCorrections:
    corrected: list[Correction]
    same_address: int = 0
    """Rows matching a bounced person but giving the address that bounced."""
    ambiguous: int = 0
    """Rows matching more than one bounced person: left alone."""
    problems: list[str] | None = None
    """The file's problems (then nothing was changed)."""


def _person_key(
    name: str | None, function: str | None, organisation: str | None, code: str | None
) -> tuple[str, str, str]:
    org = (code or "").upper() or " ".join((organisation or "").lower().split())
    return (" ".join((name or "").lower().split()), function or "", org)


async def corrections_from_file(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    source: IO[bytes],
    send_invitation: bool,
    actor: Actor,
) -> FileCorrections:
    """Correct bounced addresses from a new address file of the same kind.

    A row matches a bounced person of ``questionnaire`` by name, function and
    organisation (code), compared without case and extra spaces; for
    organisations by organisation code. A file with any problem changes
    nothing; rows that match nobody are ignored, rows that match more than one
    person are counted and left alone.
    """
    kind = FrameKind(questionnaire)
    report = importer.validate(source, kind=kind)
    if not report.ok:
        return FileCorrections([], problems=[p.text() for p in report.problems[:20]])
    source.seek(0)
    rows = list(importer.read_rows(source, report, kind=kind))
    bounced = await session.execute(
        select(
            Invitation.id,
            Contact.name,
            Contact.email,
            Invitation.function,
            Invitation.organisation,
            Invitation.organisation_code,
        )
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.questionnaire == questionnaire,
            Invitation.undeliverable_at.is_not(None),
            Invitation.is_test.is_(False),
            Invitation.revoked_at.is_(None),
        )
    )
    people: dict[tuple[str, str, str], list[tuple[int, str | None]]] = {}
    for inv_id, name, email, function, organisation, code in bounced:
        key = (
            ("", "", (code or "").upper())
            if kind is FrameKind.organisations
            else _person_key(name, function, organisation, code)
        )
        people.setdefault(key, []).append((inv_id, email))
    result = FileCorrections([])
    for row in rows:
        key = (
            ("", "", (row.organisation_code or "").upper())
            if kind is FrameKind.organisations
            else _person_key(
                row.name, row.function, row.organisation, row.organisation_code
            )
        )
        found = people.get(key)
        if not found:
            continue
        if len(found) > 1:
            result.ambiguous += 1
            continue
        inv_id, email = found[0]
        if email == row.email:
            result.same_address += 1
            continue
        result.corrected.append(
            await correct_address(
                session,
                wave=wave,
                invitation_id=inv_id,
                email=row.email,
                send_invitation=send_invitation,
                actor=actor,
                source="bestand",
            )
        )
        del people[key]
    return result
