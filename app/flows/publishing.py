"""Publishing a questionnaire version into a wave.

Publishing is the questionnaires domain's (an immutable version row, once
per content); naming the version new starters of a wave get is the samples
domain's. ``veldwerk questionnaire publish FILE --wave SLUG`` does both, in
one transaction, and logs the publication in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.questionnaires import service as questionnaires_service
from app.questionnaires.models import QuestionnaireVersion
from app.samples import service as samples_service
from app.samples.models import Wave
from app.staff import service as staff_service


@dataclass(frozen=True)
class Publication:
    version: QuestionnaireVersion
    is_new: bool
    """False when the same file was published before (nothing changed)."""
    wave: Wave | None
    """The wave whose new starters now get this version, if one was named."""


async def publish_into_wave(
    session: AsyncSession, *, path: Path, wave_slug: str | None, actor: str
) -> Publication:
    """Publish the file at ``path`` (unchanged republishing does nothing, an
    edited published file is refused) and, with ``wave_slug``, make it the
    version new starters of that wave get. Raises ``DefinitionErrors`` for a
    broken file and ``NotFound`` for an unknown wave."""
    version, is_new = await questionnaires_service.publish_file(session, path=path)
    if is_new:
        await staff_service.record_audit(
            session,
            actor=actor,
            action="questionnaire.publish",
            target=version.ref,
            details={"hash": version.content_hash},
        )
    wave = None
    if wave_slug:
        wave = await samples_service.require_wave(session, wave_slug)
        await samples_service.set_wave_version(
            session,
            wave=wave,
            questionnaire=version.questionnaire,
            version_id=version.id,
        )
    return Publication(version=version, is_new=is_new, wave=wave)
