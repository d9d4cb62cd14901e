"""Address files: upload (all or nothing), the problem report, frame details, purge."""

from __future__ import annotations

import datetime as dt
from pathlib import PureWindowsPath
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.db import SessionDep, utcnow
from app.errors import InvalidInput
from app.params import IdPath, PageQuery
from app.samples import catalogue, reports, service
from app.samples.deps import WaveDep
from app.samples.fields import FrameKind
from app.staff.deps import FieldworkDep
from app.web import AMSTERDAM, SettingsDep, hx_redirect, render

router = APIRouter()


def local_today() -> dt.date:
    return utcnow().astimezone(AMSTERDAM).date()


PAGE = 50


@router.post("/waves/{slug}/frames")
async def upload_frame(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[FrameKind, Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    panel: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    limit = settings.samples.max_upload_mb * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise InvalidInput(
            f"Het bestand is groter dan {settings.samples.max_upload_mb} MB; "
            "lees het in met 'veldwerk wave import-frame'."
        )
    file_name = PureWindowsPath(file.filename or "adresbestand").name
    outcome = await service.import_frame(
        session,
        settings,
        wave=wave,
        kind=kind,
        source=file.file,
        file_name=file_name,
        name=name,
        actor=staff,
        defaults={"panel": panel.strip()} if panel.strip() else None,
    )
    if outcome.frame is not None:
        return hx_redirect(
            request, f"/staff/waves/{wave.slug}/frames/{outcome.frame.id}"
        )
    assert outcome.rejection is not None
    return hx_redirect(
        request, f"/staff/waves/{wave.slug}/rejections/{outcome.rejection.id}"
    )


@router.get("/waves/{slug}/rejections/{rejection_id}", name="frame_rejection")
async def show_rejection(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    rejection_id: IdPath,
) -> Response:
    rejection = await service.require_rejection(
        session, wave=wave, rejection_id=rejection_id
    )
    return render(
        request,
        "samples/rejection.html",
        {
            "staff": staff,
            "wave": wave,
            "rejection": rejection,
            "shown": rejection.problems[:200],
            "kinds": list(FrameKind),
        },
    )


@router.get("/waves/{slug}/rejections/{rejection_id}/problems.csv")
async def download_rejection(
    session: SessionDep, staff: FieldworkDep, wave: WaveDep, rejection_id: IdPath
) -> Response:
    rejection = await service.require_rejection(
        session, wave=wave, rejection_id=rejection_id
    )
    body = reports.csv_text(reports.problem_rows(rejection.problems))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="fouten-{wave.slug}-{rejection.id}.csv"'
        },
    )


@router.get("/waves/{slug}/frames/{frame_id}", name="frame")
async def show_frame(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    frame_id: IdPath,
    page: PageQuery = 1,
) -> Response:
    frame = await service.require_frame(session, wave=wave, frame_id=frame_id)
    page = max(1, page)
    return render(
        request,
        "samples/frame.html",
        {
            "staff": staff,
            "wave": wave,
            "frame": frame,
            "breakdown": await service.frame_breakdown(session, frame=frame),
            "contacts": await service.list_contacts(
                session, frame=frame, offset=(page - 1) * PAGE, limit=PAGE
            ),
            "page": page,
            "pages": max(1, -(-frame.rows // PAGE)),
            "catalogue": catalogue,
        },
    )


@router.post("/waves/{slug}/frames/{frame_id}/delete")
async def delete_frame(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    frame_id: IdPath,
) -> Response:
    frame = await service.require_frame(session, wave=wave, frame_id=frame_id)
    await service.delete_frame(session, wave=wave, frame=frame, actor=staff)
    return hx_redirect(request, f"/staff/waves/{wave.slug}")


@router.get("/waves/{slug}/purge", name="purge_contacts")
async def confirm_purge(
    request: Request, session: SessionDep, staff: FieldworkDep, wave: WaveDep
) -> Response:
    overview = await service.wave_overview(session, wave=wave)
    return render(
        request,
        "samples/purge.html",
        {"staff": staff, "wave": wave, "overview": overview, "today": local_today()},
    )
