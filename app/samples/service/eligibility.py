"""Marking invitations not eligible (AAPOR 4.x), e.g. no longer in office.

Eligibility is a fact about the invitation, so the samples domain writes the
``ineligible_at`` / ``ineligible_reason`` columns (here only); the monitor
reads them for its dispositions. A not-eligible invitation stays in the
sample and in "invited", but leaves every AAPOR denominator; marking is
reversible and audited.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.samples.models import Invitation, Wave
from app.samples.service.waves import (
    KNOWN_QUESTIONNAIRES,
    require_wave,
    wave_questionnaires,
)
from app.staff import service as staff_service
from app.staff.schemas import StaffContext

MAX_REASON = 200


async def require_fielded(
    session: AsyncSession, *, wave_slug: str, questionnaire: str
) -> Wave:
    """The wave, if ``questionnaire`` is fielded in it or is one of the known
    questionnaires (which the monitor always shows)."""
    wave = await require_wave(session, wave_slug)
    fielded = {
        entry.questionnaire for entry in await wave_questionnaires(session, wave=wave)
    }
    if questionnaire not in fielded and questionnaire not in KNOWN_QUESTIONNAIRES:
        raise NotFound(f"Vragenlijst '{questionnaire}' hoort niet bij deze wave.")
    return wave


async def _require_invitation(
    session: AsyncSession, *, wave: Wave, questionnaire: str, invitation_id: int
) -> Invitation:
    invitation = await session.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.wave_id != wave.id
        or invitation.questionnaire != questionnaire
    ):
        raise NotFound(f"Uitnodiging {invitation_id} hoort niet bij deze vragenlijst.")
    return invitation


async def mark_ineligible(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    invitation_id: int,
    reason: str,
    actor: StaffContext | str,
) -> Invitation:
    """Record that the invited person is not eligible; the reason is required
    so the disposition can be accounted for in the methods report."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Geef een reden op, bijvoorbeeld 'niet meer in functie'.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"De reden mag hoogstens {MAX_REASON} tekens lang zijn.")
    invitation = await _require_invitation(
        session, wave=wave, questionnaire=questionnaire, invitation_id=invitation_id
    )
    invitation.ineligible_at = invitation.ineligible_at or utcnow()
    invitation.ineligible_reason = reason
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="monitor.ineligible",
        target=f"invitation:{invitation.id}",
        details={"reason": reason},
    )
    return invitation


async def restore_eligible(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    invitation_id: int,
    actor: StaffContext | str,
) -> Invitation:
    """Undo ``mark_ineligible``: the invitation counts in the denominators again."""
    invitation = await _require_invitation(
        session, wave=wave, questionnaire=questionnaire, invitation_id=invitation_id
    )
    invitation.ineligible_at = None
    invitation.ineligible_reason = None
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="monitor.eligible",
        target=f"invitation:{invitation.id}",
    )
    return invitation
