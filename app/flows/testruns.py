"""Test runs: staff try a version as a respondent with chosen sample attributes.

A test run is an ordinary invitation marked ``is_test`` in a wave of its own,
with its response pinned to the chosen version. The respondent pages then show
which routing conditions fired. Test invitations are never counted by the
monitor, mailed, or exported.

Drafts (checked files not yet published) can be test-run too: every review
round would otherwise burn a version number. ``start_draft`` stores the draft
as a version row marked ``is_draft`` (see ``questionnaires.drafts``), which no
wave can field. Calls samples (the test wave and invitation) and responses
(the pinned response), hence a flow rather than part of questionnaires.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import NotFound
from app.questionnaires import drafts
from app.questionnaires.models import QuestionnaireVersion
from app.responses import records as responses_records
from app.samples import catalogue
from app.samples import service as samples_service

TEST_WAVE_SLUG = "proefinvullingen"


async def start(
    session: AsyncSession,
    settings: Settings,
    *,
    version: QuestionnaireVersion,
    attributes: dict[str, str],
) -> str:
    """Create a test invitation and its response on ``version``; return the token."""
    wave = await samples_service.get_wave(session, TEST_WAVE_SLUG)
    if wave is None:
        wave = await samples_service.create_wave(
            session, slug=TEST_WAVE_SLUG, name="Proefinvullingen (tellen nooit mee)"
        )
    values: dict[str, object] = dict(attributes)
    function = attributes.get("function")
    if function in catalogue.FUNCTIONS:
        values.setdefault("tier", catalogue.FUNCTIONS[function].tier)
    invitation, token = await samples_service.create_invitation(
        session,
        settings,
        wave=wave,
        questionnaire=version.questionnaire,
        is_test=True,
        attributes=values,
    )
    now = utcnow()
    await responses_records.start_response(
        session, invitation_id=invitation.id, version_id=version.id, now=now
    )
    await samples_service.mark_test_started(session, invitation=invitation, now=now)
    return token


async def start_draft(
    session: AsyncSession,
    settings: Settings,
    *,
    data: bytes,
    filename: str,
    attributes: dict[str, str],
    started_by_id: int | None = None,
    path: Path | None = None,
) -> tuple[QuestionnaireVersion, str]:
    """Check a draft file's bytes, store it as a draft and start a test run on it.

    Raises ``DefinitionErrors`` (file, line, reason) when the draft is broken:
    a draft must pass the same checks as a version before anyone walks it.
    """
    draft = await drafts.store_draft_file(
        session, data=data, filename=filename, stored_by_id=started_by_id, path=path
    )
    token = await start(session, settings, version=draft, attributes=attributes)
    return draft, token


async def invitation_id_of(session: AsyncSession, *, token: str) -> int:
    """The test invitation a test link opens; anything else is not found."""
    invitation = await samples_service.get_invitation_by_token(session, token)
    if invitation is None or not invitation.is_test:
        raise NotFound("Deze proefinvulling bestaat niet.")
    return invitation.id
