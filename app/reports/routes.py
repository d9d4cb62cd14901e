"""Staff pages of the reports domain: a wave's report tables, their downloads, the factsheets.

Analysts (and admins) only. Everything is a GET that reads: the page lists the
tables as accessible HTML tables with their SVG charts (no JavaScript), the
downloads give the same tables as XLSX (one sheet per table) or a ZIP of CSVs,
and each tier's factsheet comes as a page or an A4 PDF.
"""

from __future__ import annotations

import io
import zipfile
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.config import Settings
from app.db import SessionDep
from app.errors import AppError
from app.reports import factsheet_service, service, writers
from app.reports.factsheet import TIERS, FactsheetDataMissing
from app.reports.views import present
from app.samples import service as samples_service
from app.staff.deps import AnalystDep
from app.staff.schemas import StaffContext
from app.web import SettingsDep, render

router = APIRouter()

Slug = Annotated[str, Query(max_length=64)]
OptionalSlug = Annotated[str | None, Query(max_length=64)]


def _query(**values: str) -> str:
    return urlencode(values)


async def _choices(
    session: SessionDep,
    settings: SettingsDep,
    wave: str | None,
    questionnaire: str | None,
) -> dict[str, object]:
    waves = await samples_service.list_waves(session)
    chosen = next((w for w in waves if w.slug == wave), None)
    fielded: list[str] = []
    if chosen is not None:
        fielded = [
            wq.questionnaire
            for wq in await samples_service.wave_questionnaires(session, wave=chosen)
        ]
    with_tables = [
        q for q in fielded if service.available_editions(q, settings.reports_dir)
    ]
    return {
        "waves": waves,
        "wave": chosen,
        "questionnaires": with_tables,
        "questionnaire": questionnaire if questionnaire in with_tables else None,
        "without_tables": [q for q in fielded if q not in with_tables],
    }


def breakdown_labels(
    settings: Settings, questionnaire: str, edition: int
) -> dict[str, str]:
    """The definition's Dutch names of its breakdowns ("tier" → "Overheid")."""
    loaded = service.load_definition(questionnaire, edition, settings.reports_dir)
    return {key: b.label for key, b in loaded.definition.breakdowns.items()}


def _error_page(
    request: Request,
    staff: StaffContext,
    choices: dict[str, object],
    message: str,
    status: int,
) -> Response:
    return render(
        request,
        "reports/index.html",
        {
            "staff": staff,
            "choices": choices,
            "error": message,
            "tables": [],
            "tiers": TIERS,
        },
        status_code=status,
    )


@router.get("/reports", name="reports_index")
async def show_reports(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: AnalystDep,
    wave: OptionalSlug = None,
    questionnaire: OptionalSlug = None,
) -> Response:
    choices = await _choices(session, settings, wave, questionnaire)
    tables = []
    result = None
    if choices["wave"] is not None and choices["questionnaire"] is not None:
        try:
            result = await service.compute_report(
                session,
                wave=str(wave),
                questionnaire=str(questionnaire),
                settings=settings,
                actor=staff,
                root=settings.reports_dir,
            )
        except AppError as exc:
            return _error_page(request, staff, choices, exc.message, exc.status_code)
        labels = breakdown_labels(settings, str(questionnaire), result.edition)
        tables = [present(t, labels) for t in result.tables]
    return render(
        request,
        "reports/index.html",
        {
            "staff": staff,
            "choices": choices,
            "result": result,
            "tables": tables,
            "tiers": TIERS,
            "query": _query(wave=wave or "", questionnaire=questionnaire or ""),
            "error": None,
        },
    )


@router.get("/reports/download", name="reports_download")
async def download_tables(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: AnalystDep,
    wave: Slug,
    questionnaire: Slug,
    format: Annotated[str, Query(max_length=8)] = "xlsx",
) -> Response:
    if format not in ("xlsx", "zip"):
        choices = await _choices(session, settings, wave, questionnaire)
        return _error_page(
            request, staff, choices, "Kies als formaat xlsx of zip (CSV).", 422
        )
    try:
        result = await service.compute_report(
            session,
            wave=wave,
            questionnaire=questionnaire,
            settings=settings,
            actor=staff,
            root=settings.reports_dir,
        )
    except AppError as exc:
        choices = await _choices(session, settings, wave, questionnaire)
        return _error_page(request, staff, choices, exc.message, exc.status_code)
    stem = f"tabellen-{result.wave}-{questionnaire}-{result.edition}"
    if format == "xlsx":
        body = writers.tables_xlsx(
            result.tables, title=f"{result.wave} – {questionnaire} {result.edition}"
        )
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{stem}.xlsx"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in result.tables:
                archive.writestr(f"{table.id}.csv", writers.table_csv(table))
        body, media, filename = buffer.getvalue(), "application/zip", f"{stem}-csv.zip"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _factsheet(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffContext,
    *,
    wave: str,
    questionnaire: str,
    tier: str,
) -> factsheet_service.FactsheetResult | Response:
    try:
        return await factsheet_service.compute_factsheet(
            session,
            wave=wave,
            questionnaire=questionnaire,
            tier=tier,
            settings=settings,
            actor=staff,
        )
    except (AppError, FactsheetDataMissing) as exc:
        choices = await _choices(session, settings, wave, questionnaire)
        if isinstance(exc, AppError):
            return _error_page(request, staff, choices, exc.message, exc.status_code)
        return _error_page(
            request,
            staff,
            choices,
            f"De factsheet kan niet worden gemaakt: een tabel die hij nodig heeft ontbreekt ({exc}).",
            422,
        )


@router.get("/reports/factsheet", name="reports_factsheet")
async def show_factsheet(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: AnalystDep,
    wave: Slug,
    questionnaire: Slug,
    tier: Slug,
) -> Response:
    result = await _factsheet(
        request,
        session,
        settings,
        staff,
        wave=wave,
        questionnaire=questionnaire,
        tier=tier,
    )
    if isinstance(result, Response):
        return result
    query = _query(wave=result.wave, questionnaire=questionnaire)
    html = factsheet_service.render_html(
        request.app.state.templates.env,
        result.sheet,
        for_pdf=False,
        source=f"meting {result.wave}",
        back_url=f"/staff/reports?{query}",
        pdf_url=f"/staff/reports/factsheet.pdf?{query}&{_query(tier=tier)}",
    )
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/reports/factsheet.pdf", name="reports_factsheet_pdf")
async def download_factsheet(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: AnalystDep,
    wave: Slug,
    questionnaire: Slug,
    tier: Slug,
) -> Response:
    result = await _factsheet(
        request,
        session,
        settings,
        staff,
        wave=wave,
        questionnaire=questionnaire,
        tier=tier,
    )
    if isinstance(result, Response):
        return result
    pdf = await factsheet_service.render_pdf(
        request.app.state.templates.env, result.sheet, source=f"meting {result.wave}"
    )
    filename = f"factsheet-{tier}-{result.wave}-{result.edition}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
