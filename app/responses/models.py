"""Responses (answers) and per-page paradata.

A response belongs to an invitation, not to a contact: it holds no name or
address. It is pinned to the questionnaire version it started on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.samples.states import InvitationStatus


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(
        String(16), default=InvitationStatus.started.value
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_pages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    response_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped on every saved page; guards against lost updates from two tabs."""
    language: Mapped[str | None] = mapped_column(String(8))
    """The language the respondent answers in (``nl``, ``en``); empty means the
    version's own language (responses started before translations existed)."""


class PageVisit(Base):
    """Time spent per page, as paradata for analysts and for burden reports."""

    __tablename__ = "page_visits"
    __table_args__ = (UniqueConstraint("response_id", "page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE")
    )
    page_id: Mapped[str] = mapped_column(String(32))
    first_shown_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_shown_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    """The last submit (a double submit or a later revisit moves it)."""
    first_submitted_at: Mapped[dt.datetime | None]
    """The first submit: time on page is ``first_submitted_at - first_shown_at``."""
    seconds_spent: Mapped[float] = mapped_column(default=0.0)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
