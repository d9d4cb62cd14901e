"""Read-side SQL over the samples tables (invitations, contacts) for mailings.

Who a mailing reaches is a question about invitations and contacts, which the
samples domain owns; these queries only read them (the mail-fact columns on
``invitations`` are written in ``outbox.py``, which the samples model assigns
to this domain). Everything is set-based: no query per invitation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.models import Mailing, OutboxMessage, OutboxStatus
from app.mailings.schemas import (
    PROGRESS_LABELS,
    PROGRESS_STATUS,
    Audience,
    progress_of,
)
from app.samples.models import Contact, Invitation, Wave
from app.samples.states import InvitationStatus

FINAL_STATUSES = ("sent", "failed", "skipped", "cancelled")


def audience_filter(mailing: Mailing, audience: Audience) -> list[ColumnElement[bool]]:
    """WHERE criteria (over ``invitations`` joined with ``contacts``) of who a
    mailing reaches now: the fixed exclusions plus the audience rule."""
    return audience_criteria(mailing.wave_id, mailing.questionnaire, audience)


def progress_criterion(progress: str) -> ColumnElement[bool]:
    """Invitations in one progress audience (``schemas.PROGRESS_LABELS``)."""
    status = Invitation.status == PROGRESS_STATUS[progress]
    if progress == "not_opened":
        return and_(status, Invitation.opened_at.is_(None))
    if progress == "opened":
        return and_(status, Invitation.opened_at.is_not(None))
    return status


def audience_criteria(
    wave_id: int, questionnaire: str, audience: Audience
) -> list[ColumnElement[bool]]:
    """``audience_filter`` for a mailing not yet made (the plan's preview)."""
    criteria: list[ColumnElement[bool]] = [
        Invitation.wave_id == wave_id,
        Invitation.questionnaire == questionnaire,
        Invitation.is_test.is_(False),
        Invitation.revoked_at.is_(None),
        Invitation.opted_out_at.is_(None),
        Invitation.undeliverable_at.is_(None),
        Invitation.ineligible_at.is_(None),
        Invitation.status.in_(audience.statuses),
        Contact.email.is_not(None),
        Contact.email != "",
    ]
    if audience.tiers:
        criteria.append(Invitation.tier.in_(audience.tiers))
    if audience.functions:
        criteria.append(Invitation.function.in_(audience.functions))
    if audience.email_kinds:
        criteria.append(Invitation.email_kind.in_(audience.email_kinds))
    if audience.genders:
        criteria.append(Invitation.gender.in_(audience.genders))
    if audience.progress:
        criteria.append(or_(*(progress_criterion(p) for p in audience.progress)))
    return criteria


async def audience_size(
    session: AsyncSession, *, wave_id: int, questionnaire: str, audience: Audience
) -> int:
    """How many invitations an audience reaches now."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Invitation)
            .join(Contact, Contact.id == Invitation.contact_id)
            .where(*audience_criteria(wave_id, questionnaire, audience))
        )
        or 0
    )


async def progress_sizes(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> dict[str, int]:
    """Per progress audience, how many a reminder would reach now (with the
    fixed exclusions), in one grouped query."""
    rows = await session.execute(
        select(Invitation.status, Invitation.opened_at.is_not(None), func.count())
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(*audience_criteria(wave_id, questionnaire, Audience()))
        .group_by(Invitation.status, Invitation.opened_at.is_not(None))
    )
    sizes = dict.fromkeys(PROGRESS_LABELS, 0)
    for status, opened, n in rows:
        key = progress_of(status, bool(opened))
        if key is not None:
            sizes[key] += int(n)
    return sizes


async def reach_by_tier(
    session: AsyncSession, *, mailing: Mailing, audience: Audience
) -> dict[str | None, int]:
    """How many invitations the mailing would reach now, per tier."""
    rows = await session.execute(
        select(Invitation.tier, func.count())
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(*audience_filter(mailing, audience))
        .group_by(Invitation.tier)
    )
    return dict(rows.all())


def skip_reason(
    *,
    invitation_status: str,
    revoked: bool,
    opted_out: bool,
    undeliverable: bool,
    email: str | None,
    tier: str | None,
    ineligible: bool = False,
    function: str | None,
    audience: Audience,
    opened: bool = False,
    email_kind: str | None = None,
    gender: str | None = None,
) -> str | None:
    """Why an invitation no longer belongs to the audience (checked at send time)."""
    if revoked:
        return "link ingetrokken"
    if invitation_status == InvitationStatus.complete:
        return "vragenlijst al afgerond"
    if opted_out:
        return "afgemeld"
    if undeliverable:
        return "onbestelbaar"
    if ineligible:
        return "buiten de doelpopulatie"
    if not email:
        return "geen e-mailadres (meer)"
    if invitation_status not in audience.statuses:
        return "heeft al gerespondeerd"
    if audience.tiers and tier not in audience.tiers:
        return "valt buiten de doelgroep (bestuurslaag)"
    if audience.functions and function not in audience.functions:
        return "valt buiten de doelgroep (functie)"
    if audience.email_kinds and email_kind not in audience.email_kinds:
        return "valt buiten de doelgroep (soort adres)"
    if audience.genders and gender not in audience.genders:
        return "valt buiten de doelgroep (geslacht)"
    if not audience.admits_progress(invitation_status, opened):
        return "valt buiten de doelgroep (voortgang)"
    return None


@dataclass(frozen=True)
class SendContext:
    """Everything the worker needs to decide on and build one mail."""

    outbox_id: int
    is_test: bool
    test_recipient: str | None
    attempts: int
    temp_failures: int
    mailing_id: int
    mailing_questionnaire: str
    mailing_template: str
    mailing_kind: str
    mailing_rule: dict[str, Any]
    mailing_audience: dict[str, Any]
    wave_id: int
    invitation_id: int
    invitation_status: str
    invitation_tier: str | None
    invitation_function: str | None
    invitation_organisation: str | None
    token_nonce: str
    token_key_id: str
    revoked: bool
    opted_out: bool
    undeliverable: bool
    ineligible: bool
    email: str | None
    name: str | None
    opened: bool
    email_kind: str | None
    gender: str | None
    invitation_attributes: dict[str, Any] | None = None


async def load_send_contexts(
    session: AsyncSession, *, ids: Sequence[int]
) -> list[SendContext]:
    if not ids:
        return []
    rows = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.is_test,
            OutboxMessage.test_recipient,
            OutboxMessage.attempts,
            OutboxMessage.temp_failures,
            Mailing.id,
            Mailing.questionnaire,
            Mailing.template,
            Mailing.kind,
            Mailing.rule,
            Mailing.audience,
            Mailing.wave_id,
            Invitation.id,
            Invitation.status,
            Invitation.tier,
            Invitation.function,
            Invitation.organisation,
            Invitation.token_nonce,
            Invitation.token_key_id,
            Invitation.revoked_at.is_not(None),
            Invitation.opted_out_at.is_not(None),
            Invitation.undeliverable_at.is_not(None),
            Invitation.ineligible_at.is_not(None),
            Contact.email,
            Contact.name,
            Invitation.opened_at.is_not(None),
            Invitation.email_kind,
            Invitation.gender,
            Invitation.attributes,
        )
        .join(Mailing, Mailing.id == OutboxMessage.mailing_id)
        .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(OutboxMessage.id.in_(list(ids)))
        .order_by(OutboxMessage.id)
    )
    return [SendContext(*row) for row in rows.all()]


async def wave_for(session: AsyncSession, wave_id: int) -> Wave | None:
    return await session.get(Wave, wave_id)


async def status_counts(
    session: AsyncSession, *, mailing_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Outbox rows per mailing and status (test mails excluded)."""
    counts: dict[int, dict[str, int]] = {m: {} for m in mailing_ids}
    if not mailing_ids:
        return counts
    rows = await session.execute(
        select(OutboxMessage.mailing_id, OutboxMessage.status, func.count())
        .where(
            and_(
                OutboxMessage.mailing_id.in_(list(mailing_ids)),
                OutboxMessage.is_test.is_(False),
            )
        )
        .group_by(OutboxMessage.mailing_id, OutboxMessage.status)
    )
    for mailing_id, status, count in rows.all():
        counts[mailing_id][status] = count
    for per_status in counts.values():
        per_status["total"] = sum(per_status.values())
        per_status["open"] = sum(
            per_status.get(s.value, 0)
            for s in (OutboxStatus.pending, OutboxStatus.claimed, OutboxStatus.sending)
        )
    simulated = await session.execute(
        select(OutboxMessage.mailing_id, func.count())
        .where(
            OutboxMessage.mailing_id.in_(list(mailing_ids)),
            OutboxMessage.transport == SIMULATED_TRANSPORT,
        )
        .group_by(OutboxMessage.mailing_id)
    )
    for mailing_id, count in simulated.all():
        counts[mailing_id]["simulated"] = count
    return counts


SIMULATED_TRANSPORT = "demo"
"""``transport`` of outbox rows the demo marked as sent without composing
them: they never reached SMTP or the catcher."""


async def simulated_total(session: AsyncSession) -> int:
    """Rows the demo marked as sent (none outside a demo database)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.transport == SIMULATED_TRANSPORT)
        )
        or 0
    )
