"""ORM models of the mailings domain.

``fieldwork_calendars`` and ``recesses`` describe when mail may go out;
``mailings`` is the plan (a rule and an audience, stored as JSON);
``outbox_messages`` holds one row per (invitation, mailing) with a unique
``dedup_key``; ``mail_attempts`` logs every try; ``caught_mails`` is the
embedded mail catcher; ``mail_domain_pauses`` lets all workers back off from a
receiving domain that greylists.

No table here holds a name or an e-mail address except ``caught_mails`` (a copy
of what was "sent" in catcher mode), which is purged with the contacts.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, utcnow


class MailingStatus(enum.StrEnum):
    draft = "draft"
    """Planned; nothing is enqueued yet."""
    scheduled = "scheduled"
    """Enqueued; the worker sends rows as they fall due."""
    paused = "paused"
    """Enqueued, but the worker claims none of its rows."""
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return {
            "draft": "concept",
            "scheduled": "ingepland",
            "paused": "gepauzeerd",
            "cancelled": "geannuleerd",
        }[self.value]


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    """Waiting for ``due_at``."""
    claimed = "claimed"
    """Claimed by a worker (lease), not yet handed to SMTP: safe to release."""
    sending = "sending"
    """Handed to SMTP; the result is not recorded yet."""
    sent = "sent"
    failed = "failed"
    """Given up: a permanent answer about the recipient (the invitation is then
    undeliverable), or too many temporary or non-recipient refusals (a failure
    of the mailing; the address stays good)."""
    skipped = "skipped"
    """Not sent on purpose (completed, opted out, ...): see ``skip_reason``."""
    unknown = "unknown"
    """The worker died between handing over and recording: fate unknown. Only
    a manager's explicit decision resends it."""
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return {
            "pending": "wacht",
            "claimed": "opgepakt",
            "sending": "wordt verstuurd",
            "sent": "verstuurd",
            "failed": "mislukt",
            "skipped": "overgeslagen",
            "unknown": "onbekend",
            "cancelled": "geannuleerd",
        }[self.value]


class FieldworkCalendar(Base):
    """When a wave's mail may go out: sending weekdays and hours, holiday options.

    The fieldwork window itself is the wave's ``opens_on``/``closes_on``."""

    __tablename__ = "fieldwork_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), unique=True
    )
    sending_weekdays: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [2, 3, 4])
    """ISO weekdays (1 = Monday)."""
    send_from: Mapped[dt.time] = mapped_column(Time, default=dt.time(9, 0))
    send_until: Mapped[dt.time] = mapped_column(Time, default=dt.time(16, 0))
    liberation_day_every_year: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Recess(Base):
    """A recess (respondents away), for every tier (``tier`` NULL) or one tier."""

    __tablename__ = "recesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(32))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)


class Mailing(TimestampMixin, Base):
    """One mailing of a plan: invitation or reminder, its rule and audience."""

    __tablename__ = "mailings"
    __table_args__ = (UniqueConstraint("wave_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=MailingStatus.draft.value)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    scheduled_at: Mapped[dt.datetime | None]
    scheduled_by: Mapped[str | None] = mapped_column(String(320))
    paused_at: Mapped[dt.datetime | None]

    @property
    def status_enum(self) -> MailingStatus:
        return MailingStatus(self.status)


class OutboxMessage(TimestampMixin, Base):
    """One mail to send: the (invitation, mailing) pair, unique by ``dedup_key``.

    The address is not copied here: the worker reads it from the contact at
    send time (so a purge or a correction takes effect, and nothing is kept).
    ``claim_token`` fences results: only the holder of the current claim may
    record an outcome.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_claim", "status", "due_at"),
        Index("ix_outbox_messages_mailing_status", "mailing_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(100), unique=True)
    mailing_id: Mapped[int] = mapped_column(
        ForeignKey("mailings.id", ondelete="CASCADE")
    )
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    test_recipient: Mapped[str | None] = mapped_column(String(320))
    """Staff address a test mail goes to (never a respondent)."""
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending.value)
    send_at: Mapped[dt.datetime]
    """The planned moment (per tier); ``due_at`` moves with retries and deferrals."""
    due_at: Mapped[dt.datetime]
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None]
    transport: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    temp_failures: Mapped[int] = mapped_column(Integer, default=0)
    handed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    last_code: Mapped[int | None]
    last_reply: Mapped[str | None] = mapped_column(String(1000))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    resolved_by: Mapped[str | None] = mapped_column(String(320))
    """Who resent or confirmed a mail of unknown fate."""

    @property
    def status_enum(self) -> OutboxStatus:
        return OutboxStatus(self.status)


class MailAttempt(Base):
    """One try at sending an outbox message (or at deciding to skip it)."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    """sent, temporary, rejected, permanent, connection, skipped, deferred, retry"""
    smtp_code: Mapped[int | None]
    smtp_reply: Mapped[str | None] = mapped_column(String(1000))
    error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[dt.datetime | None]


class CaughtMail(Base):
    """A mail the platform caught instead of sending (no SMTP host configured)."""

    __tablename__ = "caught_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(200))
    envelope_from: Mapped[str] = mapped_column(String(320))
    envelope_to: Mapped[list[Any]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str] = mapped_column(Text)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    caught_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class MailDomainPause(Base):
    """A receiving domain that answered 421/451: every worker waits until
    ``paused_until`` before offering it more mail."""

    __tablename__ = "mail_domain_pauses"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    paused_until: Mapped[dt.datetime]
    strikes: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
