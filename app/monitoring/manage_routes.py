"""Staff pages beside the monitor: reference editions and the eligibility page.

Included into ``routes.router``; the same fieldwork-manager role guards them,
and every form carries the CSRF token (checked by the staff dependency).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import Response

from app.db import SessionDep
from app.errors import InvalidInput
from app.monitoring import forms, queries, service
from app.monitoring.reference import parse_reference_csv
from app.staff.deps import FieldworkDep
from app.web import hx_redirect, render

router = APIRouter()
Edition = Annotated[str | None, Query(max_length=32)]
MAX_UPLOAD = 1_000_000


def _base(wave: str, questionnaire: str) -> str:
    return f"/staff/monitor/{wave}/{questionnaire}"


# --- reference editions -------------------------------------------------------------


@router.get("/monitor/{wave}/{questionnaire}/reference", name="monitor_reference")
async def show_reference(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    edition: Edition = None,
) -> Response:
    context = await forms.reference_context(
        session, wave_slug=wave, questionnaire=questionnaire, edition=edition
    )
    return render(request, "monitoring/reference.html", {"staff": staff, **context})


async def _reference_error(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    *,
    wave: str,
    questionnaire: str,
    error: InvalidInput,
) -> Response:
    context = await forms.reference_context(
        session, wave_slug=wave, questionnaire=questionnaire, edition=None
    )
    problems = getattr(error, "problems", [error.message])
    return render(
        request,
        "monitoring/reference.html",
        {"staff": staff, **context, "problems": problems},
        status_code=422,
    )


@router.post("/monitor/{wave}/{questionnaire}/reference/shipped")
async def load_shipped_reference(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    name: Annotated[str, Form(max_length=64)],
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    await service.load_shipped_reference(
        session, wave=monitored, questionnaire=questionnaire, name=name, actor=staff
    )
    return hx_redirect(request, f"{_base(wave, questionnaire)}/reference")


@router.post("/monitor/{wave}/{questionnaire}/reference/upload")
async def upload_reference(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    edition: Annotated[str, Form(max_length=32)],
    file: UploadFile,
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    try:
        raw = await file.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise InvalidInput(
                "Het bestand is groter dan 1 MB; dat is geen referentietabel."
            )
        rows = parse_reference_csv(forms.decode_upload(raw))
        await service.replace_reference(
            session,
            wave=monitored,
            questionnaire=questionnaire,
            edition=edition,
            rows=rows,
            source=(file.filename or "upload.csv"),
            actor=staff,
        )
    except InvalidInput as exc:
        return await _reference_error(
            request, session, staff, wave=wave, questionnaire=questionnaire, error=exc
        )
    return hx_redirect(request, f"{_base(wave, questionnaire)}/reference")


@router.post("/monitor/{wave}/{questionnaire}/reference/form")
async def enter_reference(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    form = await request.form()
    try:
        edition, rows = forms.reference_rows_from_form(
            form, questionnaire=questionnaire
        )
        await service.replace_reference(
            session,
            wave=monitored,
            questionnaire=questionnaire,
            edition=edition,
            rows=rows,
            source="formulier",
            actor=staff,
        )
    except InvalidInput as exc:
        return await _reference_error(
            request, session, staff, wave=wave, questionnaire=questionnaire, error=exc
        )
    return hx_redirect(request, f"{_base(wave, questionnaire)}/reference")


@router.post("/monitor/{wave}/{questionnaire}/reference/{edition}/delete")
async def delete_reference(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    edition: str,
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    await service.delete_reference(
        session,
        wave=monitored,
        questionnaire=questionnaire,
        edition=edition,
        actor=staff,
    )
    return hx_redirect(request, f"{_base(wave, questionnaire)}/reference")


# --- eligibility ----------------------------------------------------------------------


@router.get("/monitor/{wave}/{questionnaire}/eligibility", name="monitor_eligibility")
async def show_eligibility(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    q: Annotated[str, Query(max_length=320)] = "",
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    found = (
        await queries.find_invitations(
            session, wave_id=monitored.id, questionnaire=questionnaire, query=q
        )
        if q.strip()
        else None
    )
    marked = await queries.ineligible_invitations(
        session, wave_id=monitored.id, questionnaire=questionnaire
    )
    return render(
        request,
        "monitoring/eligibility.html",
        {
            "staff": staff,
            "wave": monitored,
            "questionnaire": questionnaire,
            "base": _base(wave, questionnaire),
            "q": q,
            "found": found,
            "marked": marked,
            "labels": forms.attribute_labels(),
        },
    )


# Marking (the POST to .../eligibility/{invitation_id}) is the samples domain's:
# app/samples/routes/eligibility.py. This page only reads.
