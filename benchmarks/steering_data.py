"""Responses with page visits for the break-off benchmark.

Publishes the officials questionnaire (2024) and gives the first ``count``
invitations that started (in the monitor benchmark's fill) a response on it:
complete ones submitted every page of the route for empty answers, the others
stopped part-way (response: past the threshold page, started: before it), with
a page visit per submitted page of 10 to 120 seconds (and now and then a
pause of an hour). Bulk inserts, no respondent path.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import create_sessionmaker, session_scope
from app.questionnaires import loader, routing
from app.questionnaires.service import publish_compiled
from app.responses.models import PageVisit, Response
from app.samples import service as samples_service
from app.samples.models import Invitation

QUESTIONNAIRE = (
    Path(__file__).resolve().parents[1] / "questionnaires/officials/2024.yaml"
)
START = dt.datetime(2024, 4, 16, 8, 0, tzinfo=dt.UTC)


async def add_responses(engine: AsyncEngine, *, wave_slug: str, count: int) -> int:
    sessionmaker = create_sessionmaker(engine)
    rng = random.Random(2024)
    compiled = loader.load_questionnaire(QUESTIONNAIRE)
    async with session_scope(sessionmaker) as session:
        version, _ = await publish_compiled(
            session,
            compiled=compiled,
            text=QUESTIONNAIRE.read_text(encoding="utf-8"),
            path=str(QUESTIONNAIRE),
        )
        wave = await samples_service.require_wave(session, wave_slug)
        await samples_service.set_wave_version(
            session, wave=wave, questionnaire="officials", version_id=version.id
        )
        version_id, wave_id = version.id, wave.id
    async with session_scope(sessionmaker) as session:
        rows = (
            await session.execute(
                select(
                    Invitation.id,
                    Invitation.status,
                    Invitation.tier,
                    Invitation.function,
                )
                .where(
                    Invitation.wave_id == wave_id,
                    Invitation.status.in_(("started", "response", "complete")),
                )
                .order_by(Invitation.id)
                .limit(count)
            )
        ).all()
    threshold = compiled.response_page_index
    routes: dict[tuple[str, str], list[str]] = {}
    responses: list[dict[str, Any]] = []
    plans: list[list[str]] = []
    for inv_id, status, tier, function in rows:
        key = (tier or "", function or "")
        if key not in routes:
            attributes = {"tier": tier, "function": function}
            routes[key] = [
                p.id for p in routing.visible_pages(compiled, {}, attributes)
            ]
        route = routes[key]
        before = [p for p in route if compiled.page_by_id[p].index < threshold]
        if status == "complete":
            submitted = route
        elif status == "response":
            submitted = route[
                : rng.randint(len(before), max(len(before), len(route) - 1))
            ]
        else:
            submitted = before[: rng.randint(0, max(len(before) - 1, 0))]
        started = START + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        plans.append(submitted)
        responses.append(
            {
                "invitation_id": inv_id,
                "version_id": version_id,
                "status": status,
                "answers": {},
                "submitted_pages": submitted,
                "started_at": started,
                "updated_at": started,
                "revision": len(submitted),
            }
        )
    async with session_scope(sessionmaker) as session:
        ids: list[int] = []
        for i in range(0, len(responses), 2000):
            result = await session.execute(
                insert(Response).returning(Response.id), responses[i : i + 2000]
            )
            ids += list(result.scalars())
        visits: list[dict[str, Any]] = []
        for rid, submitted, response in zip(ids, plans, responses, strict=True):
            at = response["started_at"]
            for page_id in submitted:
                seconds = rng.uniform(10, 120) if rng.random() > 0.02 else 3600.0
                shown, at = at, at + dt.timedelta(seconds=seconds)
                visits.append(
                    {
                        "response_id": rid,
                        "page_id": page_id,
                        "first_shown_at": shown,
                        "last_shown_at": shown,
                        "submitted_at": at,
                        "first_submitted_at": at,
                        "seconds_spent": seconds,
                        "submissions": 1,
                    }
                )
            if len(visits) >= 20000:
                await session.execute(insert(PageVisit), visits)
                visits = []
        if visits:
            await session.execute(insert(PageVisit), visits)
    return len(responses)
