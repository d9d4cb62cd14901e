"""Read side of the break-off view: responses and page visits into traces.

Reads ``responses``, ``page_visits``, ``invitations`` and the published
versions, never writes them (the monitor reads other domains' tables, as
``queries`` does). Where a respondent would continue is worked out with the
questionnaire's own routing for their stored answers, so a page that routing
skips for them is never counted as reached.

Only started responses of real (not test, not revoked) invitations count.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.monitoring.burden import (
    PAUSE_SECONDS,
    QUIET_HOURS,
    BurdenReport,
    PageInfo,
    Trace,
    build_report,
)
from app.questionnaires import routing
from app.questionnaires.compiler import CompiledQuestionnaire
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.service import CompiledVersions
from app.responses.models import PageVisit, Response
from app.responses.paradata import seconds_between
from app.samples.models import ATTRIBUTE_COLUMNS, Invitation, Wave
from app.samples.states import InvitationStatus

_RESUME: OrderedDict[tuple[int, dt.datetime], str | None] = OrderedDict()
"""Resume page per (response, last save): a response not saved since is not
routed again (per process, bounded)."""
_RESUME_SIZE = 500_000


@dataclass(frozen=True)
class VersionBurden:
    version_id: int
    version: str
    report: BurdenReport


def page_infos(cq: CompiledQuestionnaire) -> list[PageInfo]:
    out = []
    for page in cq.pages:
        block = page.block
        out.append(
            PageInfo(
                id=page.id,
                title=page.model.title or page.id,
                block_id=block.id,
                block_title=block.title or block.id,
                block_optional=block.relevant is not None,
                questions=tuple(
                    (q.id, q.model.text) for q in page.questions if q.qtype.asks
                ),
            )
        )
    return out


def _real_invitations(
    wave_id: int, questionnaire: str
) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.wave_id == wave_id,
        Invitation.questionnaire == questionnaire,
        Invitation.is_test.is_(False),
        Invitation.revoked_at.is_(None),
    )


@dataclass(frozen=True)
class Fingerprint:
    """Count and latest save of the responses a break-off view rests on.

    Every answer, page visit and completion saves its response (``updated_at``)
    and a new response adds one to the count, so an unchanged fingerprint means
    unchanged traces. One indexed aggregate: cheap next to the view itself.
    """

    responses: int
    updated_at: dt.datetime | None


async def fingerprint(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> Fingerprint:
    row = (
        await session.execute(
            select(func.count(Response.id), func.max(Response.updated_at))
            .join(Invitation, Invitation.id == Response.invitation_id)
            .where(*_real_invitations(wave.id, questionnaire))
        )
    ).one()
    updated_at = row[1]
    if isinstance(updated_at, str):  # SQLite: max() loses the column type
        updated_at = dt.datetime.fromisoformat(updated_at)
    if updated_at is not None and updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=dt.UTC)
    return Fingerprint(int(row[0]), updated_at)


def is_closed(wave: Wave, now: dt.datetime) -> bool:
    """Fieldwork is over from the day after ``closes_on`` (wave's own time)."""
    today = now.astimezone(ZoneInfo(wave.timezone)).date()
    return wave.closes_on is not None and today > wave.closes_on


def closes_at(wave: Wave) -> dt.datetime | None:
    """The moment ``is_closed`` turns true: midnight after ``closes_on``."""
    if wave.closes_on is None:
        return None
    midnight = dt.datetime.combine(
        wave.closes_on + dt.timedelta(days=1), dt.time(), ZoneInfo(wave.timezone)
    )
    return midnight.astimezone(dt.UTC)


async def burden_by_version(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    now: dt.datetime | None = None,
    pause_seconds: float = PAUSE_SECONDS,
    quiet_hours: float = QUIET_HOURS,
) -> list[VersionBurden]:
    """One break-off report per questionnaire version that has responses."""
    now = now or utcnow()
    closed = is_closed(wave, now)
    where = _real_invitations(wave.id, questionnaire)
    attribute_columns = [getattr(Invitation, c) for c in ATTRIBUTE_COLUMNS]
    connection = await session.connection()  # Core rows: no ORM loading cost
    rows = (
        await connection.execute(
            select(
                Response.id,
                Response.version_id,
                Response.status,
                Response.submitted_pages,
                Response.updated_at,
            )
            .join(Invitation, Invitation.id == Response.invitation_id)
            .where(*where)
        )
    ).all()
    # Answers and attributes only where routing must find the resume page, and
    # only for responses saved since the last look (``_RESUME``).
    todo = [
        r.id
        for r in rows
        if r.status != InvitationStatus.complete and (r.id, r.updated_at) not in _RESUME
    ]
    inputs: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for start in range(0, len(todo), 5000):
        chunk = await connection.execute(
            select(
                Response.id, Response.answers, Invitation.attributes, *attribute_columns
            )
            .join(Invitation, Invitation.id == Response.invitation_id)
            .where(Response.id.in_(todo[start : start + 5000]))
        )
        for row in chunk:
            attributes = dict(row.attributes or {})
            for name in ATTRIBUTE_COLUMNS:
                value = getattr(row, name)
                if value is not None:
                    attributes[name] = value
            inputs[row.id] = (dict(row.answers or {}), attributes)
    # Seconds per page worked out by the database: decoding two timestamps
    # per page visit cost more than everything else here.
    times: dict[int, dict[str, float | None]] = defaultdict(dict)
    visit_rows = await connection.execute(
        select(
            PageVisit.response_id,
            PageVisit.page_id,
            seconds_between(
                connection.dialect.name,
                PageVisit.first_shown_at,
                PageVisit.first_submitted_at,
            ),
        )
        .join(Response, Response.id == PageVisit.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(*where)
    )
    for response_id, page_id, seconds in visit_rows:
        times[response_id][page_id] = None if seconds is None else float(seconds)
    by_version: dict[int, list[Trace]] = defaultdict(list)
    compiled: dict[int, CompiledQuestionnaire] = {}
    versions = CompiledVersions()  # ids are per database: one per call
    for row in rows:
        version_id = row.version_id
        if version_id not in compiled:
            found = await versions.by_id(session, version_id)
            if found is None:  # pragma: no cover - RESTRICT keeps versions
                continue
            compiled[version_id] = found[1]
        cq = compiled[version_id]
        submitted = [p for p in (row.submitted_pages or []) if p in cq.page_by_id]
        complete = row.status == InvitationStatus.complete
        resume = None
        if not complete:
            key = (row.id, row.updated_at)
            if key in _RESUME:
                resume = _RESUME[key]
            else:
                answers, attributes = inputs[row.id]
                resume = routing.first_unanswered_page_id(
                    cq, answers, attributes, set(submitted)
                )
                _RESUME[key] = resume
                if len(_RESUME) > _RESUME_SIZE:
                    _RESUME.popitem(last=False)
        by_version[version_id].append(
            Trace(
                complete=complete,
                last_saved_at=row.updated_at,
                route=tuple(submitted),
                resume_page=resume,
                times=times.get(row.id, {}),
            )
        )
    labels = dict(
        (
            await session.execute(
                select(QuestionnaireVersion.id, QuestionnaireVersion.version).where(
                    QuestionnaireVersion.id.in_(list(by_version))
                )
            )
        ).all()
    )
    out = []
    for version_id in sorted(by_version):
        report = build_report(
            version_label=labels.get(version_id, str(version_id)),
            pages=page_infos(compiled[version_id]),
            traces=by_version[version_id],
            now=now,
            closed=closed,
            pause_seconds=pause_seconds,
            quiet_hours=quiet_hours,
        )
        out.append(VersionBurden(version_id, report.version_label, report))
    return out
