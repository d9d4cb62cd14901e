"""The outbox: claiming due mail safely across processes, and recording results.

Life of a row: ``pending`` → (``claim_batch``) ``claimed`` → (``mark_handed``,
committed *before* SMTP sees the message) ``sending`` → ``sent`` / ``failed`` /
back to ``pending`` for a retry. ``skipped`` when the audience changed.

* Claims carry a lease and a random ``claim_token``. Results are recorded only
  for rows still holding the caller's token (fencing, checked under a row lock
  in the recording transaction), so a worker that lost its lease cannot
  overwrite a newer claim.
* ``reap_expired`` handles workers that died: ``claimed`` rows go back to
  ``pending`` (nothing was handed over), ``sending`` rows become ``unknown``
  (handed to SMTP, outcome never recorded): reported, never silently resent.
  Catcher-mode rows go back to ``pending``: catching and recording are one
  transaction, so an unrecorded catch never happened.
* PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``; SQLite has one writer at
  a time (``BEGIN IMMEDIATE``), and the claim is a conditional UPDATE anyway.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.mailings.delivery import policy
from app.mailings.delivery.policy import Outcome
from app.mailings.models import (
    CaughtMail,
    MailAttempt,
    MailDomainPause,
    Mailing,
    MailingStatus,
    OutboxMessage,
    OutboxStatus,
)
from app.samples import service as samples_service

_T = cast(Table, OutboxMessage.__table__)


def _active_mailings() -> Select[Any]:
    return select(Mailing.id).where(Mailing.status == MailingStatus.scheduled.value)


@dataclass(frozen=True)
class Claim:
    token: str
    worker: str
    ids: list[int]


async def claim_batch(
    session: AsyncSession,
    *,
    worker: str,
    limit: int,
    lease: dt.timedelta,
    now: dt.datetime,
    transport: str,
) -> Claim | None:
    """Claim up to ``limit`` due rows of active mailings (and test mails).

    Two workers never get the same row: on PostgreSQL the candidate rows are
    locked with SKIP LOCKED, and on both backends the UPDATE only takes rows
    that are still ``pending``.
    """
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.pending.value,
            OutboxMessage.due_at <= now,
            or_(
                OutboxMessage.is_test.is_(True),
                OutboxMessage.mailing_id.in_(_active_mailings()),
            ),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(candidates))
    if not ids:
        return None
    token = str(uuid.uuid4())
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.pending.value,
        )
        .values(
            status=OutboxStatus.claimed.value,
            claim_token=token,
            claimed_by=worker,
            lease_expires_at=now + lease,
            transport=transport,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(result.scalars())
    return Claim(token=token, worker=worker, ids=claimed) if claimed else None


async def mark_handed(
    session: AsyncSession,
    *,
    token: str,
    ids: Sequence[int],
    now: dt.datetime,
    lease: dt.timedelta,
) -> list[int]:
    """Mark rows as handed to SMTP (commit this before sending!).

    Returns the ids that may be sent: still ours, still ``claimed``, and their
    mailing not paused or cancelled meanwhile (those stay ``claimed`` and are
    given back by ``release`` when the worker finishes the batch).
    """
    if not ids:
        return []
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claim_token == token,
            OutboxMessage.status == OutboxStatus.claimed.value,
            or_(
                OutboxMessage.is_test.is_(True),
                OutboxMessage.mailing_id.in_(_active_mailings()),
            ),
        )
        .values(
            status=OutboxStatus.sending.value,
            handed_at=now,
            attempts=OutboxMessage.attempts + 1,
            lease_expires_at=now + lease,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def _released() -> dict[str, object]:
    return {
        "status": OutboxStatus.pending.value,
        "claim_token": None,
        "claimed_by": None,
        "lease_expires_at": None,
    }


async def release(session: AsyncSession, *, token: str) -> int:
    """Give back rows claimed but never handed over (shutdown, relay down)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.claim_token == token,
            OutboxMessage.status == OutboxStatus.claimed.value,
        )
        .values(**_released())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def renew_leases(
    session: AsyncSession, *, tokens: Sequence[str], until: dt.datetime
) -> int:
    if not tokens:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.claim_token.in_(list(tokens)),
            OutboxMessage.status.in_(
                (OutboxStatus.claimed.value, OutboxStatus.sending.value)
            ),
        )
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReapResult:
    released: int
    unknown: list[int]


async def reap_expired(session: AsyncSession, *, now: dt.datetime) -> ReapResult:
    """Recover rows of workers whose lease ran out (see the module docstring)."""
    expired = OutboxMessage.lease_expires_at < now
    released = await session.execute(
        update(OutboxMessage)
        .where(
            expired,
            or_(
                OutboxMessage.status == OutboxStatus.claimed.value,
                (OutboxMessage.status == OutboxStatus.sending.value)
                & (OutboxMessage.transport == "catcher"),
            ),
        )
        .values(**_released())
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(expired, OutboxMessage.status == OutboxStatus.sending.value)
        .values(
            status=OutboxStatus.unknown.value,
            finished_at=now,
            last_error="De worker stopte nadat de mail aan de SMTP-server was "
            "gegeven en voordat het resultaat was vastgelegd.",
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.attempts,
            OutboxMessage.claimed_by,
            OutboxMessage.handed_at,
        )
        .execution_options(synchronize_session=False)
    )
    unknown = result.all()
    if unknown:
        await session.execute(
            insert(MailAttempt),
            [
                {
                    "outbox_message_id": row_id,
                    "attempt": attempts,
                    "worker": claimed_by or "?",
                    "started_at": handed_at or now,
                    "finished_at": now,
                    "outcome": "unknown",
                    "error": "lease verlopen tijdens verzenden",
                }
                for row_id, attempts, claimed_by, handed_at in unknown
            ],
        )
    return ReapResult(
        released=int(released.rowcount or 0),  # type: ignore[attr-defined]
        unknown=[row[0] for row in unknown],
    )


@dataclass
class Result:
    """What became of one claimed row."""

    outbox_id: int
    outcome: Outcome
    started_at: dt.datetime
    code: int | None = None
    reply: str | None = None
    error: str | None = None
    next_due: dt.datetime | None = None
    skip_reason: str | None = None
    invitation_id: int | None = None
    is_test: bool = False
    caught: dict[str, object] | None = None
    logged: bool = True
    """Whether the result is worth a ``mail_attempts`` row (deferrals are not)."""
    extra: dict[str, object] = field(default_factory=dict)


async def record_results(
    session: AsyncSession,
    *,
    token: str,
    worker: str,
    results: Sequence[Result],
    now: dt.datetime,
    max_attempts: int,
) -> list[int]:
    """Record outcomes for rows still held under ``token``; returns the ids
    recorded. Rows whose claim was lost (fenced) are left alone."""
    if not results:
        return []
    state = {
        row_id: (attempts, temp_failures)
        for row_id, attempts, temp_failures in (
            await session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.attempts,
                    OutboxMessage.temp_failures,
                )
                .where(
                    OutboxMessage.id.in_([r.outbox_id for r in results]),
                    OutboxMessage.claim_token == token,
                    OutboxMessage.status.in_(
                        (
                            OutboxStatus.claimed.value,
                            OutboxStatus.sending.value,
                            OutboxStatus.unknown.value,
                        )
                    ),
                )
                .with_for_update()
            )
        ).all()
    }
    mine = [r for r in results if r.outbox_id in state]
    if not mine:
        return []
    updates = [_row_update(r, state[r.outbox_id], now, max_attempts) for r in mine]
    await session.execute(
        update(_T).where(_T.c.id == bindparam("b_id")),
        updates,
    )
    attempts = [
        _attempt_row(r, state[r.outbox_id][0], worker, now) for r in mine if r.logged
    ]
    if attempts:
        await session.execute(insert(MailAttempt), attempts)
    caught = [r.caught for r in mine if r.caught is not None and r.outcome == "sent"]
    if caught:
        await session.execute(insert(CaughtMail), caught)
    await _update_invitations(session, mine, now)
    return [r.outbox_id for r in mine]


def _row_update(
    result: Result, state: tuple[int, int], now: dt.datetime, max_attempts: int
) -> dict[str, object]:
    _, temp_failures = state
    values: dict[str, object] = {
        "b_id": result.outbox_id,
        "claim_token": None,
        "claimed_by": None,
        "lease_expires_at": None,
        "last_code": result.code,
        "last_reply": _clip(result.reply),
        "last_error": _clip(result.error),
        "temp_failures": temp_failures,
        "skip_reason": result.skip_reason,
        "sent_at": None,
        "finished_at": None,
        "due_at": result.next_due or now,
    }
    settled = policy.settle(
        result.outcome, temp_failures=temp_failures, max_attempts=max_attempts
    )
    values.update(status=settled.status.value, temp_failures=settled.temp_failures)
    if settled.final:
        values["finished_at"] = now
    if settled.status is OutboxStatus.sent:
        values["sent_at"] = now
    return values


def _attempt_row(
    result: Result, attempts: int, worker: str, now: dt.datetime
) -> dict[str, object]:
    return {
        "outbox_message_id": result.outbox_id,
        "attempt": attempts,
        "worker": worker,
        "started_at": result.started_at,
        "finished_at": now,
        "outcome": result.outcome,
        "smtp_code": result.code,
        "smtp_reply": _clip(result.reply),
        "error": _clip(result.error or result.skip_reason),
        "next_attempt_at": result.next_due
        if policy.logs_next_attempt(result.outcome)
        else None,
    }


async def _update_invitations(
    session: AsyncSession, results: Sequence[Result], now: dt.datetime
) -> None:
    """Keep the mail facts on invitations current (never for test mails)."""
    mailed = [
        r.invitation_id
        for r in results
        if policy.counts_as_mailed(r.outcome, is_test=r.is_test)
        and r.invitation_id is not None
    ]
    if mailed:
        await samples_service.record_mailed(session, invitation_ids=mailed, at=now)
    undeliverable = [
        r
        for r in results
        if policy.makes_undeliverable(r.outcome, is_test=r.is_test)
        and r.invitation_id is not None
    ]
    for r in undeliverable:
        reason = policy.undeliverable_reason(r.code, r.reply, r.error)
        await mark_undeliverable(
            session, invitation_id=r.invitation_id or 0, reason=reason, now=now
        )


async def mark_undeliverable(
    session: AsyncSession, *, invitation_id: int, reason: str, now: dt.datetime
) -> bool:
    """Mark an invitation undeliverable (first reason wins); True if it changed."""
    return await samples_service.mark_undeliverable(
        session, invitation_id=invitation_id, reason=_clip(reason, 500) or "", now=now
    )


def _clip(value: str | None, length: int = 1000) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value if len(value) <= length else value[: length - 1] + "…"


# -- receiving domains that asked us to slow down -----------------------------


async def active_domain_pauses(
    session: AsyncSession, *, now: dt.datetime
) -> dict[str, dt.datetime]:
    rows = await session.execute(
        select(MailDomainPause.domain, MailDomainPause.paused_until).where(
            MailDomainPause.paused_until > now
        )
    )
    return dict(rows.all())


async def pause_domain(
    session: AsyncSession,
    *,
    domain: str,
    now: dt.datetime,
    base_seconds: float,
    reason: str,
    max_seconds: float = 600.0,
) -> dt.datetime:
    """Back off from ``domain``, doubling per strike while it keeps refusing."""
    pause = await session.get(MailDomainPause, domain, with_for_update=True)
    if pause is None:
        pause = MailDomainPause(domain=domain, strikes=0, paused_until=now)
        session.add(pause)
    decided = policy.domain_pause(
        strikes=pause.strikes,
        last_strike_at=pause.updated_at,
        paused_until=pause.paused_until,
        now=now,
        base_seconds=base_seconds,
        max_seconds=max_seconds,
    )
    pause.strikes, pause.paused_until = decided.strikes, decided.until
    pause.reason = _clip(reason, 500) or ""
    pause.updated_at = now
    await session.flush()
    return pause.paused_until
