"""Two-factor staff login: TOTP (RFC 6238, via pyotp) and recovery codes.

Staff who can see names and addresses of officials under threat (fieldwork
managers, analysts with the working file, admins) log in with a password and
a code from an authenticator app. A code is accepted once: the 30-second step
it belongs to is stored per account and only a later step is accepted after
it (an atomic conditional UPDATE, so two simultaneous uses cannot both pass).
Recovery codes are shown once and stored as argon2id hashes like passwords.
The code step is throttled like the password (``throttle``, key
``totp:<user id>``). Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.staff.models import RecoveryCode, Role, StaffSession, StaffUser

ISSUER = "veldwerk"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_hasher = PasswordHasher()


def required_for(settings: Settings, role: Role) -> bool:
    """Whether ``role`` must log in with a second factor under ``settings``."""
    return role.value in settings.effective_two_factor_roles


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (typed or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step (now, or one either side for clock drift) whose code is ``code``."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


async def use_step(session: AsyncSession, *, user_id: int, step: int) -> bool:
    """Record ``step`` as used; False if it (or a later one) was used already."""
    result = await session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user_id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def check_code(
    session: AsyncSession, *, user: StaffUser, code: str, now: dt.datetime
) -> bool:
    """A TOTP code (once) or an unused recovery code (once)."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is not None:
        return await use_step(session, user_id=user.id, step=step)
    return await use_recovery_code(session, user=user, code=code)


def _normalise_recovery(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


async def new_recovery_codes(session: AsyncSession, *, user: StaffUser) -> list[str]:
    """Replace the account's recovery codes; the plain codes exist only in the result."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hasher.hash(raw)))
    await session.flush()
    return codes


async def use_recovery_code(
    session: AsyncSession, *, user: StaffUser, code: str
) -> bool:
    wanted = _normalise_recovery(code)
    if len(wanted) != 10:
        return False
    unused = await session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    for row in unused:
        try:
            matches: bool = _hasher.verify(row.code_hash, wanted)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            matches = False
        if matches:
            used = await session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return bool(used.rowcount)  # type: ignore[attr-defined]
    return False


async def remaining_recovery_codes(session: AsyncSession, *, user_id: int) -> int:
    rows = await session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(list(rows))


async def start_enrolment(session: AsyncSession, *, user: StaffUser) -> str:
    """A fresh secret, not yet in use (until a code from it is confirmed)."""
    if user.totp_secret is None or user.totp_enabled_at is None:
        user.totp_secret = user.totp_secret or new_secret()
        await session.flush()
    return user.totp_secret


async def confirm_enrolment(
    session: AsyncSession, *, user: StaffUser, code: str, now: dt.datetime
) -> list[str] | None:
    """Turn on two-factor login if ``code`` fits the pending secret; the
    recovery codes to show once, or None."""
    if user.totp_secret is None or user.totp_enabled_at is not None:
        return None
    step = matching_step(user.totp_secret, code, now)
    if step is None or not await use_step(session, user_id=user.id, step=step):
        return None
    user.totp_enabled_at = now
    user.totp_last_step = step
    return await new_recovery_codes(session, user=user)


async def reset(session: AsyncSession, *, user: StaffUser) -> None:
    """Forget the second factor (lost phone): the next login enrols again.
    Every session of the account ends."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    await session.flush()
