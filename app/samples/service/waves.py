"""Waves: editions of the monitor, the questionnaires they field and their versions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, InvalidInput, NotFound
from app.questionnaires.models import QuestionnaireVersion
from app.samples.models import (
    Contact,
    Frame,
    FrameRejection,
    Invitation,
    Sample,
    Wave,
    WaveQuestionnaire,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
KNOWN_QUESTIONNAIRES = ("officials", "employees", "organisations")


async def create_wave(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
) -> Wave:
    if not SLUG.match(slug):
        raise InvalidInput(
            "De code van een wave bestaat uit kleine letters, cijfers en streepjes "
            "(2 tot 64 tekens), bijvoorbeeld 'miv-2024'."
        )
    if not name.strip():
        raise InvalidInput("Geef de wave een naam.")
    if opens_on and closes_on and closes_on < opens_on:
        raise InvalidInput("Het veldwerk kan niet sluiten voordat het begint.")
    if await get_wave(session, slug) is not None:
        raise Conflict(f"Er bestaat al een wave met de code '{slug}'.")
    wave = Wave(slug=slug, name=name.strip(), opens_on=opens_on, closes_on=closes_on)
    session.add(wave)
    await session.flush()
    return wave


async def update_wave(
    session: AsyncSession,
    *,
    wave: Wave,
    name: str,
    opens_on: dt.date | None,
    closes_on: dt.date | None,
) -> Wave:
    """Rename a wave or move its fieldwork window (e.g. extended past a recess)."""
    if not name.strip():
        raise InvalidInput("Geef de wave een naam.")
    if opens_on and closes_on and closes_on < opens_on:
        raise InvalidInput("Het veldwerk kan niet sluiten voordat het begint.")
    wave.name, wave.opens_on, wave.closes_on = name.strip(), opens_on, closes_on
    await session.flush()
    return wave


async def get_wave(session: AsyncSession, slug: str) -> Wave | None:
    return await session.scalar(select(Wave).where(Wave.slug == slug))


async def wave_by_id(session: AsyncSession, wave_id: int) -> Wave:
    wave = await session.get(Wave, wave_id)
    if wave is None:
        raise NotFound("Deze wave bestaat niet.")
    return wave


async def require_wave(session: AsyncSession, slug: str) -> Wave:
    wave = await get_wave(session, slug)
    if wave is None:
        raise NotFound(f"Wave '{slug}' bestaat niet.")
    return wave


async def list_waves(session: AsyncSession) -> list[Wave]:
    return list(
        await session.scalars(
            select(Wave).order_by(Wave.created_at.desc(), Wave.id.desc())
        )
    )


async def wave_questionnaires(
    session: AsyncSession, *, wave: Wave
) -> list[WaveQuestionnaire]:
    return list(
        await session.scalars(
            select(WaveQuestionnaire)
            .where(WaveQuestionnaire.wave_id == wave.id)
            .order_by(WaveQuestionnaire.questionnaire)
        )
    )


async def get_wave_questionnaire(
    session: AsyncSession, *, wave_id: int, questionnaire: str
) -> WaveQuestionnaire | None:
    return await session.scalar(
        select(WaveQuestionnaire).where(
            WaveQuestionnaire.wave_id == wave_id,
            WaveQuestionnaire.questionnaire == questionnaire,
        )
    )


async def set_wave_version(
    session: AsyncSession, *, wave: Wave, questionnaire: str, version_id: int | None
) -> WaveQuestionnaire:
    """Field ``questionnaire`` in ``wave``; new starters get ``version_id``.

    Respondents who already started keep their own version (pinned on the
    response), so this can change mid-fieldwork.
    """
    entry = await get_wave_questionnaire(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    if entry is None:
        entry = WaveQuestionnaire(
            wave_id=wave.id, questionnaire=questionnaire, version_id=version_id
        )
        session.add(entry)
    elif version_id is not None:
        entry.version_id = version_id
    await session.flush()
    return entry


async def fielded_version_ids(session: AsyncSession) -> list[int]:
    """The questionnaire versions new starters of some wave get."""
    ids = await session.scalars(
        select(WaveQuestionnaire.version_id)
        .where(WaveQuestionnaire.version_id.is_not(None))
        .distinct()
        .order_by(WaveQuestionnaire.version_id)
    )
    return [i for i in ids if i is not None]


async def lock_wave(session: AsyncSession, wave: Wave) -> Wave:
    """Serialise imports, draws and purges of one wave across processes.

    PostgreSQL: a row lock on the wave until the transaction ends. SQLite
    renders no ``FOR UPDATE``; there ``BEGIN IMMEDIATE`` already serialises
    every writing transaction.
    """
    locked = await session.scalar(
        select(Wave)
        .where(Wave.id == wave.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


async def list_versions(
    session: AsyncSession, *, questionnaire: str
) -> list[QuestionnaireVersion]:
    """Published versions of a questionnaire, newest first (read-only)."""
    return list(
        await session.scalars(
            select(QuestionnaireVersion)
            .where(
                QuestionnaireVersion.questionnaire == questionnaire,
                QuestionnaireVersion.is_draft.is_(False),
            )
            .order_by(
                QuestionnaireVersion.published_at.desc(), QuestionnaireVersion.id.desc()
            )
        )
    )


async def known_questionnaires(session: AsyncSession) -> list[str]:
    published = await session.scalars(
        select(QuestionnaireVersion.questionnaire)
        .where(QuestionnaireVersion.is_draft.is_(False))
        .distinct()
    )
    return sorted(set(KNOWN_QUESTIONNAIRES) | set(published))


async def choose_version(
    session: AsyncSession, *, wave: Wave, questionnaire: str, version_id: int | None
) -> WaveQuestionnaire:
    """Field ``questionnaire`` in ``wave`` with a published version of *that*
    questionnaire (or none yet)."""
    if not re.match(r"^[a-z][a-z0-9_-]{0,31}$", questionnaire):
        raise InvalidInput(f"'{questionnaire}' is geen geldige vragenlijstcode.")
    if version_id is not None:
        version = await session.get(QuestionnaireVersion, version_id)
        if (
            version is None
            or version.questionnaire != questionnaire
            or version.is_draft
        ):
            raise InvalidInput(
                f"Versie {version_id} is geen gepubliceerde versie van '{questionnaire}'."
            )
    return await set_wave_version(
        session, wave=wave, questionnaire=questionnaire, version_id=version_id
    )


@dataclass(frozen=True)
class FieldedQuestionnaire:
    questionnaire: str
    active: QuestionnaireVersion | None
    versions: list[QuestionnaireVersion]


@dataclass(frozen=True)
class WaveOverview:
    """Everything the wave page shows; counts only, no contact data."""

    wave: Wave
    questionnaires: list[FieldedQuestionnaire]
    frames: list[Frame]
    samples: list[Sample]
    status_counts: dict[str, dict[str, int]]
    """questionnaire → status → invitations (withdrawn ones under "revoked")."""
    contacts: int
    rejections: list[FrameRejection]
    """The latest rejected files (their reports quote contact data: managers only)."""


async def wave_overview(session: AsyncSession, *, wave: Wave) -> WaveOverview:
    fielded = []
    for entry in await wave_questionnaires(session, wave=wave):
        versions = await list_versions(session, questionnaire=entry.questionnaire)
        active = next((v for v in versions if v.id == entry.version_id), None)
        fielded.append(FieldedQuestionnaire(entry.questionnaire, active, versions))
    frames = list(
        await session.scalars(
            select(Frame).where(Frame.wave_id == wave.id).order_by(Frame.id)
        )
    )
    samples = list(
        await session.scalars(
            select(Sample).where(Sample.wave_id == wave.id).order_by(Sample.id)
        )
    )
    return WaveOverview(
        wave=wave,
        questionnaires=fielded,
        frames=frames,
        samples=samples,
        status_counts=await invitation_status_counts(session, wave=wave),
        contacts=await session.scalar(
            select(func.count()).select_from(Contact).where(Contact.wave_id == wave.id)
        )
        or 0,
        rejections=list(
            await session.scalars(
                select(FrameRejection)
                .where(FrameRejection.wave_id == wave.id)
                .order_by(FrameRejection.id.desc())
                .limit(10)
            )
        ),
    )


async def invitation_status_counts(
    session: AsyncSession, *, wave: Wave
) -> dict[str, dict[str, int]]:
    revoked = Invitation.revoked_at.is_not(None)
    rows = await session.execute(
        select(Invitation.questionnaire, Invitation.status, revoked, func.count())
        .where(Invitation.wave_id == wave.id, Invitation.is_test.is_(False))
        .group_by(Invitation.questionnaire, Invitation.status, revoked)
    )
    counts: dict[str, dict[str, int]] = {}
    for questionnaire, status, is_revoked, count in rows:
        per = counts.setdefault(questionnaire, {})
        key = "revoked" if is_revoked else status
        per[key] = per.get(key, 0) + count
        per["total"] = per.get("total", 0) + count
    return counts
