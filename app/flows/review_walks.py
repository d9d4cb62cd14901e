"""Review walks: a reviewer without an account walks a version through a
review link and comments on its questions from the respondent pages.

A walk is a test run (``flows.testruns``: a test invitation in samples, a
pinned response in responses) recorded as a walk in reviews; commenting finds
the walk through the test link's invitation.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.flows import testruns
from app.reviews import service as reviews_service
from app.reviews.models import ReviewComment, ReviewLink

REVIEW_ATTRIBUTE = reviews_service.REVIEW_ATTRIBUTE


async def start_walk(
    session: AsyncSession,
    settings: Settings,
    *,
    link: ReviewLink,
    reviewer: str,
    attributes: dict[str, str],
) -> str:
    """Start a reviewer's walk (a test run on the link's version); returns the
    test token. Test runs are never counted, mailed or exported."""
    reviewer = reviews_service.clean_reviewer(reviewer)
    version = await reviews_service.version_of(session, link)
    token = await testruns.start(
        session,
        settings,
        version=version,
        attributes={**attributes, REVIEW_ATTRIBUTE: "1"},
    )
    invitation_id = await testruns.invitation_id_of(session, token=token)
    await reviews_service.record_walk(
        session, link=link, invitation_id=invitation_id, reviewer=reviewer
    )
    return token


async def add_comment(
    session: AsyncSession,
    settings: Settings,
    *,
    token: str,
    question_id: str,
    text: str,
) -> ReviewComment:
    """A comment from the walk whose test link is ``token``, on one question of
    the walked version. Refused once the review link is revoked or expired."""
    text = reviews_service.clean_comment(text)
    invitation_id = await testruns.invitation_id_of(session, token=token)
    return await reviews_service.add_comment(
        session, invitation_id=invitation_id, question_id=question_id, text=text
    )
