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
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, InvalidInput, TooManyRequests
from app.staff import throttle, twofactor
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


async def get_user_by_email(session: AsyncSession, email: str) -> StaffUser | None:
    return await session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower())
    )


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
    stage: str = "full"
    """``full``, or ``code``/``enrol`` when the second factor is still due."""


PENDING_MINUTES = 10
"""How long a password-only session may wait for its second factor."""


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures lock an account (and an address), and for how long."""

    account: throttle.Limit
    address: throttle.Limit
    known_address: dt.timedelta = dt.timedelta(days=90)
    """An address an account logged in from this recently is not held to the
    address lock for that account (a shared proxy locks nobody out)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        window = dt.timedelta(minutes=settings.login_window_minutes)
        lock_max = dt.timedelta(minutes=settings.login_lock_max_minutes)
        return cls(
            account=throttle.Limit(
                settings.login_max_failures, window, window, lock_max
            ),
            address=throttle.Limit(
                settings.login_address_max_failures, window, window, lock_max
            ),
        )


async def _known_address(
    session: AsyncSession, *, email: str, ip: str, since: dt.datetime
) -> bool:
    found = await session.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.email == email,
            LoginAttempt.ip == ip,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.attempted_at >= since,
        )
        .limit(1)
    )
    return found is not None


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    ip: str,
    policy: LoginPolicy,
    session_hours: int,
    two_factor_roles: frozenset[str] = frozenset(),
) -> LoginResult:
    """Check a login and open a session. Every attempt is recorded.

    An account with a second factor (or whose role needs one) gets a
    short-lived session of stage ``code`` (or ``enrol``) that opens nothing
    but the second step; ``complete_second_factor`` turns it into a full one.

    The attempt is counted (``throttle.reserve``) before the password is
    checked, per address and per account, so the limit holds under
    concurrency in every process; raises ``TooManyRequests`` when locked.
    Unknown accounts take as long as wrong passwords (a dummy hash is
    verified), so timing does not tell which addresses have an account.
    """
    email = email.strip().lower()[:320]
    now = utcnow()
    address_key = f"ip:{ip}"
    checks_address = not await _known_address(
        session, email=email, ip=ip, since=now - policy.known_address
    )
    for key, limit, applies in (
        (address_key, policy.address, checks_address),
        (f"account:{email}", policy.account, True),
    ):
        if not applies:
            continue
        until = await throttle.reserve(session, key=key, limit=limit, now=now)
        if until is not None:
            await record_audit(
                session, actor=email or "?", action="login.refused",
                details={"ip": ip, "locked_until": until.isoformat(timespec="seconds"),
                         "by": key.split(":", 1)[0]},
            )  # fmt: skip
            raise TooManyRequests(throttle.wait_message(until, now))
    user = await session.scalar(select(StaffUser).where(StaffUser.email == email))
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(email=email, ip=ip, succeeded=ok, attempted_at=now))
    if not ok or user is None:
        await record_audit(
            session,
            actor=email or "?",
            action="login.failed",
            details={"ip": ip, "account": "known" if user else "unknown"},
        )
        return LoginResult(None, None, "E-mailadres of wachtwoord klopt niet.")
    await throttle.clear(session, key=f"account:{email}")
    if checks_address:
        await throttle.forgive_one(session, key=address_key)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    if user.two_factor_enabled or user.role in two_factor_roles:
        stage = "code" if user.two_factor_enabled else "enrol"
        token = await open_session(
            session, user=user, minutes=PENDING_MINUTES, stage=stage
        )
        await record_audit(
            session, actor=user, action="login.password", details={"ip": ip, "next": stage}
        )  # fmt: skip
        return LoginResult(user, token, None, stage)
    user.last_login_at = now
    token = await open_session(session, user=user, minutes=session_hours * 60)
    await record_audit(session, actor=user, action="login", details={"ip": ip})
    return LoginResult(user, token, None)


async def complete_second_factor(
    session: AsyncSession,
    *,
    pending: StaffSession,
    user: StaffUser,
    code: str,
    ip: str,
    policy: LoginPolicy,
    session_hours: int,
) -> str | None:
    """Check the code of a ``code``-stage session; on success the pending
    session is replaced by a full one (a new token) and returned. Throttled
    per account like the password; raises ``TooManyRequests`` when locked."""
    now = utcnow()
    key = f"totp:{user.id}"
    until = await throttle.reserve(session, key=key, limit=policy.account, now=now)
    if until is not None:
        await record_audit(
            session, actor=user, action="login.refused",
            details={"ip": ip, "by": "totp",
                     "locked_until": until.isoformat(timespec="seconds")},
        )  # fmt: skip
        raise TooManyRequests(throttle.wait_message(until, now))
    if not await twofactor.check_code(session, user=user, code=code, now=now):
        await record_audit(
            session, actor=user, action="login.failed",
            details={"ip": ip, "factor": "totp"},
        )  # fmt: skip
        return None
    await throttle.clear(session, key=key)
    return await upgrade_session(
        session, pending=pending, user=user, hours=session_hours, ip=ip
    )


async def upgrade_session(
    session: AsyncSession,
    *,
    pending: StaffSession,
    user: StaffUser,
    hours: int,
    ip: str,
) -> str:
    """The second factor is done: a full session under a new token."""
    await session.delete(pending)
    user.last_login_at = utcnow()
    token = await open_session(session, user=user, minutes=hours * 60)
    await record_audit(
        session, actor=user, action="login", details={"ip": ip, "second_factor": True}
    )
    return token


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def open_session(
    session: AsyncSession, *, user: StaffUser, minutes: int, stage: str = "full"
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id_hash=hash_token(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            stage=stage,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
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
