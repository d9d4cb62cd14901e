"""The mail worker (``veldwerk worker``): sends what is due, crash-safely.

Loop: recover expired leases, claim a batch, check each row against the
audience *now* (skip who completed, opted out or bounced meanwhile), keep to
the calendar's sending hours, render, then per chunk: commit the hand-over
(``sending``), send with bounded concurrency and paced per domain, commit the
results. A heartbeat renews the leases of everything this worker holds, so a
lease only lapses when the worker is gone. Nothing raised by SMTP or the
database stops the loop: it logs, backs off and carries on.

What to do with each row (send, skip, defer, retry when, give up, pause a
domain) is decided in ``policy``; this module does the I/O around it. The
worker runs mail delivery only: other periodic duties of the process (the
monitor's tallies, retention purges) are handed in as ``Duty`` values by
``app.flows.worker``, which composes the background process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import i18n
from app.config import Settings
from app.db import session_scope, utcnow
from app.errors import InvalidInput
from app.mailings import composer
from app.mailings.delivery import outbox, policy, queries
from app.mailings.delivery.outbox import Result
from app.mailings.delivery.ratelimit import RateLimiter
from app.mailings.delivery.transport import (
    CatcherTransport,
    Delivery,
    SmtpTransport,
    Transport,
)
from app.mailings.models import OutboxMessage, OutboxStatus
from app.mailings.planning import service as mailings_service
from app.mailings.planning.calendar import Calendar
from app.samples import tokens
from app.samples.models import Wave

log = logging.getLogger(__name__)

WAVE_CACHE_SECONDS = 30.0
IDLE_HORIZON = dt.timedelta(seconds=10)
PIPELINE = 2
"""Chunks in flight per worker: at most PIPELINE × handoff_chunk mails can
end up with an unknown fate when the worker is killed."""


@dataclass(frozen=True)
class Duty:
    """Periodic work that shares the worker's process and beat (given by the
    caller, ``app.flows.worker``): run after each housekeeping pass (every
    few seconds) once ``every`` seconds have passed since its last run (0:
    every pass). It commits its own transactions and logs its own results."""

    name: str
    """What it does, for the log line when it fails ("fold the monitor's tallies")."""
    every: float
    run: Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class WaveInfo:
    calendar: Calendar
    facts: composer.WaveFacts


@dataclass
class WorkerStats:
    outcomes: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    reaped_unknown: int = 0


class MailWorker:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        worker_id: str | None = None,
        transport: Transport | None = None,
        duties: Sequence[Duty] = (),
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.id = (
            worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        )
        self.transport = transport or (
            CatcherTransport()
            if settings.smtp.host is None
            else SmtpTransport(settings.smtp)
        )
        self.limiter = RateLimiter(
            per_second=settings.smtp.rate_per_second,
            per_domain_per_minute=settings.smtp.rate_per_domain_per_minute,
        )
        self.lease = dt.timedelta(seconds=settings.worker.lease_seconds)
        self.stats = WorkerStats()
        self.renderer = composer.CachedRenderer(settings)
        self.stopping = asyncio.Event()
        self._tokens: set[str] = set()
        self._waves: dict[int, tuple[float, WaveInfo]] = {}
        self._domain_paused: dict[str, dt.datetime] = {}
        self._relay_down_until: dt.datetime | None = None
        self._relay_strikes = 0
        self._last_reap = 0.0
        self.duties = tuple(duties)
        self._duty_last: dict[str, float] = {}

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, *, until_idle: bool = False) -> WorkerStats:
        """Work until ``stop()`` (or, with ``until_idle``, until nothing is due soon)."""
        heartbeat = asyncio.create_task(self._heartbeat())
        failures = 0
        try:
            while not self.stopping.is_set():
                try:
                    processed = await self.run_once()
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("mail worker cycle failed; backing off")
                    await self._sleep(min(60.0, 2.0**failures))
                    continue
                if processed:
                    continue
                if until_idle and not await self._work_soon():
                    break
                await self._sleep(self._idle_sleep())
        finally:
            heartbeat.cancel()
            await self.transport.close()
        return self.stats

    async def run_once(self) -> int:
        """One cycle: recover, claim, process. Returns the rows claimed."""
        await self._maybe_reap()
        now = utcnow()
        if self._relay_down_until and now < self._relay_down_until:
            return 0
        async with session_scope(self.sessionmaker) as session:
            claim = await outbox.claim_batch(
                session,
                worker=self.id,
                limit=self.settings.worker.batch_size,
                lease=self.lease,
                now=now,
                transport=self.transport.name,
            )
        if claim is None:
            return 0
        self._tokens.add(claim.token)
        self.stats.batches += 1
        try:
            await self._process(claim)
        finally:
            self._tokens.discard(claim.token)
            async with session_scope(self.sessionmaker) as session:
                await outbox.release(session, token=claim.token)
        return len(claim.ids)

    # -- one batch ------------------------------------------------------------
    async def _process(self, claim: outbox.Claim) -> None:
        now = utcnow()
        async with session_scope(self.sessionmaker) as session:
            contexts = await queries.load_send_contexts(session, ids=claim.ids)
            waves = await self._wave_infos(session, {c.wave_id for c in contexts})
            for domain, until in (
                await outbox.active_domain_pauses(session, now=now)
            ).items():
                self._domain_paused[domain] = max(
                    until, self._domain_paused.get(domain, until)
                )
        early: list[Result] = []
        ready: list[policy.SendContext] = []
        for ctx in contexts:
            decided = self._decide(ctx, waves[ctx.wave_id], now)
            if decided is None:
                ready.append(ctx)
            else:
                early.append(decided)
        await self._record(claim.token, early)
        # Chunks go through hand-over, SMTP and recording; PIPELINE of them are
        # in flight at once, so the database commits of one chunk overlap the
        # SMTP traffic of the next.
        slots = asyncio.Semaphore(PIPELINE)
        tasks: list[asyncio.Task[None]] = []
        chunk_size = self.settings.worker.handoff_chunk
        for start in range(0, len(ready), chunk_size):
            await slots.acquire()
            if self.stopping.is_set() or self._relay_down():
                slots.release()
                break  # the rest is released (still 'claimed', never handed over)
            task = asyncio.create_task(
                self._run_chunk(claim.token, ready[start : start + chunk_size], waves)
            )
            task.add_done_callback(lambda _: slots.release())
            tasks.append(task)
        # Let every chunk finish (or fail) before the batch is given back.
        failures = [
            r
            for r in await asyncio.gather(*tasks, return_exceptions=True)
            if r is not None
        ]
        if failures:
            raise failures[0]

    async def _run_chunk(
        self,
        token: str,
        chunk: Sequence[policy.SendContext],
        waves: dict[int, WaveInfo],
    ) -> None:
        now = utcnow()
        built: list[tuple[policy.SendContext, composer.OutgoingMail]] = []
        failed: list[Result] = []
        for ctx in chunk:
            outcome = self._build_or_fail(ctx, waves[ctx.wave_id], now)
            if isinstance(outcome, Result):
                failed.append(outcome)
            else:
                built.append((ctx, outcome))
        await self._record(token, failed)
        await self._send_chunk(token, built, waves)

    def _decide(
        self, ctx: policy.SendContext, wave: WaveInfo, now: dt.datetime
    ) -> Result | None:
        """Skip or defer one row, or None: it may be sent now."""
        decision = policy.admit(
            ctx, calendar=wave.calendar, paused=self._domain_paused, now=now
        )
        if isinstance(decision, policy.Skip):
            return _result(ctx, "skipped", now, skip_reason=decision.reason)
        if isinstance(decision, policy.Defer):
            return _result(ctx, "deferred", now, next_due=decision.until, logged=False)
        return None

    def _build_or_fail(
        self, ctx: policy.SendContext, wave: WaveInfo, now: dt.datetime
    ) -> Result | composer.OutgoingMail:
        address = (ctx.test_recipient if ctx.is_test else ctx.email) or ""
        try:
            return self._build(ctx, wave, address, now)
        except tokens.KeyUnavailable:
            reason = "link kan niet worden gemaakt: sleutel ontbreekt"
            return _result(ctx, "skipped", now, skip_reason=reason)
        except InvalidInput as exc:  # a template fault: fix it, the rows wait
            due = policy.template_fault_retry(now)
            return _result(ctx, "retry", now, error=exc.message, next_due=due)
        except ValueError as exc:
            return _result(ctx, "permanent", now, error=str(exc))

    def _build(
        self, ctx: policy.SendContext, wave: WaveInfo, address: str, now: dt.datetime
    ) -> composer.OutgoingMail:
        token = tokens.token_for(
            self.settings, nonce=ctx.token_nonce, token_key_id=ctx.token_key_id
        )
        recipient = composer.Recipient(
            invitation_id=ctx.invitation_id,
            email=address,
            name=None if ctx.is_test else ctx.name,
            questionnaire=ctx.mailing_questionnaire,
            tier=ctx.invitation_tier,
            function=ctx.invitation_function,
            organisation=ctx.invitation_organisation,
            status=ctx.invitation_status,
            survey_url=tokens.survey_url(self.settings, token),
            language=i18n.invitation_language(ctx.invitation_attributes or {}),
        )
        context = composer.template_context(
            self.settings, recipient=recipient, wave=wave.facts, is_test=ctx.is_test
        )
        template = composer.template_for(
            self.settings, ctx.mailing_questionnaire, ctx.mailing_template,
            recipient.language,
        )  # fmt: skip
        rendered = self.renderer.render(
            questionnaire=ctx.mailing_questionnaire,
            template=template,
            context=context,
        )
        redacted = None
        if self.transport.name == "catcher":  # stored: keep the links out
            redacted = self.renderer.render(
                questionnaire=ctx.mailing_questionnaire,
                template=template,
                context={**context, **composer.REDACTED_LINKS},
            )
        return composer.build_message(
            self.settings,
            outbox_id=ctx.outbox_id,
            invitation_id=ctx.invitation_id,
            to_address=address,
            to_name=recipient.name,
            rendered=rendered,
            is_test=ctx.is_test,
            now=now,
            redacted=redacted,
        )

    async def _send_chunk(
        self,
        token: str,
        chunk: Sequence[tuple[policy.SendContext, composer.OutgoingMail]],
        waves: dict[int, WaveInfo],
    ) -> None:
        now = utcnow()
        clock = time.monotonic()
        go: list[tuple[policy.SendContext, composer.OutgoingMail, float]] = []
        deferred: list[Result] = []
        for ctx, mail in chunk:
            paused = policy.paused_until(self._domain_paused, mail.domain, now=now)
            if paused is not None:
                deferred.append(
                    Result(
                        ctx.outbox_id, "deferred", now, next_due=paused, logged=False
                    )
                )
                continue
            # Book the send slot now, so the whole chunk is paced per domain;
            # what would wait long goes back to the queue instead.
            wait = self.limiter.reserve(mail.domain)
            later = policy.pace(wait=wait, now=now)
            if later is not None:
                self.limiter.cancel(mail.domain)
                deferred.append(
                    Result(
                        ctx.outbox_id,
                        "deferred",
                        now,
                        next_due=later.until,
                        logged=False,
                    )
                )
            else:
                go.append((ctx, mail, clock + wait))
        async with session_scope(self.sessionmaker) as session:
            handed = set(
                await outbox.mark_handed(
                    session,
                    token=token,
                    ids=[c.outbox_id for c, _, _ in go],
                    now=now,
                    lease=self.lease,
                )
            )
        for ctx, mail, _ in go:
            if ctx.outbox_id not in handed:
                self.limiter.cancel(mail.domain)
        results = await asyncio.gather(
            *(
                self._send_one(c, m, at, waves)
                for c, m, at in go
                if c.outbox_id in handed
            )
        )
        await self._record(token, [*deferred, *results])

    async def _send_one(
        self,
        ctx: policy.SendContext,
        mail: composer.OutgoingMail,
        not_before: float,
        waves: dict[int, WaveInfo],
    ) -> Result:
        wait = not_before - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        started = utcnow()
        delivery = await self.transport.send(mail)
        result = Result(
            ctx.outbox_id,
            delivery.kind,
            started,
            code=delivery.code,
            reply=delivery.reply,
            error=delivery.error,
            invitation_id=ctx.invitation_id,
            is_test=ctx.is_test,
        )
        if delivery.kind == "sent":
            self._relay_strikes = 0
            if self.transport.name == "catcher":
                result.caught = _caught(mail, ctx.is_test)
            return result
        if delivery.kind == "permanent" and ctx.is_test:
            result.outcome = "permanent"
            return result
        result.next_due = self._retry_due(ctx, delivery, waves[ctx.wave_id])
        if delivery.domain_wide:
            result.extra["pause_domain"] = mail.domain
        return result

    def _retry_due(
        self, ctx: policy.SendContext, delivery: Delivery, wave: WaveInfo
    ) -> dt.datetime | None:
        now = utcnow()
        # One strike per outage, not per mail in flight when it happened.
        if delivery.kind == "connection" and not self._relay_down():
            self._relay_strikes += 1
            self._relay_down_until = policy.relay_outage_until(
                strikes=self._relay_strikes, now=now, rules=self.settings.worker
            )
        keeps_hours = not ctx.is_test and policy.keeps_hours(ctx.mailing_rule)
        return policy.retry_due(
            delivery.kind,
            temp_failures=ctx.temp_failures,
            relay_down_until=self._relay_down_until,
            now=now,
            jitter=random.uniform(*policy.JITTER),  # noqa: S311
            rules=self.settings.worker,
            calendar=wave.calendar if keeps_hours else None,
            tier=ctx.invitation_tier,
        )

    def _relay_down(self) -> bool:
        return self._relay_down_until is not None and utcnow() < self._relay_down_until

    async def _record(self, token: str, results: Sequence[Result]) -> None:
        if not results:
            return
        now = utcnow()
        async with session_scope(self.sessionmaker) as session:
            recorded = await outbox.record_results(
                session,
                token=token,
                worker=self.id,
                results=results,
                now=now,
                max_attempts=self.settings.worker.max_attempts,
            )
            for domain in {
                str(r.extra["pause_domain"])
                for r in results
                if "pause_domain" in r.extra
            }:
                until = await outbox.pause_domain(
                    session,
                    domain=domain,
                    now=now,
                    base_seconds=self.settings.worker.domain_backoff_seconds,
                    max_seconds=self.settings.worker.domain_backoff_max_seconds,
                    reason="tijdelijk geweigerd (421)",
                )
                self._domain_paused[domain] = until
        done = set(recorded)
        for r in results:
            self.stats.outcomes[r.outcome if r.outbox_id in done else "fenced"] += 1

    # -- housekeeping -----------------------------------------------------------
    async def _maybe_reap(self) -> None:
        interval = min(5.0, self.settings.worker.lease_seconds / 3)
        if time.monotonic() - self._last_reap < interval:
            return
        self._last_reap = time.monotonic()
        async with session_scope(self.sessionmaker) as session:
            reaped = await outbox.reap_expired(session, now=utcnow())
        if reaped.unknown:
            self.stats.reaped_unknown += len(reaped.unknown)
            log.warning(
                "%d mail(s) of unknown fate after a worker stopped: %s",
                len(reaped.unknown),
                reaped.unknown[:20],
            )
        await self._run_duties()

    async def _run_duties(self) -> None:
        """The process's other periodic duties, each at most every ``every``
        seconds, on the housekeeping beat; a failure must never stop the mail."""
        for duty in self.duties:
            last = self._duty_last.get(duty.name, -duty.every)
            if time.monotonic() - last < duty.every:
                continue
            self._duty_last[duty.name] = time.monotonic()
            try:
                await duty.run()
            except Exception:
                log.exception("could not %s", duty.name)

    async def _heartbeat(self) -> None:
        interval = self.settings.worker.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            if not self._tokens:
                continue
            try:
                async with session_scope(self.sessionmaker) as session:
                    await outbox.renew_leases(
                        session, tokens=list(self._tokens), until=utcnow() + self.lease
                    )
            except Exception:
                log.exception("could not renew leases")

    async def _wave_infos(
        self, session: AsyncSession, wave_ids: set[int]
    ) -> dict[int, WaveInfo]:
        now = time.monotonic()
        for wave_id in wave_ids:
            cached = self._waves.get(wave_id)
            if cached and now - cached[0] < WAVE_CACHE_SECONDS:
                continue
            wave = await session.get(Wave, wave_id)
            assert wave is not None
            calendar = await mailings_service.calendar_for_wave(session, wave=wave)
            facts = composer.WaveFacts(wave.name, wave.opens_on, wave.closes_on)
            self._waves[wave_id] = (now, WaveInfo(calendar, facts))
        return {w: self._waves[w][1] for w in wave_ids}

    async def _work_soon(self) -> bool:
        async with session_scope(self.sessionmaker) as session:
            found: int | None = await session.scalar(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status.in_(
                        (
                            OutboxStatus.pending.value,
                            OutboxStatus.claimed.value,
                            OutboxStatus.sending.value,
                        )
                    ),
                    OutboxMessage.due_at <= utcnow() + IDLE_HORIZON,
                    OutboxMessage.is_test.is_(True)
                    | OutboxMessage.mailing_id.in_(outbox._active_mailings()),
                )
                .limit(1)
            )
        return found is not None

    def _idle_sleep(self) -> float:
        if self._relay_down_until is not None:
            remaining = (self._relay_down_until - utcnow()).total_seconds()
            if remaining > 0:
                return min(remaining, 30.0)
        return self.settings.worker.poll_seconds

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def _result(
    ctx: policy.SendContext,
    outcome: policy.Outcome,
    now: dt.datetime,
    *,
    skip_reason: str | None = None,
    error: str | None = None,
    next_due: dt.datetime | None = None,
    logged: bool = True,
) -> Result:
    return Result(
        ctx.outbox_id,
        outcome,
        now,
        invitation_id=ctx.invitation_id,
        is_test=ctx.is_test,
        skip_reason=skip_reason,
        error=error,
        next_due=next_due,
        logged=logged,
    )


def _caught(mail: composer.OutgoingMail, is_test: bool) -> dict[str, object]:
    return {
        "outbox_message_id": mail.outbox_id,
        "message_id": mail.message_id,
        "envelope_from": mail.envelope_from,
        "envelope_to": [mail.recipient],
        "subject": mail.subject[:500],
        "raw": f"Return-Path: <{mail.envelope_from}>\r\n"
        + (mail.stored_copy or mail.data).decode("ascii"),
        "is_test": is_test,
        "caught_at": utcnow(),
    }
