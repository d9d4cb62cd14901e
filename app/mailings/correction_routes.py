"""Staff pages for bounced addresses (fieldwork managers): the list, a
correction per person, and corrections from a new address file.

Included into ``routes.router``; logic lives in ``corrections``.
"""

from __future__ import annotations

from pathlib import PureWindowsPath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import AppError, InvalidInput
from app.mailings.delivery import corrections
from app.mailings.deps import WaveDep
from app.mailings.planning import schemas
from app.params import IdPath
from app.samples import catalogue
from app.staff.deps import FieldworkDep
from app.staff.schemas import StaffContext
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()


def _url(slug: str, notice: str | None = None) -> str:
    url = f"/staff/waves/{slug}/onbestelbaar"
    return url + (f"?melding={quote(notice)}" if notice else "")


async def _page(
    request: Request,
    session: SessionDep,
    *,
    wave: WaveDep,
    staff: StaffContext,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "mailings/bounced.html",
        {
            "staff": staff,
            "wave": wave,
            "bounced": await corrections.list_bounced(session, wave=wave),
            "functions": catalogue.FUNCTIONS,
            "questionnaires": schemas.MAILED_QUESTIONNAIRES,
            "error": error,
            "notice": request.query_params.get("melding"),
        },
        status_code=status_code,
    )


@router.get("/waves/{slug}/onbestelbaar", name="bounced_addresses")
async def show_bounced(
    request: Request, session: SessionDep, wave: WaveDep, staff: FieldworkDep
) -> Response:
    return await _page(request, session, wave=wave, staff=staff)


@router.post("/waves/{slug}/onbestelbaar/bestand")
async def correct_from_file(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wave: WaveDep,
    staff: FieldworkDep,
    file: Annotated[UploadFile, File()],
    questionnaire: Annotated[str, Form(max_length=32)] = "officials",
    send_invitation: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    limit = settings.samples.max_upload_mb * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise InvalidInput(
            f"Het bestand is groter dan {settings.samples.max_upload_mb} MB."
        )
    if questionnaire not in schemas.MAILED_QUESTIONNAIRES:
        raise InvalidInput(f"Onbekende vragenlijst '{questionnaire}'.")
    outcome = await corrections.corrections_from_file(
        session,
        wave=wave,
        questionnaire=questionnaire,
        source=file.file,
        send_invitation=send_invitation == "on",
        actor=staff,
    )
    if outcome.problems:
        name = PureWindowsPath(file.filename or "adresbestand").name
        return await _page(
            request,
            session,
            wave=wave,
            staff=staff,
            error=f"{name} is niet ingelezen: " + "; ".join(outcome.problems),
            status_code=422,
        )
    resent = sum(c.resent for c in outcome.corrected)
    notice = (
        f"{len(outcome.corrected)} adres(sen) hersteld uit het bestand, "
        f"{resent} uitnodiging(en) direct opnieuw klaargezet; "
        f"{outcome.same_address} met hetzelfde adres, "
        f"{outcome.ambiguous} niet eenduidig (niets veranderd)."
    )
    return hx_redirect(request, _url(wave.slug, notice))


@router.post("/waves/{slug}/onbestelbaar/{invitation_id:int}")
async def correct_one(
    request: Request,
    session: SessionDep,
    wave: WaveDep,
    staff: FieldworkDep,
    invitation_id: IdPath,
    email: Annotated[str, Form(max_length=320)],
    send_invitation: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if not 0 < invitation_id < 2**31:
        raise InvalidInput("Deze uitnodiging bestaat niet.")
    try:
        done = await corrections.correct_address(
            session,
            wave=wave,
            invitation_id=invitation_id,
            email=email,
            send_invitation=send_invitation == "on",
            actor=staff,
        )
    except AppError as exc:  # raised before anything is written
        return await _page(
            request,
            session,
            wave=wave,
            staff=staff,
            error=exc.message,
            status_code=exc.status_code,
        )
    notice = f"Adres van uitnodiging {done.invitation_id} hersteld."
    if done.resent:
        notice += " De uitnodiging gaat direct opnieuw uit, met dezelfde link."
    elif done.note:
        notice += " " + done.note
    return hx_redirect(request, _url(wave.slug, notice))
