"""Staff pages of the exports domain: choose and download an export; population counts.

Analysts (and admins) only. The download is a POST with the CSRF token; the
response starts at once and streams (see ``runner``), so nothing here holds
the data in memory.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from app.db import SessionDep
from app.errors import AppError
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest, parse_population_form
from app.samples import service as samples_service
from app.staff.deps import AnalystDep
from app.staff.schemas import StaffContext
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()


async def _export_page(
    request: Request,
    session: SessionDep,
    staff: StaffContext,
    *,
    wave: str | None,
    questionnaire: str | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    choices = await service.export_choices(
        session, wave=wave, questionnaire=questionnaire
    )
    return render(
        request,
        "exports/index.html",
        {
            "staff": staff,
            "choices": choices,
            "formats": list(ExportFormat),
            "source_words": service.SOURCE_WORDS,
            "k": request.app.state.settings.disclosure_k,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/exports", name="exports_index")
async def show_exports(
    request: Request,
    session: SessionDep,
    staff: AnalystDep,
    wave: str | None = None,
    questionnaire: str | None = None,
) -> Response:
    return await _export_page(
        request, session, staff, wave=wave, questionnaire=questionnaire
    )


@router.post("/exports/download")
async def download_export(
    request: Request,
    session: SessionDep,
    staff: AnalystDep,
    settings: SettingsDep,
    wave: Annotated[str, Form(max_length=64)],
    questionnaire: Annotated[str, Form(max_length=64)],
    format: Annotated[str, Form(max_length=32)],
    include_partial: Annotated[bool, Form()] = False,
    versions: Annotated[list[str] | None, Form(max_length=32)] = None,
    separator: Annotated[str, Form(max_length=1)] = ",",
    kind: Annotated[str, Form(max_length=16)] = "working",
) -> Response:
    try:
        export = ExportRequest.model_validate(  # the form's strings, validated
            {
                "wave": wave,
                "questionnaire": questionnaire,
                "format": format,
                "include_partial": include_partial,
                "versions": tuple(versions or ()),
                "separator": separator,
                "shareable": kind == "shareable",
            }
        )
        plan = await service.prepare_export(
            session, request=export, actor=staff, k=settings.disclosure_k
        )
    except ValidationError:
        return await _export_page(
            request,
            session,
            staff,
            wave=wave,
            questionnaire=questionnaire,
            error="Kies een geldig formaat, scheidingsteken en versie.",
            status_code=422,
        )
    except AppError as exc:
        return await _export_page(
            request,
            session,
            staff,
            wave=wave,
            questionnaire=questionnaire,
            error=exc.message,
            status_code=exc.status_code,
        )
    return StreamingResponse(
        runner.stream_export(request.app.state.sessionmaker, plan),
        media_type=plan.request.format.media_type,
        headers={"Content-Disposition": f'attachment; filename="{plan.filename}"'},
    )


async def _population_page(
    request: Request,
    session: SessionDep,
    staff: StaffContext,
    *,
    wave: str,
    questionnaire: str,
    saved: bool = False,
    confirmed: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = await samples_service.require_wave(session, wave)
    rows = await service.population_overview(
        session, wave=found, questionnaire=questionnaire
    )
    return render(
        request,
        "exports/population.html",
        {
            "staff": staff,
            "wave": found,
            "questionnaire": questionnaire,
            "rows": rows,
            "labels": {
                "function": "Functie",
                "tier": "Bestuurslaag",
                "gender": "Geslacht",
            },
            "saved": saved,
            "confirmed": confirmed,
            "pending": [r for r in rows if r.used and r.source != service.ENTERED],
            "source_words": service.SOURCE_WORDS,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/exports/population", name="exports_population")
async def show_population(
    request: Request,
    session: SessionDep,
    staff: AnalystDep,
    wave: Annotated[str, Query(max_length=64)],
    questionnaire: Annotated[str, Query(max_length=64)],
    saved: bool = False,
    confirmed: bool = False,
) -> Response:
    return await _population_page(
        request,
        session,
        staff,
        wave=wave,
        questionnaire=questionnaire,
        saved=saved,
        confirmed=confirmed,
    )


@router.post("/exports/population/confirm")
async def confirm_population(
    request: Request,
    session: SessionDep,
    staff: AnalystDep,
    wave: Annotated[str, Form(max_length=64)],
    questionnaire: Annotated[str, Form(max_length=64)],
) -> Response:
    """Staff confirm the counts derived from the address file (stored as entered)."""
    found = await samples_service.require_wave(session, wave)
    await service.confirm_population(
        session, wave=found, questionnaire=questionnaire, actor=staff
    )
    query = urlencode(
        {"wave": found.slug, "questionnaire": questionnaire, "confirmed": 1}
    )
    return hx_redirect(request, f"/staff/exports/population?{query}")


@router.post("/exports/population")
async def save_population(
    request: Request,
    session: SessionDep,
    staff: AnalystDep,
    settings: SettingsDep,
    wave: Annotated[str, Form(max_length=64)],
    questionnaire: Annotated[str, Form(max_length=64)],
) -> Response:
    found = await samples_service.require_wave(session, wave)
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    try:
        counts = parse_population_form(fields)
        await service.set_population_counts(
            session, wave=found, questionnaire=questionnaire, counts=counts, actor=staff
        )
    except (ValueError, AppError) as exc:
        message = (
            exc.message
            if isinstance(exc, AppError)
            else f"Populatieaantallen niet opgeslagen: {exc}."
        )
        return await _population_page(
            request,
            session,
            staff,
            wave=wave,
            questionnaire=questionnaire,
            error=message,
            status_code=422,
        )
    query = urlencode({"wave": found.slug, "questionnaire": questionnaire, "saved": 1})
    return hx_redirect(request, f"/staff/exports/population?{query}")
