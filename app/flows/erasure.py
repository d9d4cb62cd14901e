"""Erasing one person on request: answers, paradata, contact data, mail
traces and organisation are deleted; each invitation stays, with its status,
as an anonymous count (link dead), so response rates and the monitor stay
right. Audit entries name no erased data.

Samples finds and anonymises the invitations, responses deletes the answers,
mailings the caught copies and reply texts; all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.delivery import traces as mailings_traces
from app.responses import records as responses_records
from app.samples import service as samples_service
from app.samples.models import Wave


@dataclass(frozen=True)
class Found:
    """An invitation of the person asking; what the confirmation shows."""

    id: int
    questionnaire: str
    status: str
    has_answers: bool


async def find_person(session: AsyncSession, *, wave: Wave, query: str) -> list[Found]:
    """The invitations of the person with this e-mail address, or of this link
    (the whole URL or the token)."""
    invitations = await samples_service.find_invitations(
        session, wave=wave, query=query
    )
    answered = await responses_records.answered_invitations(
        session, invitation_ids=[i.id for i in invitations]
    )
    return [
        Found(i.id, i.questionnaire, i.status, i.id in answered) for i in invitations
    ]


async def erase(
    session: AsyncSession,
    *,
    wave: Wave,
    invitation_ids: list[int],
    actor: samples_service.Actor,
) -> samples_service.Erasure:
    """Erase the person behind these invitations (refused when none of them
    is left to erase)."""
    invitations = await samples_service.erasable_invitations(
        session, wave=wave, invitation_ids=invitation_ids
    )
    ids = [i.id for i in invitations]
    responses = await responses_records.delete_responses(session, invitation_ids=ids)
    await mailings_traces.purge_invitation_traces(session, invitation_ids=ids)
    return await samples_service.erase_invitations(
        session, wave=wave, invitations=invitations, responses=responses, actor=actor
    )
