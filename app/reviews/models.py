"""Review links, reviewers' walks and their comments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ReviewLink(Base):
    """An expiring, revocable link to review one version or draft.

    Only the token's SHA-256 is stored: a copy of the database opens nothing.
    """

    __tablename__ = "review_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[str] = mapped_column(String(32), index=True)
    label: Mapped[str] = mapped_column(String(200))
    """Who the link is for or what round it is ("opdrachtgever, ronde 2")."""
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    def is_active(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class ReviewWalk(Base):
    """One reviewer's walk: the test invitation a review link started."""

    __tablename__ = "review_walks"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("review_links.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    reviewer: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewComment(Base):
    """A reviewer's comment on one question of one version or draft."""

    __tablename__ = "review_comments"
    __table_args__ = (
        Index(
            "ix_review_comments_questionnaire_question", "questionnaire", "question_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("review_links.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[str] = mapped_column(String(32))
    version_label: Mapped[str] = mapped_column(String(32))
    """The version or draft (``2026~3f2a9c1e``) the reviewer walked."""
    question_id: Mapped[str] = mapped_column(String(32))
    reviewer: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
