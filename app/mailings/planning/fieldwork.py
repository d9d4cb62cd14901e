"""The fieldwork calendar of a wave: sending days and hours, holiday options,
recesses, and the pure ``Calendar`` built from them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput, NotFound
from app.mailings.models import (
    FieldworkCalendar,
    Recess,
)
from app.mailings.planning import calendar as cal
from app.mailings.planning.schemas import (
    CalendarUpdate,
    RecessCreate,
)
from app.samples.models import Wave
from app.staff import service as staff_service
from app.staff.schemas import StaffContext

Actor = StaffContext | str


def actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.email


# -- calendar -------------------------------------------------------------------


async def ensure_calendar(session: AsyncSession, *, wave: Wave) -> FieldworkCalendar:
    """The wave's calendar settings (created with the defaults on first use)."""
    found = await session.scalar(
        select(FieldworkCalendar).where(FieldworkCalendar.wave_id == wave.id)
    )
    if found is None:
        found = FieldworkCalendar(
            wave_id=wave.id,
            sending_weekdays=[2, 3, 4],
            send_from=dt.time(9, 0),
            send_until=dt.time(16, 0),
            liberation_day_every_year=True,
        )
        session.add(found)
        await session.flush()
    return found


async def update_calendar(
    session: AsyncSession, *, wave: Wave, data: CalendarUpdate, actor: Actor
) -> FieldworkCalendar:
    settings_row = await ensure_calendar(session, wave=wave)
    settings_row.sending_weekdays = list(data.sending_weekdays)
    settings_row.send_from = data.send_from
    settings_row.send_until = data.send_until
    settings_row.liberation_day_every_year = data.liberation_day_every_year
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.calendar",
        target=wave.slug,
        details=data.model_dump(mode="json"),
    )
    return settings_row


async def list_recesses(session: AsyncSession, *, wave: Wave) -> list[Recess]:
    return list(
        await session.scalars(
            select(Recess)
            .where(Recess.wave_id == wave.id)
            .order_by(Recess.starts_on, Recess.name, Recess.tier)
        )
    )


async def add_recess(
    session: AsyncSession, *, wave: Wave, data: RecessCreate, actor: Actor
) -> Recess:
    """Add a recess for every tier (``tier`` None) or one tier. A tier's own
    period replaces the general period of the same name for that tier."""
    for existing in await list_recesses(session, wave=wave):
        if existing.name == data.name and existing.tier == data.tier:
            raise InvalidInput(
                f"Reces '{data.name}' bestaat al"
                + (f" voor {data.tier}." if data.tier else " voor alle bestuurslagen."),
                code="RECESS_EXISTS",
            )
    recess = Recess(
        wave_id=wave.id,
        name=data.name,
        tier=data.tier,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
    )
    session.add(recess)
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.recess_add",
        target=wave.slug,
        details=data.model_dump(mode="json"),
    )
    return recess


async def delete_recess(
    session: AsyncSession, *, wave: Wave, recess_id: int, actor: Actor
) -> None:
    recess = await session.get(Recess, recess_id)
    if recess is None or recess.wave_id != wave.id:
        raise NotFound("Dit reces bestaat niet.")
    await session.delete(recess)
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="mailing.recess_delete",
        target=wave.slug,
        details={"name": recess.name, "tier": recess.tier},
    )


async def calendar_for_wave(session: AsyncSession, *, wave: Wave) -> cal.Calendar:
    """The pure calendar of a wave: window, sending days and hours, holidays, recesses."""
    row = await session.scalar(
        select(FieldworkCalendar).where(FieldworkCalendar.wave_id == wave.id)
    )
    recesses = await list_recesses(session, wave=wave)
    return cal.Calendar.build(
        timezone=wave.timezone,
        opens_on=wave.opens_on,
        closes_on=wave.closes_on,
        sending_weekdays=row.sending_weekdays if row else (2, 3, 4),
        send_from=row.send_from if row else dt.time(9, 0),
        send_until=row.send_until if row else dt.time(16, 0),
        liberation_day_every_year=row.liberation_day_every_year if row else True,
        recesses=[
            cal.RecessPeriod(r.name, r.starts_on, r.ends_on, r.tier) for r in recesses
        ],
    )
