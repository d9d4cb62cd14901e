"""Waves: list, create, overview, questionnaire versions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep, utcnow
from app.errors import Conflict, InvalidInput
from app.samples import service
from app.samples.deps import VersionEditorDep, WaveDep
from app.samples.fields import FrameKind
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep, StaffDep
from app.staff.models import Role
from app.web import hx_redirect, render

router = APIRouter()


def _date(value: str, label: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}: geen geldige datum (jjjj-mm-dd).") from exc


@router.get("/waves", name="waves")
async def list_waves(
    request: Request, session: SessionDep, staff: StaffDep
) -> Response:
    return render(
        request,
        "samples/waves.html",
        {"staff": staff, "Role": Role, "waves": await service.list_waves(session)},
    )


@router.post("/waves")
async def create_wave(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    slug: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)],
    opens_on: Annotated[str, Form(max_length=20)] = "",
    closes_on: Annotated[str, Form(max_length=20)] = "",
    questionnaires: Annotated[list[str] | None, Form(max_length=32)] = None,
) -> Response:
    form = {"slug": slug, "name": name, "opens_on": opens_on, "closes_on": closes_on}
    try:
        wave = await service.create_wave(
            session,
            slug=slug.strip().lower(),
            name=name,
            opens_on=_date(opens_on, "Start veldwerk"),
            closes_on=_date(closes_on, "Einde veldwerk"),
        )
        for questionnaire in questionnaires or []:
            await service.choose_version(
                session, wave=wave, questionnaire=questionnaire, version_id=None
            )
    except (InvalidInput, Conflict) as exc:
        await session.rollback()
        return render(
            request,
            "samples/waves.html",
            {
                "staff": staff,
                "Role": Role,
                "waves": await service.list_waves(session),
                "error": exc.message,
                "form": form,
            },
            status_code=exc.status_code,
        )
    await staff_service.record_audit(
        session, actor=staff, action="wave.create", target=wave.slug
    )
    return hx_redirect(request, f"/staff/waves/{wave.slug}")


@router.get("/waves/{slug}", name="wave")
async def show_wave(
    request: Request, session: SessionDep, staff: StaffDep, wave: WaveDep
) -> Response:
    overview = await service.wave_overview(session, wave=wave)
    fielded = {q.questionnaire for q in overview.questionnaires}
    return render(
        request,
        "samples/wave.html",
        {
            "staff": staff,
            "Role": Role,
            "overview": overview,
            "wave": wave,
            "kinds": list(FrameKind),
            "retention_on": service.retention_date(wave, request.app.state.settings),
            "today": utcnow().astimezone(ZoneInfo(wave.timezone)).date(),
            "addable": [
                q
                for q in await service.known_questionnaires(session)
                if q not in fielded
            ],
        },
    )


@router.post("/waves/{slug}")
async def update_wave(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    name: Annotated[str, Form(max_length=200)],
    opens_on: Annotated[str, Form(max_length=20)] = "",
    closes_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    before = {"opens_on": str(wave.opens_on), "closes_on": str(wave.closes_on)}
    await service.update_wave(
        session,
        wave=wave,
        name=name,
        opens_on=_date(opens_on, "Start veldwerk"),
        closes_on=_date(closes_on, "Einde veldwerk"),
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="wave.update",
        target=wave.slug,
        details={"before": before, "opens_on": opens_on, "closes_on": closes_on},
    )
    return hx_redirect(request, f"/staff/waves/{wave.slug}")


@router.post("/waves/{slug}/questionnaires")
async def choose_version(
    request: Request,
    session: SessionDep,
    staff: VersionEditorDep,
    wave: WaveDep,
    questionnaire: Annotated[str, Form(max_length=32)],
    version_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    chosen = int(version_id) if version_id.strip().isdigit() else None
    await service.choose_version(
        session, wave=wave, questionnaire=questionnaire.strip(), version_id=chosen
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="wave.version",
        target=wave.slug,
        details={"questionnaire": questionnaire, "version_id": chosen},
    )
    return hx_redirect(request, f"/staff/waves/{wave.slug}")
