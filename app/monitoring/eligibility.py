"""Marking invitations not eligible (AAPOR 4.x), e.g. no longer in office.

The ``ineligible_at`` / ``ineligible_reason`` columns on ``invitations`` belong
to the monitoring domain (added by its migration) and are only written here.
A not-eligible invitation stays in the sample and in "invited", but leaves
every AAPOR denominator; marking is reversible and audited.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.monitoring import queries
from app.samples.models import Invitation, Wave
from app.staff import service as staff_service
from app.staff.schemas import StaffContext

MAX_REASON = 200


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


find_invitations = queries.find_invitations
ineligible_invitations = queries.ineligible_invitations
