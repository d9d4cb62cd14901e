"""Delivery-side services: mails of unknown fate, previews, test mails,
opt-outs (unsubscribe), the mail catcher's inbox, and per-mailing logs.

A mail of unknown fate (worker killed after handing it to SMTP, before
recording the result) is never resent by itself: a manager looks (in the mail
server's log or Mailpit, by Message-ID) and either resends it or confirms it
was delivered. Both decisions are audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import i18n
from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.mailings import composer, links
from app.mailings.delivery.mail_view import MailView, parse_caught, with_links
from app.mailings.models import (
    CaughtMail,
    MailAttempt,
    Mailing,
    OutboxMessage,
    OutboxStatus,
)
from app.mailings.planning.service import Actor
from app.samples import service as samples_service
from app.samples.models import Contact, Invitation, Wave
from app.samples.tokens import KeyUnavailable
from app.staff import service as staff_service


@dataclass(frozen=True)
class UnknownMail:
    outbox_id: int
    wave: str
    mailing: str
    invitation_id: int
    email: str | None
    handed_at: dt.datetime | None
    worker: str | None
    message_id: str


async def list_unknown(
    session: AsyncSession, settings: Settings, *, wave: Wave | None = None
) -> list[UnknownMail]:
    query = (
        select(
            OutboxMessage.id,
            Wave.slug,
            Mailing.name,
            OutboxMessage.invitation_id,
            Contact.email,
            OutboxMessage.handed_at,
            OutboxMessage.claimed_by,
        )
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .join(Wave, Wave.id == Mailing.wave_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(OutboxMessage.status == OutboxStatus.unknown.value)
        .order_by(OutboxMessage.id)
    )
    if wave is not None:
        query = query.where(Mailing.wave_id == wave.id)
    rows = (await session.execute(query)).all()
    return [
        UnknownMail(*row, message_id=links.message_id(settings, row[0])) for row in rows
    ]


async def _unknown_ids(
    session: AsyncSession, *, wave: Wave, ids: Sequence[int] | None
) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .where(
            Mailing.wave_id == wave.id,
            OutboxMessage.status == OutboxStatus.unknown.value,
        )
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return list(await session.scalars(query))


async def resend_unknown(
    session: AsyncSession, *, wave: Wave, ids: Sequence[int] | None, actor: Actor
) -> int:
    """Put mails of unknown fate back in the queue: the manager's explicit
    decision (the recipient may get the mail twice). ``ids`` None: all."""
    chosen = await _unknown_ids(session, wave=wave, ids=ids)
    if not chosen:
        return 0
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), OutboxMessage.status == "unknown")
        .values(
            status=OutboxStatus.pending.value,
            due_at=utcnow(),
            claim_token=None,
            claimed_by=None,
            lease_expires_at=None,
            finished_at=None,
            resolved_by=_name(actor),
        )
        .execution_options(synchronize_session=False)
    )
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.resend_unknown",
        target=wave.slug,
        details={"outbox_ids": chosen},
    )
    return len(chosen)


async def confirm_unknown_delivered(
    session: AsyncSession, *, wave: Wave, ids: Sequence[int] | None, actor: Actor
) -> int:
    """Record that mails of unknown fate did arrive (checked in the server log)."""
    chosen = await _unknown_ids(session, wave=wave, ids=ids)
    if not chosen:
        return 0
    now = utcnow()
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), OutboxMessage.status == "unknown")
        .values(
            status=OutboxStatus.sent.value,
            sent_at=OutboxMessage.handed_at,
            claim_token=None,
            resolved_by=_name(actor),
        )
        .execution_options(synchronize_session=False)
    )
    invitation_ids = select(OutboxMessage.invitation_id).where(
        OutboxMessage.id.in_(chosen)
    )
    await samples_service.record_mailed(
        session, invitation_ids=invitation_ids, at=now, keep_last_mailed=True
    )
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.confirm_unknown",
        target=wave.slug,
        details={"outbox_ids": chosen},
    )
    return len(chosen)


def _name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.email


# -- preview and test mail ------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    invitation: Invitation
    email: str | None
    rendered: composer.RenderedMail


async def _invitation_with_contact(
    session: AsyncSession, *, mailing: Mailing, invitation_id: int
) -> tuple[Invitation, Contact | None]:
    row = (
        await session.execute(
            select(Invitation, Contact)
            .outerjoin(Contact, Contact.id == Invitation.contact_id)
            .where(
                Invitation.id == invitation_id,
                Invitation.wave_id == mailing.wave_id,
                Invitation.questionnaire == mailing.questionnaire,
            )
        )
    ).first()
    if row is None:
        raise NotFound(
            f"Uitnodiging {invitation_id} hoort niet bij de vragenlijst van deze mailing."
        )
    return row[0], row[1]


async def preview(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    mailing: Mailing,
    invitation_id: int,
    is_test: bool = False,
) -> Preview:
    invitation, contact = await _invitation_with_contact(
        session, mailing=mailing, invitation_id=invitation_id
    )
    recipient = composer.Recipient(
        invitation_id=invitation.id,
        email=contact.email if contact and contact.email else "",
        name=contact.name if contact else None,
        questionnaire=mailing.questionnaire,
        tier=invitation.tier,
        function=invitation.function,
        organisation=invitation.organisation,
        status=invitation.status,
        survey_url=samples_service.invitation_url(settings, invitation),
        language=i18n.invitation_language(invitation.attributes or {}),
    )
    context = composer.template_context(
        settings,
        recipient=recipient,
        wave=composer.WaveFacts(wave.name, wave.opens_on, wave.closes_on),
        is_test=is_test,
    )
    rendered = composer.render(
        settings,
        questionnaire=mailing.questionnaire,
        template=composer.template_for(
            settings, mailing.questionnaire, mailing.template, recipient.language
        ),
        context=context,
    )
    return Preview(invitation, recipient.email or None, rendered)


async def preview_candidates(
    session: AsyncSession, *, mailing: Mailing, limit: int = 30
) -> list[tuple[int, str]]:
    """A few invitations to preview with (one per function first)."""
    rows = (
        await session.execute(
            select(Invitation.id, Invitation.function, Invitation.organisation)
            .where(
                Invitation.wave_id == mailing.wave_id,
                Invitation.questionnaire == mailing.questionnaire,
            )
            .order_by(Invitation.function, Invitation.id)
            .limit(500)
        )
    ).all()
    seen: set[str | None] = set()
    first: list[tuple[int, str]] = []
    rest: list[tuple[int, str]] = []
    for invitation_id, function, organisation in rows:
        label = (
            f"#{invitation_id} · {function or 'zonder functie'} · {organisation or '–'}"
        )
        (rest if function in seen else first).append((invitation_id, label))
        seen.add(function)
    return (first + rest)[:limit]


async def send_test_mail(
    session: AsyncSession,
    *,
    mailing: Mailing,
    invitation_id: int,
    to: str,
    actor: Actor,
) -> OutboxMessage:
    """Queue a test mail of ``mailing`` as ``invitation_id`` would get it, to a
    staff address. It takes the normal sending path (or the catcher), is marked
    as a test, and is never counted nor changes the invitation."""
    await _invitation_with_contact(
        session, mailing=mailing, invitation_id=invitation_id
    )
    to = to.strip()
    if "@" not in to or any(c.isspace() for c in to):
        raise InvalidInput("Geef een geldig e-mailadres voor de testmail.")
    now = utcnow()
    row = OutboxMessage(
        dedup_key=f"test:{uuid.uuid4()}",
        mailing_id=mailing.id,
        invitation_id=invitation_id,
        is_test=True,
        test_recipient=to,
        status=OutboxStatus.pending.value,
        send_at=now,
        due_at=now,
    )
    session.add(row)
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.test_mail",
        target=mailing.name,
        details={"invitation_id": invitation_id, "to": to},
    )
    return row


# -- opt-out ----------------------------------------------------------------------


async def unsubscribe_target(
    session: AsyncSession, settings: Settings, *, token: str
) -> Invitation | None:
    invitation_id = links.invitation_id_from_unsubscribe_token(settings, token)
    if invitation_id is None:
        return None
    return await session.get(Invitation, invitation_id)


async def record_opt_out(
    session: AsyncSession, settings: Settings, *, token: str
) -> Invitation | None:
    """Record an opt-out (idempotent; the first moment is kept). None for an
    unknown or forged token. Pending reminders are skipped at send time."""
    invitation = await unsubscribe_target(session, settings, token=token)
    if invitation is None:
        return None
    await samples_service.mark_opted_out(session, invitation=invitation)
    return invitation


# -- catcher inbox and logs ---------------------------------------------------------


async def list_caught_mails(
    session: AsyncSession, *, limit: int = 50, offset: int = 0
) -> tuple[list[CaughtMail], int]:
    total = await session.scalar(select(func.count()).select_from(CaughtMail)) or 0
    rows = await session.scalars(
        select(CaughtMail).order_by(CaughtMail.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


async def caught_mail_view(
    session: AsyncSession, settings: Settings, mail: CaughtMail
) -> MailView:
    """A caught mail for staff, with its personal links re-derived.

    The catcher stores mails with their links redacted (a copy of the
    database opens no survey); they are put back here from the invitation and
    the secret key. Links of an invitation that is gone, or of a key no longer
    configured, stay redacted."""
    view = parse_caught(mail.raw)
    found = None
    if mail.outbox_message_id is not None:
        found = (
            await session.execute(
                select(Invitation, OutboxMessage.is_test)
                .join(OutboxMessage, OutboxMessage.invitation_id == Invitation.id)
                .where(OutboxMessage.id == mail.outbox_message_id)
            )
        ).first()
    if found is None:
        return view
    invitation, is_test = found
    try:
        survey = samples_service.invitation_url(settings, invitation)
    except KeyUnavailable:
        return view
    base = settings.base_url.rstrip("/")
    restored = {
        composer.REDACTED_LINKS["survey_url"]: survey,
        composer.REDACTED_LINKS["privacy_url"]: survey.rstrip("/") + "/privacy",
        composer.REDACTED_LINKS["unsubscribe_url"]: f"{base}/u/test"
        if is_test
        else links.unsubscribe_url(settings, invitation.id),
        composer.REDACTED_MAILTO: links.unsubscribe_mailto(settings, invitation.id),
    }
    return with_links(view, restored)


async def get_caught_mail(session: AsyncSession, mail_id: int) -> CaughtMail:
    mail = await session.get(CaughtMail, mail_id)
    if mail is None:
        raise NotFound("Deze mail bestaat niet (meer).")
    return mail


@dataclass(frozen=True)
class LogEntry:
    outbox_id: int
    invitation_id: int
    status: str
    attempts: int
    due_at: dt.datetime
    sent_at: dt.datetime | None
    last_code: int | None
    detail: str | None


async def mailing_log(
    session: AsyncSession,
    *,
    mailing: Mailing,
    statuses: Sequence[str] = ("failed", "skipped", "unknown", "pending"),
    limit: int = 200,
) -> list[LogEntry]:
    """Rows worth a look (failed, skipped, unknown, retrying), newest first."""
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.invitation_id,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.due_at,
            OutboxMessage.sent_at,
            OutboxMessage.last_code,
            func.coalesce(
                OutboxMessage.skip_reason,
                OutboxMessage.last_reply,
                OutboxMessage.last_error,
            ),
        )
        .where(
            OutboxMessage.mailing_id == mailing.id,
            OutboxMessage.is_test.is_(False),
            OutboxMessage.status.in_(list(statuses)),
            (OutboxMessage.status != "pending") | (OutboxMessage.attempts > 0),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [LogEntry(*row) for row in rows.all()]


async def attempts_for(session: AsyncSession, *, outbox_id: int) -> list[MailAttempt]:
    return list(
        await session.scalars(
            select(MailAttempt)
            .where(MailAttempt.outbox_message_id == outbox_id)
            .order_by(MailAttempt.id)
        )
    )
