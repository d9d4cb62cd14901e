"""Build the demo: published questionnaires, a wave, staff accounts, invitations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.questionnaires import service as questionnaires_service
from app.samples import service as samples_service
from app.samples.models import Invitation, Wave
from app.staff import service as staff_service
from app.staff.models import Role, StaffUser

DEMO_WAVE = "mis2024"
DEMO_PASSWORD = "veldwerk-demo-2024"  # noqa: S105 - printed on purpose; demo data only

STAFF = [
    ("beheer@veldwerk.test", "Beheerder (demo)", Role.admin),
    ("onderzoek@veldwerk.test", "Onderzoeker (demo)", Role.researcher),
    ("veldwerk@veldwerk.test", "Veldwerkmanager (demo)", Role.fieldwork_manager),
    ("analyse@veldwerk.test", "Analist (demo)", Role.analyst),
]

# A few named test respondents, one per kind of route through the questionnaires.
RESPONDENTS = [
    (
        "officials",
        "Burgemeester",
        {
            "tier": "gemeente",
            "function": "burgemeester",
            "organisation": "Gemeente Demodorp",
            "email_kind": "algemeen",
        },
    ),
    (
        "officials",
        "Raadslid",
        {
            "tier": "gemeente",
            "function": "raadslid",
            "organisation": "Gemeente Demodorp",
            "email_kind": "persoonlijk",
            "gender": "vrouw",
        },
    ),
    (
        "officials",
        "Dijkgraaf",
        {
            "tier": "waterschap",
            "function": "dijkgraaf",
            "organisation": "Waterschap Demo",
            "email_kind": "persoonlijk",
        },
    ),
    (
        "officials",
        "Statenlid",
        {
            "tier": "provincie",
            "function": "statenlid",
            "organisation": "Provincie Demo",
            "email_kind": "persoonlijk",
        },
    ),
    (
        "employees",
        "Medewerker gemeente (panel)",
        {"tier": "gemeente", "panel": "panel_a", "stratum": "gemeente"},
    ),
    (
        "organisations",
        "Organisatie waterschap",
        {
            "tier": "waterschap",
            "organisation": "Waterschap Demo",
            "organisation_code": "WS99",
        },
    ),
]


@dataclass
class DemoResult:
    staff: list[tuple[str, str, str]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    wave: str = DEMO_WAVE


async def build(
    session: AsyncSession, settings: Settings, *, today: dt.date | None = None
) -> DemoResult:
    """Idempotent: running it again reuses what exists and prints the same links."""
    result = DemoResult()
    today = today or dt.datetime.now(ZoneInfo(settings.timezone)).date()
    for path in questionnaires_service.questionnaire_files(settings.questionnaires_dir):
        version, _ = await questionnaires_service.publish_file(session, path=path)
        result.published.append(version.ref)
    wave = await samples_service.get_wave(session, DEMO_WAVE)
    if wave is None:
        wave = await samples_service.create_wave(
            session,
            slug=DEMO_WAVE,
            name="Monitor Integriteit en Veiligheid 2024 (demo)",
            opens_on=today - dt.timedelta(days=7),
            closes_on=today + dt.timedelta(days=28),
        )
    for questionnaire in sorted({r.split("/")[0] for r in result.published}):
        newest = await questionnaires_service.newest_version(
            session, questionnaire=questionnaire
        )
        if newest is not None:
            await samples_service.set_wave_version(
                session, wave=wave, questionnaire=questionnaire, version_id=newest.id
            )
    await _staff(session, result)
    await _respondents(session, settings, wave, result)
    return result


async def _staff(session: AsyncSession, result: DemoResult) -> None:
    for email, name, role in STAFF:
        exists = await session.scalar(select(StaffUser).where(StaffUser.email == email))
        if exists is None:
            await staff_service.create_user(
                session, email=email, name=name, role=role, password=DEMO_PASSWORD
            )
        result.staff.append((email, role.label, DEMO_PASSWORD))


async def _respondents(
    session: AsyncSession, settings: Settings, wave: Wave, result: DemoResult
) -> None:
    entries = {
        e.questionnaire
        for e in await samples_service.wave_questionnaires(session, wave=wave)
    }
    for questionnaire, label, attributes in RESPONDENTS:
        if questionnaire not in entries:
            continue
        existing = await session.scalar(
            select(Invitation).where(
                Invitation.wave_id == wave.id,
                Invitation.questionnaire == questionnaire,
                Invitation.attributes["demo_label"].as_string() == label,
            )
        )
        if existing is None:
            existing, _ = await samples_service.create_invitation(
                session,
                settings,
                wave=wave,
                questionnaire=questionnaire,
                attributes={**attributes, "demo_label": label},
            )
        result.links.append(
            (questionnaire, label, samples_service.invitation_url(settings, existing))
        )
