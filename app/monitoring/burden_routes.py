"""Staff pages of the break-off view (fieldwork managers and researchers).

``/staff/monitor/<wave>/<questionnaire>/uitval`` shows, per questionnaire
version, the funnel along the route, the pages with the highest break-off and
the burden per page and route; ``.../uitval/download`` the same as CSV.
Counts and times only: no respondent is shown. Both read the stored view
(``burden_snapshots``) and say how old it is; ``.../uitval/bijwerken`` (POST)
recomputes it on demand.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.monitoring import (
    burden,
    burden_snapshots,
    burden_views,
    service,
)
from app.staff import service as staff_service
from app.staff.deps import require_role
from app.staff.models import Role
from app.staff.schemas import StaffContext
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()
BurdenReaderDep = Annotated[
    StaffContext, Depends(require_role(Role.fieldwork_manager, Role.researcher))
]


@router.get("/monitor/{wave}/{questionnaire}/uitval", name="monitor_breakoff")
async def show_breakoff(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: BurdenReaderDep,
    wave: str,
    questionnaire: str,
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    snapshot = await burden_snapshots.current_or_refresh(
        session, wave=monitored, questionnaire=questionnaire
    )
    versions = snapshot.versions
    funnels = [burden_views.funnel(v.report) for v in versions]
    return render(
        request,
        "monitoring/breakoff.html",
        {
            "staff": staff,
            "wave": monitored,
            "questionnaire": questionnaire,
            "base": f"/staff/monitor/{wave}/{questionnaire}",
            "versions": list(zip(versions, funnels, strict=True)),
            "computed_at": snapshot.computed_at,
            "refresh_minutes": max(1, round(settings.burden_refresh_seconds / 60)),
            "pause_minutes": int(burden.PAUSE_SECONDS // 60),
            "quiet_hours": int(burden.QUIET_HOURS),
            **burden_views.TEMPLATE_HELPERS,
        },
    )


@router.get("/monitor/{wave}/{questionnaire}/uitval/download")
async def download_breakoff(
    session: SessionDep,
    staff: BurdenReaderDep,
    wave: str,
    questionnaire: str,
    sep: Annotated[str, Query(pattern="^(semicolon|comma)$")] = "semicolon",
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    snapshot = await burden_snapshots.current_or_refresh(
        session, wave=monitored, questionnaire=questionnaire
    )
    content = burden_views.burden_csv(
        [v.report for v in snapshot.versions],
        delimiter=";" if sep == "semicolon" else ",",
        computed_at=snapshot.computed_at,
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="monitor.breakoff_download",
        target=f"{wave}/{questionnaire}",
    )
    stamp = burden_views.local_time(snapshot.computed_at).strftime("%Y%m%d-%H%M")
    filename = re.sub(
        r"[^A-Za-z0-9._-]", "_", f"uitval_{wave}_{questionnaire}_{stamp}.csv"
    )
    return Response(
        content.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/monitor/{wave}/{questionnaire}/uitval/bijwerken")
async def refresh_breakoff(
    request: Request,
    session: SessionDep,
    staff: BurdenReaderDep,
    wave: str,
    questionnaire: str,
) -> Response:
    """Recompute the stored view now ("Nu bijwerken")."""
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    await burden_snapshots.refresh_burden(
        session, wave=monitored, questionnaire=questionnaire
    )
    return hx_redirect(request, f"/staff/monitor/{wave}/{questionnaire}/uitval")
