"""Marking an invitation not eligible (AAPOR 4.0), or eligible again.

The form sits on the monitor's eligibility page (which reads and lists), but
eligibility is a fact of the invitation, so the samples domain takes the
POST; the URL is the monitor's, as it always was.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.params import IdPath
from app.samples import service
from app.staff.deps import FieldworkDep
from app.web import hx_redirect

router = APIRouter()


@router.post("/monitor/{wave}/{questionnaire}/eligibility/{invitation_id}")
async def set_eligibility(
    request: Request,
    session: SessionDep,
    staff: FieldworkDep,
    wave: str,
    questionnaire: str,
    invitation_id: IdPath,
    action: Annotated[str, Form(pattern="^(ineligible|eligible)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
    q: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    fielded = await service.require_fielded(
        session, wave_slug=wave, questionnaire=questionnaire
    )
    if action == "ineligible":
        await service.mark_ineligible(
            session,
            wave=fielded,
            questionnaire=questionnaire,
            invitation_id=invitation_id,
            reason=reason,
            actor=staff,
        )
    else:
        await service.restore_eligible(
            session,
            wave=fielded,
            questionnaire=questionnaire,
            invitation_id=invitation_id,
            actor=staff,
        )
    target = f"/staff/monitor/{wave}/{questionnaire}/eligibility"
    return hx_redirect(request, target + (f"?{urlencode({'q': q})}" if q else ""))
