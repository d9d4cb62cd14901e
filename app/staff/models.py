"""Staff accounts, server-side sessions, login attempts and the audit log."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, utcnow


class Role(enum.StrEnum):
    researcher = "researcher"
    fieldwork_manager = "fieldwork_manager"
    analyst = "analyst"
    admin = "admin"

    @property
    def label(self) -> str:
        return {
            "researcher": "onderzoeker",
            "fieldwork_manager": "veldwerkmanager",
            "analyst": "analist",
            "admin": "beheerder",
        }[self.value]


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    """Base32 TOTP secret (RFC 6238); set at enrolment, in use once confirmed."""
    totp_enabled_at: Mapped[dt.datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    """The last 30-second step whose code was accepted: a code is used once."""

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class StaffSession(Base):
    """A login session. The cookie holds a random id; only its hash is stored,
    so a database copy cannot be used to take over a session. Logout deletes
    the row: the session is over for good, in every process."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(8), default="full", server_default="full")
    """``full``; ``code`` (password given, second factor still asked) or
    ``enrol`` (password given, the role needs two-factor login first set up)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class RecoveryCode(Base):
    """One-time codes for when the authenticator is lost; argon2id hashes only."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """Failed and successful logins; the throttle counts these in the database so
    the limit holds across all app processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginThrottle(Base):
    """Failed-attempt counter and lock of one account, address or second factor.

    One row per key (``account:<email>``, ``ip:<address>``, ``totp:<user id>``),
    counted up with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
    *before* the password is checked: the row lock makes concurrent attempts
    on one key wait for each other in every process, so no more than the
    limit are ever checked. ``lockouts`` doubles the next lock (reset by a
    successful login).
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]
    lockouts: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Who did what that matters afterwards: publishing, purging, exporting."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(320))
    """E-mail of the staff member or ``cli:<os user>``; kept if the account goes."""
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
