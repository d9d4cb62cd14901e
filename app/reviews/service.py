"""Review links, walks and comments: the service staff routes, public routes and
the CLI call (no HTTP here).

A walk is a test run (samples + responses), so starting one and commenting
from its pages are flows (``app/flows/review_walks.py``); this module keeps
the reviews tables: links, the walk rows and the comments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.questionnaires import service as questionnaires_service
from app.questionnaires.models import QuestionnaireVersion
from app.reviews.models import ReviewComment, ReviewLink, ReviewWalk

TOKEN_BYTES = 24
MAX_DAYS = 90
MAX_COMMENT = 4000
REVIEW_ATTRIBUTE = "review_walk"
"""Marks a test invitation as a reviewer's walk: its pages offer a comment form."""


class ReviewLinkClosed(NotFound):
    """The link is unknown, expired or revoked; all look the same from outside."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(
    session: AsyncSession,
    *,
    version: QuestionnaireVersion,
    label: str,
    days: int,
    created_by_id: int | None,
) -> tuple[ReviewLink, str]:
    """A new review link for ``version`` (published or a draft); returns the token,
    which exists only now: the database keeps its hash."""
    label = " ".join(label.split())
    if not label or len(label) > 200:
        raise InvalidInput("Geef de link een omschrijving (ten hoogste 200 tekens).")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"Een beoordelingslink is 1 tot {MAX_DAYS} dagen geldig.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ReviewLink(
        token_hash=hash_token(token),
        version_id=version.id,
        questionnaire=version.questionnaire,
        label=label,
        created_by_id=created_by_id,
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(link)
    await session.flush()
    return link, token


async def revoke_link(session: AsyncSession, *, link_id: int) -> ReviewLink:
    link = await session.get(ReviewLink, link_id)
    if link is None:
        raise NotFound("Deze beoordelingslink bestaat niet.")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        await session.flush()
    return link


async def open_link(session: AsyncSession, *, token: str) -> ReviewLink:
    """The active link of ``token``; unknown, expired and revoked look the same."""
    if not 16 <= len(token) <= 100:
        raise ReviewLinkClosed(
            "Deze beoordelingslink is onbekend, verlopen of ingetrokken."
        )
    link = await session.scalar(
        select(ReviewLink).where(ReviewLink.token_hash == hash_token(token))
    )
    if link is None or not link.is_active(utcnow()):
        raise ReviewLinkClosed(
            "Deze beoordelingslink is onbekend, verlopen of ingetrokken."
        )
    return link


async def version_of(session: AsyncSession, link: ReviewLink) -> QuestionnaireVersion:
    version = await session.get(QuestionnaireVersion, link.version_id)
    assert version is not None  # the foreign key cascades
    return version


def clean_reviewer(reviewer: str) -> str:
    """The reviewer's name as stored; refused when empty or too long."""
    reviewer = " ".join(reviewer.split())
    if not reviewer or len(reviewer) > 120:
        raise InvalidInput("Vul uw naam in (ten hoogste 120 tekens).")
    return reviewer


async def record_walk(
    session: AsyncSession, *, link: ReviewLink, invitation_id: int, reviewer: str
) -> ReviewWalk:
    """The walk of ``reviewer`` through ``link``: its test invitation, whose
    pages then offer the comment form."""
    walk = ReviewWalk(
        link_id=link.id, invitation_id=invitation_id, reviewer=clean_reviewer(reviewer)
    )
    session.add(walk)
    await session.flush()
    return walk


def clean_comment(text: str) -> str:
    """A comment's text as stored; refused when empty or too long."""
    text = text.strip()
    if not text:
        raise InvalidInput("Schrijf een opmerking.")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"Een opmerking is ten hoogste {MAX_COMMENT} tekens.")
    return text


async def add_comment(
    session: AsyncSession, *, invitation_id: int, question_id: str, text: str
) -> ReviewComment:
    """A comment from the walk of the test invitation ``invitation_id``, on one
    question of the walked version. Refused once the review link is revoked or
    expired."""
    text = clean_comment(text)
    walk = await session.scalar(
        select(ReviewWalk).where(ReviewWalk.invitation_id == invitation_id)
    )
    if walk is None:
        raise NotFound("Opmerkingen plaatst u via een beoordelingslink.")
    link = await session.get(ReviewLink, walk.link_id)
    if link is None or not link.is_active(utcnow()):
        raise ReviewLinkClosed("Deze beoordelingslink is verlopen of ingetrokken.")
    version = await version_of(session, link)
    compiled = questionnaires_service.CompiledVersions(max_size=1).get(version)
    if question_id not in compiled.questions:
        raise InvalidInput("Onbekende vraag.")
    comment = ReviewComment(
        link_id=link.id,
        questionnaire=version.questionnaire,
        version_label=version.version,
        question_id=question_id,
        reviewer=walk.reviewer,
        text=text,
    )
    session.add(comment)
    await session.flush()
    return comment


async def resolve_comment(
    session: AsyncSession, *, comment_id: int, resolved_by_id: int, reopen: bool = False
) -> ReviewComment:
    comment = await session.get(ReviewComment, comment_id)
    if comment is None:
        raise NotFound("Deze opmerking bestaat niet.")
    comment.resolved_at = None if reopen else utcnow()
    comment.resolved_by_id = None if reopen else resolved_by_id
    await session.flush()
    return comment


@dataclass(frozen=True)
class QuestionComments:
    question_id: str
    line: int | None
    """The question's line in the file shown (``None`` when it is no longer there)."""
    text: str | None
    open: tuple[ReviewComment, ...]
    resolved: tuple[ReviewComment, ...]


async def comments_for(
    session: AsyncSession, *, questionnaire: str, source: str | None
) -> list[QuestionComments]:
    """Every comment on ``questionnaire``, grouped per question in the order of
    ``source`` (the file or version now looked at), with the question's line.

    Comments follow the question id, not the version: a comment on the draft
    of round one shows on round two's draft while the question id stays.
    Questions that are gone come last, without a line.
    """
    comments = list(
        await session.scalars(
            select(ReviewComment)
            .where(ReviewComment.questionnaire == questionnaire)
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )
    lines = question_lines(source or "")
    grouped: dict[str, list[ReviewComment]] = {}
    for comment in comments:
        grouped.setdefault(comment.question_id, []).append(comment)
    ordered = sorted(
        grouped,
        key=lambda qid: (qid not in lines, lines.get(qid, 0), qid),
    )
    return [
        QuestionComments(
            question_id=qid,
            line=lines.get(qid),
            text=None,
            open=tuple(c for c in grouped[qid] if c.resolved_at is None),
            resolved=tuple(c for c in grouped[qid] if c.resolved_at is not None),
        )
        for qid in ordered
    ]


_ID_LINE = re.compile(
    r"^\s*(?:-\s*)?\{?\s*id:\s*['\"]?([a-z][a-z0-9_]*)['\"]?\s*[,}\s]"
)


def question_lines(source: str) -> dict[str, int]:
    """The first line (1-based) on which each ``id:`` is declared in a YAML file.

    Block, page, question, row and option ids share the pattern; the first
    declaration wins, and question ids are unique within a file.
    """
    lines: dict[str, int] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        match = _ID_LINE.match(line + " ")
        if match is not None:
            lines.setdefault(match.group(1), number)
    return lines


async def list_links(session: AsyncSession, *, questionnaire: str) -> list[ReviewLink]:
    return list(
        await session.scalars(
            select(ReviewLink)
            .where(ReviewLink.questionnaire == questionnaire)
            .order_by(ReviewLink.created_at.desc(), ReviewLink.id.desc())
        )
    )


__all__ = [
    "ReviewLinkClosed",
    "add_comment",
    "clean_comment",
    "clean_reviewer",
    "comments_for",
    "create_link",
    "list_links",
    "open_link",
    "question_lines",
    "record_walk",
    "resolve_comment",
    "revoke_link",
    "utcnow",
    "version_of",
]
