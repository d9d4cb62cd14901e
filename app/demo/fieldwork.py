"""Two weeks of simulated fieldwork for the demo wave.

Built through the real services wherever a real step exists: the synthetic
address files are imported by the importer, the samples drawn with the 2024
designs, the mailings planned on the wave's calendar (with a recess) and
enqueued by the scheduler. Only what time would have done is simulated: the
invitation and first reminder are marked as sent at their planned moments
(reminders skip who had completed by then), a few addresses bounced or opted
out, and scripted respondents answered through the routing engine. The second
reminder, planned two working days after the recess, is left for the manager
to schedule, and the worker sends it for real (into the built-in catcher).
"""

# Seeded random on purpose: the demo's history is the same on every machine.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.demo.officials import SimulatedOfficial
from app.demo.simulate import Outcome, plan_outcome, response_rate, walk
from app.mailings.models import Mailing, OutboxMessage, OutboxStatus
from app.mailings.planning import service as mailings_service
from app.mailings.planning.queries import SIMULATED_TRANSPORT
from app.mailings.planning.schemas import (
    AfterMailing,
    AfterRecess,
    MailingCreate,
    MailingKind,
    OnOpening,
    RecessCreate,
    Rule,
)
from app.names import display_name
from app.questionnaires import routing
from app.questionnaires.service import CompiledVersions
from app.responses.models import Response
from app.samples import demo_frame
from app.samples import service as samples_service
from app.samples.design import SampleDesign, SimpleRandomSample, preset
from app.samples.fields import FrameKind
from app.samples.models import Frame, Invitation, Wave
from app.samples.states import InvitationStatus

ACTOR = "demo"
RECESS = "meireces"


@dataclass
class Fieldwork:
    """What the simulation made, for the demo's printout and its tests."""

    frames: dict[str, int] = field(default_factory=dict)
    sampled: dict[str, int] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    mailings: list[str] = field(default_factory=list)


async def has_fieldwork(session: AsyncSession, wave: Wave) -> bool:
    found = await session.scalar(select(Frame.id).where(Frame.wave_id == wave.id))
    return found is not None


async def build_fieldwork(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    size: demo_frame.DemoSize,
    today: dt.date,
    now: dt.datetime,
    reserve: dict[str, list[dict[str, str]]],
    seed: int = 2024,
) -> Fieldwork:
    """Frames, samples, mailings and responses for ``wave`` (opened two weeks
    before ``today``). ``reserve`` names, per questionnaire, sample members
    (by function or tier) kept untouched for the demo's printed links."""
    result = Fieldwork()
    for kind in ("officials", "employees", "organisations"):
        data = demo_frame.demo_frame_bytes(kind, seed=seed, size=size)
        outcome = await samples_service.import_frame(
            session, settings, wave=wave, kind=FrameKind(kind),
            source=io.BytesIO(data), file_name=f"demo-{kind}.csv",
            name=f"Synthetisch adresbestand {display_name(kind).lower()} (demo)", actor=ACTOR,
        )  # fmt: skip
        if outcome.frame is None:  # the synthetic file is ours; it must import
            raise RuntimeError(
                f"demo frame {kind} rejected: {outcome.report.problems[:3]}"
            )
        result.frames[kind] = outcome.report.rows
    for questionnaire, design in _designs(size).items():
        drawn = await samples_service.draw_sample(
            session, settings, wave=wave, questionnaire=questionnaire, design=design,
            seed=seed, name=f"Steekproef {display_name(questionnaire).lower()} 2024 (demo)", actor=ACTOR,
        )  # fmt: skip
        result.sampled[questionnaire] = int(drawn.summary.get("sampled", 0))
    await mailings_service.add_recess(
        session, wave=wave, actor=ACTOR,
        data=RecessCreate(name=RECESS, starts_on=today + dt.timedelta(days=2),
                          ends_on=today + dt.timedelta(days=9)),
    )  # fmt: skip
    moments = await _plan_mailings(session, settings, wave, result)
    reserved = await _reserve(session, wave, reserve)
    rng = random.Random(f"veldwerk-demo:{seed}:fieldwork")
    answers_rng = np.random.default_rng([seed, 14])
    for questionnaire in ("officials", "employees", "organisations"):
        times = moments.get(questionnaire) or _panel_moments(wave, settings)
        result.responses[questionnaire] = await _respond(
            session, wave, questionnaire, times, now, rng, reserved, answers_rng
        )
    await _mail_history(session, wave, rng, reserved)
    return result


def _designs(size: demo_frame.DemoSize) -> dict[str, SampleDesign]:
    """The 2024 designs, scaled down for a small country."""
    officials = preset("officials-2024")
    employees = preset("employees-2024")
    if size.municipalities < 130:
        clusters = max(1, (size.municipalities - 4) // 3)
        officials = officials.model_copy(
            update={
                "components": [
                    officials.components[0],
                    officials.components[1].model_copy(update={"clusters": clusters}),
                ]
            }
        )
        component = employees.components[0]
        assert isinstance(component, SimpleRandomSample)  # the preset's panel
        n = dict(component.n_by_stratum or {})
        n["gemeente"] = min(n.get("gemeente") or 400, size.panel_members // 3)
        employees = employees.model_copy(
            update={"components": [component.model_copy(update={"n_by_stratum": n})]}
        )
    return {
        "officials": officials,
        "employees": employees,
        "organisations": preset("organisations-2024"),
    }


async def _plan_mailings(
    session: AsyncSession, settings: Settings, wave: Wave, result: Fieldwork
) -> dict[str, list[dt.datetime]]:
    """Invitation and first reminder scheduled (their moments have passed);
    the second reminder, after the recess, stays a draft."""
    plans: dict[
        Literal["officials", "organisations"],
        list[tuple[str, MailingKind, Rule, bool]],
    ] = {
        "officials": [
            ("uitnodiging", "invitation", OnOpening(), True),
            ("herinnering-1", "reminder", AfterMailing(mailing="uitnodiging", days=7), True),
            ("herinnering-2", "reminder", AfterRecess(recess=RECESS, working_days=2), False),
        ],
        "organisations": [
            ("uitnodiging-org", "invitation", OnOpening(), True),
            ("herinnering-org", "reminder", AfterMailing(mailing="uitnodiging-org", days=7), True),
        ],
    }  # fmt: skip
    moments: dict[str, list[dt.datetime]] = {}
    for questionnaire, mailings in plans.items():
        for name, kind, rule, send in mailings:
            mailing = await mailings_service.create_mailing(
                session, settings, wave=wave, actor=ACTOR,
                data=MailingCreate(questionnaire=questionnaire, name=name,
                                   kind=kind, rule=rule),
            )  # fmt: skip
            result.mailings.append(f"{questionnaire}/{name}")
            if not send:
                continue
            await mailings_service.schedule_mailing(
                session, wave=wave, mailing=mailing, actor=ACTOR
            )
            at = await session.scalar(
                select(func.min(OutboxMessage.send_at)).where(
                    OutboxMessage.mailing_id == mailing.id
                )
            )
            if at is not None:
                moments.setdefault(questionnaire, []).append(at)
    return moments


def _panel_moments(wave: Wave, settings: Settings) -> list[dt.datetime]:
    """The panel bureau mails employees itself: on opening and a week later."""
    opens = wave.opens_on or dt.date.today()
    first = dt.datetime.combine(opens, dt.time(10), ZoneInfo(settings.timezone))
    return [first.astimezone(dt.UTC), (first + dt.timedelta(days=7)).astimezone(dt.UTC)]


async def _reserve(
    session: AsyncSession, wave: Wave, reserve: dict[str, list[dict[str, str]]]
) -> dict[int, str]:
    """Pick, per wanted profile, the first sample member that fits; they stay
    'invited' so the printed links open a fresh questionnaire."""
    picked: dict[int, str] = {}
    for questionnaire, profiles in reserve.items():
        for profile in profiles:
            criteria = [
                Invitation.wave_id == wave.id,
                Invitation.questionnaire == questionnaire,
                Invitation.is_test.is_(False),
                *(
                    getattr(Invitation, k) == v
                    for k, v in profile.items()
                    if k != "label"
                ),
            ]
            if picked:
                criteria.append(Invitation.id.not_in(list(picked)))
            found = await session.scalar(
                select(Invitation)
                .where(and_(*criteria))
                .order_by(Invitation.id)
                .limit(1)
            )
            if found is None:
                continue
            samples_service.add_attributes(
                invitation=found, values={"demo_label": profile["label"]}
            )
            picked[found.id] = profile["label"]
    await session.flush()
    return picked


async def _respond(
    session: AsyncSession,
    wave: Wave,
    questionnaire: str,
    mailings: list[dt.datetime],
    now: dt.datetime,
    rng: random.Random,
    reserved: dict[int, str],
    answers_rng: np.random.Generator,
) -> int:
    """Scripted responses for this questionnaire's sample; returns how many
    reached the response threshold. Two bulk statements, no query per row.

    Officials and employees answer from the 2024 report's distributions
    (``demo.officials``); the organisations at random."""
    entry = await samples_service.get_wave_questionnaire(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    if entry is None or entry.version_id is None:
        return 0
    found = await CompiledVersions().by_id(session, entry.version_id)
    assert found is not None
    info, cq = found
    invitations = (
        await session.execute(
            select(Invitation)
            .where(
                Invitation.wave_id == wave.id,
                Invitation.questionnaire == questionnaire,
                Invitation.is_test.is_(False),
            )
            .order_by(Invitation.id)
        )
    ).scalars()
    responses: list[dict[str, Any]] = []
    changes: list[samples_service.ProgressRow] = []
    reached_count = 0
    for invitation in invitations:
        if invitation.id in reserved:
            continue
        attributes = invitation.attribute_values()
        outcome = plan_outcome(
            rng,
            rate=response_rate(questionnaire, attributes),
            mailings=mailings,
            now=now,
        )
        if outcome is None:
            continue
        official = (
            SimulatedOfficial(
                answers_rng, attributes, employee=questionnaire == "employees"
            )
            if questionnaire in ("officials", "employees")
            else None
        )
        response, change, reached = _response(
            cq, info.id, invitation.id, attributes, outcome, rng, official
        )
        responses.append(response)
        changes.append(change)
        reached_count += reached
    if responses:
        await session.execute(insert(Response), responses)
        await samples_service.set_progress_many(session, changes)
    return reached_count


def _response(
    cq: Any,
    version_id: int,
    invitation_id: int,
    attributes: dict[str, Any],
    outcome: Outcome,
    rng: random.Random,
    official: SimulatedOfficial | None = None,
) -> tuple[dict[str, Any], samples_service.ProgressRow, bool]:
    log = walk(
        cq, attributes, rng, stop_after=outcome.pages, skip_rate=0.04,
        answerer=official.answer if official else None,
    )  # fmt: skip
    reached = any(routing.reached_threshold(cq, p) for p in log.submitted)
    status = (
        InvitationStatus.complete
        if log.complete
        else (InvitationStatus.response if reached else InvitationStatus.started)
    )
    started = outcome.started_at
    minutes = max(1, len(log.submitted)) * rng.uniform(0.3, 0.8)
    ended = started + dt.timedelta(minutes=minutes)
    response_at = started + dt.timedelta(minutes=minutes * 0.2) if reached else None
    completed_at = ended if log.complete else None
    response = {
        "invitation_id": invitation_id, "version_id": version_id, "status": status,
        "answers": log.answers, "submitted_pages": log.submitted,
        "started_at": started, "response_at": response_at,
        "completed_at": completed_at, "updated_at": ended,
        "revision": len(log.submitted),
    }  # fmt: skip
    change: samples_service.ProgressRow = {
        "id": invitation_id, "status": status, "started_at": started,
        "response_at": response_at, "completed_at": completed_at,
        "last_activity_at": ended,
    }  # fmt: skip
    return response, change, reached


async def _mail_history(
    session: AsyncSession,
    wave: Wave,
    rng: random.Random,
    reserved: dict[int, str],
) -> None:
    """Mark the scheduled mailings as the worker would have left them: sent at
    their moment, or skipped when the invitation had completed by then; then
    a few bounces and opt-outs among those who did not answer."""
    mailings = list(
        await session.scalars(
            select(Mailing)
            .where(Mailing.wave_id == wave.id, Mailing.status == "scheduled")
            .order_by(Mailing.id)
        )
    )
    for mailing in mailings:
        at = await session.scalar(
            select(func.min(OutboxMessage.send_at)).where(
                OutboxMessage.mailing_id == mailing.id
            )
        )
        if at is None:
            continue
        rows = OutboxMessage.mailing_id == mailing.id
        for reason, condition in (
            ("vragenlijst al afgerond", Invitation.completed_at < at),
            ("onbestelbaar", Invitation.undeliverable_at < at),
            ("afgemeld", Invitation.opted_out_at < at),
        ):
            await session.execute(
                update(OutboxMessage)
                .where(rows, OutboxMessage.status == OutboxStatus.pending.value,
                       OutboxMessage.invitation_id.in_(
                           select(Invitation.id).where(Invitation.wave_id == wave.id, condition)))
                .values(status=OutboxStatus.skipped.value, skip_reason=reason,
                        finished_at=at, attempts=1)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
        await session.execute(
            update(OutboxMessage)
            .where(rows, OutboxMessage.status == OutboxStatus.pending.value)
            .values(status=OutboxStatus.sent.value, sent_at=OutboxMessage.send_at,
                    handed_at=OutboxMessage.send_at, finished_at=OutboxMessage.send_at,
                    attempts=1, transport=SIMULATED_TRANSPORT, last_code=250)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        mailed = select(OutboxMessage.invitation_id).where(
            rows, OutboxMessage.status == OutboxStatus.sent.value
        )
        await samples_service.record_mailed(session, invitation_ids=mailed, at=at)
        if mailing.kind == "invitation":
            await _bounces_and_opt_outs(session, wave, mailing, at, rng, reserved)


async def _bounces_and_opt_outs(
    session: AsyncSession,
    wave: Wave,
    mailing: Mailing,
    at: dt.datetime,
    rng: random.Random,
    reserved: dict[int, str],
) -> None:
    """About 1.5% of invitation mails bounce, 0.6% of people opt out."""
    silent = list(
        await session.scalars(
            select(Invitation.id)
            .join(OutboxMessage, OutboxMessage.invitation_id == Invitation.id)
            .where(
                OutboxMessage.mailing_id == mailing.id,
                Invitation.status == InvitationStatus.invited,
            )
            .order_by(Invitation.id)
        )
    )
    silent = [i for i in silent if i not in reserved]
    bounced = [i for i in silent if rng.random() < 0.015]
    bounced_ids = set(bounced)
    out = [i for i in silent if i not in bounced_ids and rng.random() < 0.006]
    await samples_service.set_undeliverable_many(
        session,
        bounced={i: at + dt.timedelta(minutes=12) for i in bounced},
        reason="550 5.1.1 mailbox unavailable (demo)",
    )
    await samples_service.set_opted_out_many(
        session, opted_out={i: at + dt.timedelta(hours=3) for i in out}
    )
