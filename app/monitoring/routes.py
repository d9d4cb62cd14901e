"""Staff pages of the monitoring domain (fieldwork managers and admins).

``/staff/monitor`` lists waves; ``/staff/monitor/<wave>/<questionnaire>`` is the
monitor, whose figures an htmx poll replaces from ``.../figures``; ``.../download``
gives any table as CSV. Reference editions and eligibility have their own pages.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.config import Settings
from app.db import SessionDep, utcnow
from app.errors import NotFound
from app.monitoring import (
    balance,
    burden_routes,
    downloads,
    followup_routes,
    manage_routes,
    service,
    views,
)
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep
from app.web import SettingsDep, is_htmx, render

router = APIRouter()
Edition = Annotated[str | None, Query(max_length=32)]
CurveBy = Annotated[str | None, Query(max_length=32)]


def _base(wave: str, questionnaire: str) -> str:
    return f"/staff/monitor/{wave}/{questionnaire}"


def _query(edition: str | None, curve: str | None) -> str:
    params = {k: v for k, v in (("edition", edition), ("curve", curve)) if v}
    return ("?" + urlencode(params)) if params else ""


@router.get("/monitor", name="monitor_index")
async def show_index(
    request: Request, session: SessionDep, staff: FieldworkDep
) -> Response:
    waves = await service.list_monitored_waves(session)
    return render(request, "monitoring/index.html", {"staff": staff, "waves": waves})


async def _view_context(
    session: SessionDep,
    settings: Settings,
    *,
    wave: str,
    questionnaire: str,
    edition: str | None,
    curve: str | None,
) -> dict[str, object]:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    view = await service.build_monitor(
        session,
        wave=monitored,
        questionnaire=questionnaire,
        edition=edition,
        curve_by=curve,
    )
    base = _base(wave, questionnaire)
    query = _query(view.edition, view.curve_by.key)
    return {
        "view": view,
        "base": base,
        "query": query,
        "figures_url": f"{base}/figures{query}",
        "page_url": f"{base}{query}",
        "refresh_ms": int(settings.monitor_refresh_seconds * 1000),
        "min_cell": settings.disclosure_k,
        **views.TEMPLATE_HELPERS,
        **balance.TEMPLATE_HELPERS,
    }


@router.get("/monitor/{wave}/{questionnaire}", name="monitor_page")
async def show_monitor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    edition: Edition = None,
    curve: CurveBy = None,
) -> Response:
    context = await _view_context(
        session,
        settings,
        wave=wave,
        questionnaire=questionnaire,
        edition=edition,
        curve=curve,
    )
    return render(request, "monitoring/monitor.html", {"staff": staff, **context})


@router.get("/monitor/{wave}/{questionnaire}/figures", name="monitor_figures")
async def show_figures(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    edition: Edition = None,
    curve: CurveBy = None,
) -> Response:
    """Only the figures: what the page's htmx poll swaps in every few seconds."""
    context = await _view_context(
        session,
        settings,
        wave=wave,
        questionnaire=questionnaire,
        edition=edition,
        curve=curve,
    )
    headers = {"HX-Replace-Url": str(context["page_url"])} if is_htmx(request) else None
    return render(request, "monitoring/_figures.html", context, headers=headers)


@router.get("/monitor/{wave}/{questionnaire}/download", name="monitor_download")
async def download_table(
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    table: Annotated[str, Query(max_length=32)] = "main",
    sep: Annotated[str, Query(pattern="^(semicolon|comma)$")] = "semicolon",
    suppress: bool = False,
    edition: Edition = None,
    curve: CurveBy = None,
) -> Response:
    context = await _view_context(
        session,
        settings,
        wave=wave,
        questionnaire=questionnaire,
        edition=edition,
        curve=curve,
    )
    view = context["view"]
    assert isinstance(view, service.MonitorView)
    if table not in view.tables:
        raise NotFound("Deze tabel bestaat niet op de monitor.")
    content = downloads.table_csv(
        view.tables[table],
        delimiter=";" if sep == "semicolon" else ",",
        # Always: cells based on fewer than k people are never downloaded.
        min_cell=settings.disclosure_k,
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="monitor.download",
        target=f"{wave}/{questionnaire}/{table}",
        details={"suppressed": True, "k": settings.disclosure_k},
    )
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    filename = re.sub(
        r"[^A-Za-z0-9._-]", "_", f"monitor_{wave}_{questionnaire}_{table}_{stamp}.csv"
    )
    return Response(
        content.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# Reference editions and eligibility have their own pages (and module).
router.include_router(manage_routes.router)
router.include_router(burden_routes.router)
router.include_router(followup_routes.router)
