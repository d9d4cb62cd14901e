"""Mailing plans: adding mailings, resolving the plan, scheduling, pausing.

Scheduling a mailing enqueues one outbox row per audience member in the same
transaction, each with the moment its rule resolves to for the member's tier;
the unique ``dedup_key`` makes scheduling idempotent (scheduling again only
adds newcomers), so no (invitation, mailing) pair is ever enqueued twice.
Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, String, cast, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput
from app.mailings import composer
from app.mailings.errors import (
    MailingExists,
    MailingNotFound,
    MailingNotSchedulable,
    MailingStateConflict,
    NotMailed,
)
from app.mailings.models import (
    Mailing,
    MailingStatus,
    OutboxMessage,
    OutboxStatus,
)
from app.mailings.planning import calendar as cal
from app.mailings.planning import queries
from app.mailings.planning.fieldwork import Actor, actor_name, calendar_for_wave
from app.mailings.planning.progress import Progress, progress
from app.mailings.planning.schemas import (
    MAILED_QUESTIONNAIRES,
    Audience,
    MailingCreate,
    Rule,
    dump_rule,
    parse_rule,
)
from app.samples.models import Contact, Invitation, Wave
from app.staff import service as staff_service

# -- the plan ---------------------------------------------------------------------


async def list_mailings(session: AsyncSession, *, wave: Wave) -> list[Mailing]:
    return list(
        await session.scalars(
            select(Mailing).where(Mailing.wave_id == wave.id).order_by(Mailing.id)
        )
    )


async def get_mailing(
    session: AsyncSession, *, wave: Wave, name: str
) -> Mailing | None:
    return await session.scalar(
        select(Mailing).where(Mailing.wave_id == wave.id, Mailing.name == name)
    )


async def require_mailing(session: AsyncSession, *, wave: Wave, name: str) -> Mailing:
    mailing = await get_mailing(session, wave=wave, name=name)
    if mailing is None:
        raise MailingNotFound(name)
    return mailing


async def create_mailing(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    data: MailingCreate,
    actor: Actor,
) -> Mailing:
    """Add a mailing to the plan (as a draft: nothing is enqueued yet).

    Refuses questionnaires we do not mail (employees: panel links), a missing
    template, a duplicate name, and a reference to an unknown mailing.
    """
    if data.questionnaire not in MAILED_QUESTIONNAIRES:
        raise NotMailed(data.questionnaire)
    template = data.template or data.kind
    composer.check_template(settings, data.questionnaire, template)
    if await get_mailing(session, wave=wave, name=data.name) is not None:
        raise MailingExists(data.name)
    reference = getattr(data.rule, "mailing", None)
    if (
        reference is not None
        and await get_mailing(session, wave=wave, name=reference) is None
    ):
        raise InvalidInput(
            f"De regel verwijst naar mailing '{reference}', die niet bestaat.",
            code="MAILING_REFERENCE",
        )
    mailing = Mailing(
        wave_id=wave.id,
        questionnaire=data.questionnaire,
        name=data.name,
        kind=data.kind,
        template=template,
        rule=dump_rule(data.rule),
        audience=data.audience.model_dump(mode="json"),
        status=MailingStatus.draft.value,
        created_by=actor_name(actor),
    )
    session.add(mailing)
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.create",
        target=f"{wave.slug}/{data.name}",
        details={"rule": mailing.rule, "audience": mailing.audience},
    )
    return mailing


async def delete_mailing(
    session: AsyncSession, *, mailing: Mailing, actor: Actor
) -> None:
    if mailing.status != MailingStatus.draft.value:
        raise MailingStateConflict(
            "Alleen een mailing in concept kan worden verwijderd; pauzeer of annuleer een ingeplande mailing."
        )
    await session.delete(mailing)
    await session.flush()
    await staff_service.record_audit(
        session, actor=actor, action="mailing.delete", target=mailing.name
    )


@dataclass(frozen=True)
class TierMoment:
    tiers: tuple[str | None, ...]
    at: dt.datetime | None
    issues: tuple[cal.Issue, ...]


@dataclass
class PlannedMailing:
    mailing: Mailing
    rule: Rule
    audience: Audience
    moments: list[TierMoment]
    reach: dict[str | None, int]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def progress(self) -> Progress:
        return progress(self.mailing.status, self.counts)

    @property
    def reach_total(self) -> int:
        return sum(self.reach.values())

    @property
    def warnings(self) -> list[cal.Issue]:
        return [i for m in self.moments for i in m.issues if i.level != "info"]

    @property
    def first_moment(self) -> dt.datetime | None:
        moments = [m.at for m in self.moments if m.at is not None]
        return min(moments) if moments else None


@dataclass
class Plan:
    wave: Wave
    calendar: cal.Calendar
    mailings: list[PlannedMailing]


async def resolve_wave_plan(session: AsyncSession, *, wave: Wave) -> Plan:
    """The plan resolved into moments per tier, with the reach of each mailing
    now and its progress; this is what the manager checks before scheduling."""
    calendar = await calendar_for_wave(session, wave=wave)
    mailings = await list_mailings(session, wave=wave)
    reaches: dict[int, dict[str | None, int]] = {}
    tiers: set[str | None] = set()
    for mailing in mailings:
        reach = await queries.reach_by_tier(
            session, mailing=mailing, audience=Audience.model_validate(mailing.audience)
        )
        reaches[mailing.id] = reach
        tiers.update(reach)
    entries = [cal.PlanEntry(m.name, parse_rule(m.rule)) for m in mailings]
    all_tiers = sorted(tiers, key=lambda t: (t is None, t or "")) or [None]
    resolved = cal.resolve_plan(calendar, entries, all_tiers)
    counts = await queries.status_counts(session, mailing_ids=[m.id for m in mailings])
    planned = []
    for mailing in mailings:
        reach = reaches[mailing.id]
        relevant = [t for t in all_tiers if t in reach] or all_tiers
        planned.append(
            PlannedMailing(
                mailing=mailing,
                rule=parse_rule(mailing.rule),
                audience=Audience.model_validate(mailing.audience),
                moments=_group_moments(resolved[mailing.name], relevant),
                reach=reach,
                counts=counts.get(mailing.id, {}),
            )
        )
    return Plan(wave=wave, calendar=calendar, mailings=planned)


def _group_moments(
    resolutions: dict[str | None, cal.Resolution], tiers: list[str | None]
) -> list[TierMoment]:
    groups: dict[
        tuple[dt.datetime | None, tuple[cal.Issue, ...]], list[str | None]
    ] = {}
    for tier in tiers:
        res = resolutions[tier]
        groups.setdefault((res.at, res.issues), []).append(tier)
    return [
        TierMoment(tuple(group), at, issues) for (at, issues), group in groups.items()
    ]


async def schedule_mailing(
    session: AsyncSession, *, wave: Wave, mailing: Mailing, actor: Actor
) -> int:
    """Enqueue the mailing for its audience now; returns how many rows were added.

    Idempotent: members already enqueued (whatever became of their mail) are
    not enqueued again. Refuses when the moment cannot be resolved.
    """
    if mailing.status == MailingStatus.cancelled.value:
        raise MailingNotSchedulable(mailing.name, "de mailing is geannuleerd.")
    plan = await resolve_wave_plan(session, wave=wave)
    planned = next(p for p in plan.mailings if p.mailing.id == mailing.id)
    errors = [
        i.message for m in planned.moments for i in m.issues if i.level == "error"
    ]
    if errors:
        raise MailingNotSchedulable(mailing.name, " ".join(errors))
    now = utcnow()
    added = 0
    for moment in planned.moments:
        assert moment.at is not None
        added += await _enqueue(
            session,
            mailing=mailing,
            audience=planned.audience,
            tiers=moment.tiers,
            send_at=moment.at,
            now=now,
        )
    if mailing.status == MailingStatus.draft.value:
        mailing.status = MailingStatus.scheduled.value
    mailing.scheduled_at = now
    mailing.scheduled_by = actor_name(actor)
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.schedule",
        target=f"{wave.slug}/{mailing.name}",
        details={"enqueued": added},
    )
    return added


async def _enqueue(
    session: AsyncSession,
    *,
    mailing: Mailing,
    audience: Audience,
    tiers: tuple[str | None, ...],
    send_at: dt.datetime,
    now: dt.datetime,
) -> int:
    """One INSERT ... SELECT for the audience members of ``tiers``."""
    tier_filter: ColumnElement[bool] = Invitation.tier.in_(
        [t for t in tiers if t is not None]
    )
    if None in tiers:
        tier_filter = tier_filter | Invitation.tier.is_(None)
    key_prefix = f"mailing:{mailing.id}:invitation:"
    source = (
        select(
            (literal(key_prefix) + cast(Invitation.id, String)).label("dedup_key"),
            literal(mailing.id).label("mailing_id"),
            Invitation.id.label("invitation_id"),
            literal(False).label("is_test"),
            literal(OutboxStatus.pending.value).label("status"),
            literal(send_at, OutboxMessage.send_at.type).label("send_at"),
            literal(send_at, OutboxMessage.due_at.type).label("due_at"),
            literal(0).label("attempts"),
            literal(0).label("temp_failures"),
            literal(now, OutboxMessage.created_at.type).label("created_at"),
        )
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(*queries.audience_filter(mailing, audience), tier_filter)
    )
    columns = [
        "dedup_key",
        "mailing_id",
        "invitation_id",
        "is_test",
        "status",
        "send_at",
        "due_at",
        "attempts",
        "temp_failures",
        "created_at",
    ]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(OutboxMessage)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _set_status(
    session: AsyncSession,
    *,
    mailing: Mailing,
    allowed: tuple[MailingStatus, ...],
    to: MailingStatus,
    actor: Actor,
    action: str,
) -> Mailing:
    if mailing.status_enum not in allowed:
        raise MailingStateConflict(
            f"Mailing '{mailing.name}' heeft de status '{mailing.status_enum.label}'; dat kan nu niet."
        )
    mailing.status = to.value
    mailing.paused_at = utcnow() if to is MailingStatus.paused else None
    await session.flush()
    await staff_service.record_audit(
        session, actor=actor, action=action, target=mailing.name
    )
    return mailing


async def pause_mailing(
    session: AsyncSession, *, mailing: Mailing, actor: Actor
) -> Mailing:
    """Stop handing out this mailing's rows. Rows a worker already handed to
    SMTP finish; rows it claimed but did not hand over are given back."""
    return await _set_status(
        session,
        mailing=mailing,
        allowed=(MailingStatus.scheduled,),
        to=MailingStatus.paused,
        actor=actor,
        action="mailing.pause",
    )


async def resume_mailing(
    session: AsyncSession, *, mailing: Mailing, actor: Actor
) -> Mailing:
    return await _set_status(
        session,
        mailing=mailing,
        allowed=(MailingStatus.paused,),
        to=MailingStatus.scheduled,
        actor=actor,
        action="mailing.resume",
    )


async def cancel_mailing(
    session: AsyncSession, *, mailing: Mailing, actor: Actor
) -> int:
    """Cancel a mailing: rows not yet handed to SMTP are cancelled for good."""
    await _set_status(
        session,
        mailing=mailing,
        allowed=(MailingStatus.scheduled, MailingStatus.paused, MailingStatus.draft),
        to=MailingStatus.cancelled,
        actor=actor,
        action="mailing.cancel",
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.mailing_id == mailing.id,
            OutboxMessage.status == OutboxStatus.pending.value,
        )
        .values(status=OutboxStatus.cancelled.value, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def progress_overview(
    session: AsyncSession, *, wave: Wave
) -> dict[str, dict[str, int]]:
    """Per mailed questionnaire, the size of each progress audience now (a
    reminder to it reaches that many, after the fixed exclusions)."""
    return {
        questionnaire: await queries.progress_sizes(
            session, wave_id=wave.id, questionnaire=questionnaire
        )
        for questionnaire in MAILED_QUESTIONNAIRES
    }


async def audience_size(
    session: AsyncSession, *, wave: Wave, questionnaire: str, audience: Audience
) -> int:
    """How many invitations a mailing with ``audience`` would reach now."""
    return await queries.audience_size(
        session, wave_id=wave.id, questionnaire=questionnaire, audience=audience
    )
