"""Build the demo: published questionnaires, a wave, staff accounts, invitations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.demo import fieldwork
from app.monitoring import reference as monitoring_reference
from app.monitoring import service as monitoring_service
from app.questionnaires import service as questionnaires_service
from app.samples import demo_frame
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

# Sample members kept fresh for the printed links, one per kind of route.
RESERVED: dict[str, list[dict[str, str]]] = {
    "officials": [
        {"label": "Burgemeester (algemeen adres)", "function": "burgemeester",
         "email_kind": "algemeen"},
        {"label": "Raadslid", "function": "raadslid", "email_kind": "persoonlijk"},
        {"label": "Dijkgraaf", "function": "dijkgraaf"},
        {"label": "Statenlid", "function": "statenlid"},
    ],
    "employees": [{"label": "Medewerker gemeente (panel)", "tier": "gemeente"}],
    "organisations": [{"label": "Organisatie waterschap", "tier": "waterschap"}],
}  # fmt: skip


@dataclass
class DemoResult:
    staff: list[tuple[str, str, str]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    wave: str = DEMO_WAVE
    fieldwork: fieldwork.Fieldwork | None = None


async def build(
    session: AsyncSession,
    settings: Settings,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    size: demo_frame.DemoSize = demo_frame.FULL,
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
            opens_on=today - dt.timedelta(days=16),
            closes_on=today + dt.timedelta(days=21),
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
    if not await fieldwork.has_fieldwork(session, wave):
        result.fieldwork = await fieldwork.build_fieldwork(
            session, settings, wave=wave, size=size, today=today,
            now=now or utcnow(), reserve=RESERVED,
        )  # fmt: skip
        await _references(session, wave)
    await _respondents(session, settings, wave, result)
    return result


async def _references(session: AsyncSession, wave: Wave) -> None:
    """The 2022 columns of the report's response tables, as the previous edition."""
    for shipped in monitoring_reference.SHIPPED.values():
        await monitoring_service.load_shipped_reference(
            session, wave=wave, questionnaire=shipped.questionnaire,
            name=shipped.name, actor="demo",
        )  # fmt: skip


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
    """Links of the sample members the simulation left untouched."""
    labelled = await session.scalars(
        select(Invitation)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.attributes["demo_label"].as_string().is_not(None),
        )
        .order_by(Invitation.id)
    )
    for invitation in labelled:
        label = (invitation.attributes or {}).get("demo_label", "")
        result.links.append(
            (invitation.questionnaire, label,
             samples_service.invitation_url(settings, invitation))
        )  # fmt: skip
