"""``veldwerk demo``: a wave with two weeks of history, built by the real
services, on both databases; running it again changes nothing."""

from __future__ import annotations

import asyncio
import re

import httpx
from asgi_lifespan import LifespanManager
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli_support import run_in_session
from app.config import PROJECT_ROOT, Settings
from app.demo.cli import demo_command
from app.mailings.models import Mailing, OutboxMessage
from app.main import create_app
from app.monitoring import queries as monitor_queries
from app.monitoring import service as monitoring_service
from app.monitoring.models import ReferenceCount
from app.responses.models import Response
from app.samples.models import Frame, Invitation, Wave

LINK = re.compile(r"http://\S+/s/([A-Za-z0-9_-]{20,})")


async def _count(session: AsyncSession, statement: object) -> int:
    return int(await session.scalar(statement) or 0)  # type: ignore[arg-type]


def test_demo_builds_a_wave_with_history_and_fresh_links(settings: Settings) -> None:
    settings = settings.model_copy(
        update={"questionnaires_dir": PROJECT_ROOT / "questionnaires"}
    )
    first = CliRunner().invoke(demo_command, ["--small"], obj=settings)
    assert first.exit_code == 0, first.output
    tokens = LINK.findall(first.output)
    assert len(tokens) == 6
    invited = run_in_session(settings, _check_history)

    # The printed links open a questionnaire nobody has started yet.
    asyncio.run(_open_links(settings, tokens))

    again = CliRunner().invoke(demo_command, ["--small"], obj=settings)
    assert again.exit_code == 0, again.output
    assert sorted(LINK.findall(again.output)) == sorted(tokens)
    assert run_in_session(settings, _check_history) == invited


async def _check_history(session: AsyncSession) -> int:
    wave = await session.scalar(select(Wave).where(Wave.slug == "mis2024"))
    assert wave is not None
    assert await _count(session, select(func.count()).select_from(Frame)) == 3
    real = (
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.is_test.is_(False))
    )
    invited = await _count(session, real)
    responded = await _count(
        session, real.where(Invitation.status.in_(["response", "complete"]))
    )
    assert invited > 500 and 0.1 * invited < responded < 0.5 * invited
    # Every response row belongs to an invitation whose status it mirrors.
    mismatched = await _count(
        session,
        select(func.count())
        .select_from(Response)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.status != Invitation.status),
    )
    assert mismatched == 0
    # Reminders skipped who had completed before they went out.
    skipped = await _count(
        session,
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.skip_reason == "vragenlijst al afgerond"),
    )
    assert skipped > 0
    draft = await session.scalar(select(Mailing).where(Mailing.name == "herinnering-2"))
    assert draft is not None and draft.status == "draft"
    markers = await monitor_queries.mailing_markers(
        session, wave_id=wave.id, questionnaire="officials"
    )
    assert [m.label for m in markers] == ["uitnodiging", "herinnering-1"]
    for questionnaire in ("officials", "employees", "organisations"):
        assert await monitoring_service.tallies_match(
            session, wave=wave, questionnaire=questionnaire
        )
    assert await _count(session, select(func.count()).select_from(ReferenceCount)) > 0
    # Officials answer from the report's distributions (45% victims, 3%
    # physical aggression; R:1058-1063), not uniformly (92% and 62% before).
    counts = (
        await session.scalars(
            select(Response.answers)
            .join(Invitation, Invitation.id == Response.invitation_id)
            .where(
                Invitation.questionnaire == "officials",
                Invitation.status.in_(["response", "complete"]),
            )
        )
    ).all()
    answered = [a["q_aggr_count"] for a in counts if a.get("q_aggr_count")]
    assert len(answered) > 50
    victims = sum(1 for c in answered if sum(c.values()) > 0) / len(answered)
    physical = sum(1 for c in answered if c.get("fysiek", 0) > 0) / len(answered)
    assert 0.3 <= victims <= 0.6 and physical <= 0.12, (victims, physical)

    return invited


async def _open_links(settings: Settings, tokens: list[str]) -> None:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t"
        ) as client:
            for token in tokens:
                page = await client.get(f"/s/{token}")
                assert page.status_code == 200, token
                assert 'lang="nl"' in page.text
