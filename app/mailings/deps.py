"""Load-or-404 dependencies for the mailings pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.db import SessionDep
from app.mailings.models import Mailing
from app.mailings.planning import service
from app.samples import service as samples_service
from app.samples.models import Wave

SLUG = Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
NAME = Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")


async def wave_for_staff(session: SessionDep, slug: Annotated[str, SLUG]) -> Wave:
    return await samples_service.require_wave(session, slug)


WaveDep = Annotated[Wave, Depends(wave_for_staff)]


async def mailing_for_staff(
    session: SessionDep, wave: WaveDep, name: Annotated[str, NAME]
) -> Mailing:
    return await service.require_mailing(session, wave=wave, name=name)


MailingDep = Annotated[Mailing, Depends(mailing_for_staff)]
