"""Staff accounts, login with throttling, server-side sessions, audit log.

Callable without HTTP (the CLI adds users). Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import Conflict, InvalidInput, TooManyRequests
from app.staff.models import AuditEvent, LoginAttempt, Role, StaffSession, StaffUser
from app.staff.schemas import StaffContext

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile; stateless
_DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")
MIN_PASSWORD_LENGTH = 12


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    try:
        return validate_email(
            email.strip(), check_deliverability=False, test_environment=True
        ).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(f"Ongeldig e-mailadres: {exc}") from exc


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens."
        )


async def create_user(
    session: AsyncSession, *, email: str, name: str, role: Role, password: str
) -> StaffUser:
    email = normalise_email(email)
    check_password_strength(password)
    existing = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    if existing is not None:
        raise Conflict(f"Er is al een account voor {email}.")
    user = StaffUser(
        email=email,
        name=name.strip() or email,
        role=role.value,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    await session.flush()
    return user


async def set_password(
    session: AsyncSession, *, user: StaffUser, password: str
) -> None:
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    # A new password ends every existing session of that account.
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    await session.flush()


async def list_users(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.email)))


async def get_user(session: AsyncSession, user_id: int) -> StaffUser | None:
    return await session.get(StaffUser, user_id)


async def set_active(session: AsyncSession, *, user: StaffUser, active: bool) -> None:
    user.is_active = active
    if not active:
        await session.execute(
            delete(StaffSession).where(StaffSession.user_id == user.id)
        )
    await session.flush()


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | None
    session_token: str | None
    message: str | None


async def _recent_failures(
    session: AsyncSession, *, column: str, value: str, since: dt.datetime
) -> tuple[int, dt.datetime | None]:
    col = getattr(LoginAttempt, column)
    row = (
        await session.execute(
            select(func.count(), func.min(LoginAttempt.attempted_at)).where(
                col == value,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at >= since,
            )
        )
    ).one()
    return int(row[0]), row[1]


async def check_throttle(
    session: AsyncSession,
    *,
    email: str,
    ip: str,
    max_failures: int,
    window: dt.timedelta,
) -> None:
    """Refuse a login attempt after too many recent failures for the address or IP.

    Counted in the database, so the limit holds across every app process; an
    in-memory limiter would give each worker its own budget.
    """
    now = utcnow()
    since = now - window
    for column, value, limit in (
        ("email", email, max_failures),
        ("ip", ip, max_failures * 4),
    ):
        count, oldest = await _recent_failures(
            session, column=column, value=value, since=since
        )
        if count >= limit and oldest is not None:
            wait = max(1, int(((oldest + window) - now).total_seconds() // 60) + 1)
            raise TooManyRequests(
                f"Te veel mislukte inlogpogingen. Probeer het over {wait} minuten opnieuw."
            )


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    ip: str,
    max_failures: int,
    window: dt.timedelta,
    session_hours: int,
) -> LoginResult:
    """Check a login and open a session. Every attempt is recorded.

    Unknown accounts take as long as wrong passwords (a dummy hash is
    verified), so timing does not tell which addresses have an account.
    """
    email = email.strip().lower()[:320]
    await check_throttle(
        session, email=email, ip=ip, max_failures=max_failures, window=window
    )
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, ip=ip, succeeded=ok))
    if not ok or user is None:
        await session.flush()
        return LoginResult(None, None, "E-mailadres of wachtwoord klopt niet.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    token = await open_session(session, user=user, hours=session_hours)
    return LoginResult(user, token, None)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def open_session(session: AsyncSession, *, user: StaffUser, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id_hash=hash_token(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    await session.flush()
    return token


async def resolve_session(
    session: AsyncSession, *, token: str
) -> tuple[StaffSession, StaffUser] | None:
    if not token or len(token) > 100:
        return None
    row = (
        await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(StaffSession.id_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    staff_session, user = row
    now = utcnow()
    if staff_session.expires_at <= now or not user.is_active:
        await session.delete(staff_session)
        return None
    if now - staff_session.last_seen_at > dt.timedelta(minutes=5):
        staff_session.last_seen_at = now
    return staff_session, user


async def close_session(session: AsyncSession, *, token: str) -> None:
    await session.execute(
        delete(StaffSession).where(StaffSession.id_hash == hash_token(token))
    )


async def record_audit(
    session: AsyncSession,
    *,
    actor: StaffUser | StaffContext | str,
    action: str,
    target: str = "",
    details: dict[str, object] | None = None,
) -> AuditEvent:
    """Log an action that matters afterwards (publish, purge, export, user change)."""
    event = AuditEvent(
        staff_user_id=None if isinstance(actor, str) else actor.id,
        actor=actor if isinstance(actor, str) else actor.email,
        action=action,
        target=target,
        details=details or {},
    )
    session.add(event)
    await session.flush()
    return event


async def list_audit(session: AsyncSession, *, limit: int = 200) -> list[AuditEvent]:
    return list(
        await session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        )
    )
