"""Retention date (postpone with a reason) and the erasure form.

Finding and erasing the person touch responses and mailings too: those
routes are the erasure flow's (``app/flows/routes.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep
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
