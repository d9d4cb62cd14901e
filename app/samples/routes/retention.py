"""Retention date (postpone with a reason) and erasure of one person on request."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep, utcnow
from app.errors import InvalidInput
from app.samples import service
from app.samples.deps import WaveDep
from app.samples.tasks import today
from app.staff.deps import FieldworkDep
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()


@router.post("/waves/{slug}/retention")
async def postpone_retention(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    until: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    try:
        day = dt.date.fromisoformat(until.strip())
    except ValueError as exc:
        raise InvalidInput("Nieuwe datum: geen geldige datum (jjjj-mm-dd).") from exc
    await service.postpone(
        session, settings, wave=wave, until=day, reason=reason,
        today=today(settings), actor=staff,
    )  # fmt: skip
    return hx_redirect(request, f"/staff/waves/{wave.slug}")


@router.get("/waves/{slug}/erase", name="erase_person")
async def erase_form(request: Request, staff: FieldworkDep, wave: WaveDep) -> Response:
    return render(request, "samples/erase.html", {"staff": staff, "wave": wave})


@router.post("/waves/{slug}/erase")
async def find_for_erasure(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    query: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    found = await service.find_person(session, wave=wave, query=query)
    return render(
        request,
        "samples/erase.html",
        {"staff": staff, "wave": wave, "query": query, "found": found,
         "searched": True},
        status_code=200 if found else 404,
    )  # fmt: skip


@router.post("/waves/{slug}/erase/confirm")
async def confirm_erasure(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    invitation: Annotated[list[int] | None, Form(max_length=50)] = None,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if confirm != "ja" or not invitation:
        raise InvalidInput("Vink aan dat u deze persoon wilt wissen.")
    result = await service.erase(
        session, wave=wave, invitation_ids=invitation, actor=staff
    )
    return render(
        request,
        "samples/erase.html",
        {"staff": staff, "wave": wave, "erased": result, "at": utcnow()},
    )
