"""The mail worker (``veldwerk worker``): sends what is due, crash-safely.

Loop: recover expired leases, claim a batch, check each row against the
audience *now* (skip who completed, opted out or bounced meanwhile), keep to
the calendar's sending hours, render, then per chunk: commit the hand-over
(``sending``), send with bounded concurrency and paced per domain, commit the
results. A heartbeat renews the leases of everything this worker holds, so a
lease only lapses when the worker is gone. Nothing raised by SMTP or the
database stops the loop: it logs, backs off and carries on.
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
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import i18n
from app.config import Settings
from app.db import session_scope, utcnow
from app.errors import InvalidInput
from app.flows.purging import purge_expired_contacts
from app.mailings import composer, outbox, queries
from app.mailings import service as mailings_service
from app.mailings.calendar import Calendar
from app.mailings.models import OutboxMessage, OutboxStatus
from app.mailings.outbox import Result
from app.mailings.ratelimit import RateLimiter
from app.mailings.schemas import Audience
from app.mailings.transport import CatcherTransport, Delivery, SmtpTransport, Transport
from app.monitoring.tasks import fold_monitor_deltas, refresh_burden_snapshots
from app.samples import tokens
from app.samples.models import Wave

log = logging.getLogger(__name__)

MAX_INLINE_WAIT = 3.0
"""Longer waits for a domain's rate are deferred (row back to the queue)."""
WAVE_CACHE_SECONDS = 30.0
RETENTION_CHECK_SECONDS = 60.0
IDLE_HORIZON = dt.timedelta(seconds=10)
PIPELINE = 2
"""Chunks in flight per worker: at most PIPELINE × handoff_chunk mails can
end up with an unknown fate when the worker is killed."""


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
        self._last_retention = -RETENTION_CHECK_SECONDS
        self._last_burden = -settings.burden_refresh_seconds

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
        ready: list[queries.SendContext] = []
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
        chunk: Sequence[queries.SendContext],
        waves: dict[int, WaveInfo],
    ) -> None:
        now = utcnow()
        built: list[tuple[queries.SendContext, composer.OutgoingMail]] = []
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
        self, ctx: queries.SendContext, wave: WaveInfo, now: dt.datetime
    ) -> Result | None:
        """Skip or defer one row, or None: it may be sent now."""
        if not ctx.is_test:
            reason = queries.skip_reason(
                invitation_status=ctx.invitation_status,
                revoked=ctx.revoked,
                opted_out=ctx.opted_out,
                undeliverable=ctx.undeliverable,
                ineligible=ctx.ineligible,
                email=ctx.email,
                tier=ctx.invitation_tier,
                function=ctx.invitation_function,
                audience=Audience.model_validate(ctx.mailing_audience),
                opened=ctx.opened,
                email_kind=ctx.email_kind,
                gender=ctx.gender,
            )
            closes_on = wave.calendar.closes_on
            if (
                reason is None
                and closes_on
                and wave.calendar.local(now).date() > closes_on
            ):
                reason = "het veldwerk is gesloten"
            if reason is not None:
                return _result(ctx, "skipped", now, skip_reason=reason)
            if _keeps_hours(ctx) and not wave.calendar.in_slot(
                now, ctx.invitation_tier
            ):
                due = wave.calendar.next_slot(now, ctx.invitation_tier)
                return _result(ctx, "deferred", now, next_due=due, logged=False)
        address = ctx.test_recipient if ctx.is_test else ctx.email
        domain = (address or "").rsplit("@", 1)[-1].lower()
        paused = self._domain_paused.get(domain)
        if paused is not None and paused > now:
            return _result(ctx, "deferred", now, next_due=paused, logged=False)
        return None

    def _build_or_fail(
        self, ctx: queries.SendContext, wave: WaveInfo, now: dt.datetime
    ) -> Result | composer.OutgoingMail:
        address = (ctx.test_recipient if ctx.is_test else ctx.email) or ""
        try:
            return self._build(ctx, wave, address, now)
        except tokens.KeyUnavailable:
            reason = "link kan niet worden gemaakt: sleutel ontbreekt"
            return _result(ctx, "skipped", now, skip_reason=reason)
        except InvalidInput as exc:  # a template fault: fix it, the rows wait
            due = now + dt.timedelta(minutes=10)
            return _result(ctx, "retry", now, error=exc.message, next_due=due)
        except ValueError as exc:
            return _result(ctx, "permanent", now, error=str(exc))

    def _build(
        self, ctx: queries.SendContext, wave: WaveInfo, address: str, now: dt.datetime
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
        chunk: Sequence[tuple[queries.SendContext, composer.OutgoingMail]],
        waves: dict[int, WaveInfo],
    ) -> None:
        now = utcnow()
        clock = time.monotonic()
        go: list[tuple[queries.SendContext, composer.OutgoingMail, float]] = []
        deferred: list[Result] = []
        for ctx, mail in chunk:
            paused = self._domain_paused.get(mail.domain)
            if paused and paused > now:
                deferred.append(
                    Result(
                        ctx.outbox_id, "deferred", now, next_due=paused, logged=False
                    )
                )
                continue
            # Book the send slot now, so the whole chunk is paced per domain;
            # what would wait long goes back to the queue instead.
            wait = self.limiter.reserve(mail.domain)
            if wait > MAX_INLINE_WAIT:
                self.limiter.cancel(mail.domain)
                due = now + dt.timedelta(seconds=wait)
                deferred.append(
                    Result(ctx.outbox_id, "deferred", now, next_due=due, logged=False)
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
        ctx: queries.SendContext,
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
        self, ctx: queries.SendContext, delivery: Delivery, wave: WaveInfo
    ) -> dt.datetime | None:
        now = utcnow()
        if delivery.kind == "permanent":
            return None
        if delivery.kind == "connection":
            # One strike per outage, not per mail in flight when it happened.
            if not self._relay_down():
                self._relay_strikes += 1
                backoff = self.settings.worker.relay_backoff_seconds * 2 ** min(
                    self._relay_strikes - 1, 8
                )
                self._relay_down_until = now + dt.timedelta(seconds=min(300.0, backoff))
            assert self._relay_down_until is not None
            seconds = max(0.0, (self._relay_down_until - now).total_seconds())
        else:
            worker = self.settings.worker
            seconds = min(
                worker.retry_max_seconds,
                worker.retry_base_seconds * 2**ctx.temp_failures,
            )
        due = now + dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311
        if not ctx.is_test and _keeps_hours(ctx):
            due = wave.calendar.next_slot(due, ctx.invitation_tier)
        return due

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
        # The monitor's tallies fold here too, so its pages stay pure reads
        # after mass changes; a failure must never stop the mail.
        try:
            await fold_monitor_deltas(self.sessionmaker)
        except Exception:
            log.exception("could not fold the monitor's tallies")
        # Contact data past their retention date go, once a minute at most.
        if time.monotonic() - self._last_retention >= RETENTION_CHECK_SECONDS:
            self._last_retention = time.monotonic()
            try:
                purged = await purge_expired_contacts(self.sessionmaker, self.settings)
            except Exception:
                log.exception("could not purge contact data past retention")
            else:
                for slug in purged:
                    log.info("contact data of wave %s purged (retention date)", slug)
        # Stale break-off views of open waves are recomputed, so their pages
        # read a stored result (several workers: a lock per view, see
        # ``burden_snapshots``).
        if time.monotonic() - self._last_burden >= self.settings.burden_refresh_seconds:
            self._last_burden = time.monotonic()
            try:
                refreshed = await refresh_burden_snapshots(self.sessionmaker)
            except Exception:
                log.exception("could not refresh the break-off views")
            else:
                if refreshed:
                    log.info("%d break-off view(s) refreshed", refreshed)

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
    ctx: queries.SendContext,
    outcome: outbox.Outcome,
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


def _keeps_hours(ctx: queries.SendContext) -> bool:
    rule = ctx.mailing_rule
    return not (rule.get("kind") == "fixed" and rule.get("outside_hours_ok"))


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
