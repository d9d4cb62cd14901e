"""Invitation lists with names and addresses (fieldwork managers only), link re-issue, withdrawal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.params import IdPath, PageQuery
from app.samples import catalogue, service
from app.samples.deps import WaveDep
from app.samples.states import InvitationStatus
from app.staff import service as staff_service
from app.staff.deps import FieldworkDep
from app.web import SettingsDep, hx_redirect, render

router = APIRouter()
PAGE = 50
STATUSES = {
    InvitationStatus.invited: "uitgenodigd",
    InvitationStatus.started: "begonnen",
    InvitationStatus.response: "respons",
    InvitationStatus.complete: "volledig",
    "revoked": "ingetrokken",
}


@router.get("/waves/{slug}/invitations", name="invitations")
async def list_invitations(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    questionnaire: str = "",
    status: str = "",
    q: str = "",
    page: PageQuery = 1,
) -> Response:
    page = max(1, page)
    rows, total = await service.list_invitations(
        session,
        wave=wave,
        questionnaire=questionnaire or None,
        status=status if status in STATUSES else None,
        search=q[:100] or None,
        offset=(page - 1) * PAGE,
        limit=PAGE,
    )
    overview = await service.wave_overview(session, wave=wave)
    return render(
        request,
        "samples/invitations.html",
        {
            "staff": staff,
            "wave": wave,
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
            "filters": {"questionnaire": questionnaire, "status": status, "q": q},
            "questionnaires": [x.questionnaire for x in overview.questionnaires],
            "statuses": STATUSES,
            "catalogue": catalogue,
        },
    )


@router.post("/waves/{slug}/invitations/{invitation_id}/reissue")
async def reissue_link(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: FieldworkDep,
    wave: WaveDep,
    invitation_id: IdPath,
) -> Response:
    invitation = await service.require_invitation(
        session, wave=wave, invitation_id=invitation_id
    )
    await service.reissue_link(session, settings, invitation=invitation)
    await staff_service.record_audit(
        session,
        actor=staff,
        action="invitation.reissue",
        target=f"{wave.slug}/invitation/{invitation.id}",
    )
    return render(
        request,
        "samples/new_link.html",
        {
            "staff": staff,
            "wave": wave,
            "invitation": invitation,
            "url": service.invitation_url(settings, invitation),
        },
    )


@router.post("/waves/{slug}/invitations/{invitation_id}/withdraw")
async def withdraw_invitation(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: WaveDep,
    invitation_id: IdPath,
    withdrawn: Annotated[bool, Form()] = True,
) -> Response:
    invitation = await service.require_invitation(
        session, wave=wave, invitation_id=invitation_id
    )
    await service.withdraw_invitation(
        session, invitation=invitation, withdrawn=withdrawn
    )
    await staff_service.record_audit(
        session,
        actor=staff,
        action="invitation.withdraw" if withdrawn else "invitation.restore",
        target=f"{wave.slug}/invitation/{invitation.id}",
    )
    return hx_redirect(request, f"/staff/waves/{wave.slug}/invitations")
