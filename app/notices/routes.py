"""``/s/<token>/privacy`` (the privacy notice of the respondent's wave) and
``/toegankelijkheid`` (the accessibility statement)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import NotFound
from app.samples import service as samples_service
from app.web import SettingsDep, render

router = APIRouter()


@router.get("/s/{token}/privacy", name="privacy_notice")
async def privacy_notice(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Path(max_length=200)],
) -> Response:
    invitation = await samples_service.get_invitation_by_token(session, token)
    if invitation is None:
        raise NotFound("Deze link is niet (meer) geldig.")
    wave = await samples_service.wave_by_id(session, invitation.wave_id)
    return render(
        request,
        "notices/privacy.html",
        {
            "wave": wave,
            "token": token,
            "retention_on": samples_service.retention_date(wave, settings),
            "settings": settings,
            "k": settings.disclosure_k,
        },
    )


@router.get("/toegankelijkheid", name="accessibility_statement")
async def accessibility(request: Request, settings: SettingsDep) -> Response:
    return render(request, "notices/accessibility.html", {"settings": settings})
