"""Test runs: staff try a version as a respondent with chosen sample attributes.

A test run is an ordinary invitation marked ``is_test`` in a wave of its own,
with its response pinned to the chosen version. The respondent pages then show
which routing conditions fired. Test invitations are never counted by the
monitor, mailed, or exported.

Drafts (checked files not yet published) can be test-run too: every review
round would otherwise burn a version number. ``start_draft`` stores the draft
as a version row marked ``is_draft`` (see ``service.store_draft``), which no
wave can field.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import NotFound
from app.questionnaires import loader, translations
from app.questionnaires import service as questionnaires_service
from app.questionnaires.models import QuestionnaireVersion
from app.responses.models import Response
from app.samples import catalogue
from app.samples import service as samples_service
from app.samples.states import InvitationStatus

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
    session.add(
        Response(
            invitation_id=invitation.id,
            version_id=version.id,
            status=InvitationStatus.started.value,
            answers={},
            submitted_pages=[],
            started_at=now,
            updated_at=now,
        )
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
    draft = await store_draft_file(
        session, data=data, filename=filename, stored_by_id=started_by_id, path=path
    )
    token = await start(session, settings, version=draft, attributes=attributes)
    return draft, token


async def store_draft_file(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    stored_by_id: int | None = None,
    path: Path | None = None,
) -> QuestionnaireVersion:
    """Check a draft file's bytes and store it as a draft (once per content);
    with ``path`` (where the file lies), its translation files go along."""
    compiled = loader.load_bytes(data, filename)
    translated = (
        translations.load_translations(compiled.definition, path, shown_as=filename)
        if path
        else None
    )
    return await questionnaires_service.store_draft(
        session,
        compiled=compiled,
        text=data.decode("utf-8-sig"),
        stored_by_id=stored_by_id,
        translated=translated,
    )


async def invitation_id_of(session: AsyncSession, *, token: str) -> int:
    """The test invitation a test link opens; anything else is not found."""
    invitation = await samples_service.get_invitation_by_token(session, token)
    if invitation is None or not invitation.is_test:
        raise NotFound("Deze proefinvulling bestaat niet.")
    return invitation.id
