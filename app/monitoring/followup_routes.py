"""Downloads for follow-up (fieldwork managers only, every download audited):
the phone list of who has not completed, and the status file per panel link."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.db import SessionDep, utcnow
from app.monitoring import followup, service
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep

router = APIRouter()


def _csv_response(content: str, name: str) -> Response:
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", f"{name}_{stamp}.csv")
    return Response(
        content.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/monitor/{wave}/{questionnaire}/nabellen", name="monitor_follow_up")
async def download_follow_up(
    session: SessionDep, staff: FieldworkDep, wave: str, questionnaire: str
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    content, rows = await followup.follow_up_csv(
        session, wave=monitored, questionnaire=questionnaire
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="monitor.follow_up_download",
        target=f"{wave}/{questionnaire}",
        details={"rows": rows},
    )
    return _csv_response(content, f"nabellen_{wave}_{questionnaire}")


@router.get("/monitor/{wave}/{questionnaire}/panelstatus", name="monitor_panel_status")
async def download_panel_status(
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    panel: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    monitored = await service.require_monitored(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    content, rows = await followup.panel_status_csv(
        session, wave=monitored, questionnaire=questionnaire, panel=panel or None
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="monitor.panel_status_download",
        target=f"{wave}/{questionnaire}",
        details={"rows": rows, "panel": panel or None},
    )
    return _csv_response(content, f"panelstatus_{wave}_{questionnaire}")
