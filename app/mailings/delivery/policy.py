"""The worker's send decisions, as pure functions: plain values in, a decision out.

No session, no socket, no clock: every function takes ``now`` (and, where
chance plays a part, the ``jitter`` factor) from its caller, so each rule can
be checked by hand. The worker (``worker.py``), the outbox (``outbox.py``) and
the transport (``transport.py``) do the I/O and ask this module what to do:

* ``admit``: may a claimed row go now, or is it skipped (left the audience,
  fieldwork closed) or deferred (outside a sending slot, its domain paused)?
* ``pace``: send within a few seconds, or back to the queue (rate limits)?
* ``classify``: what an SMTP refusal means (temporary, about the recipient,
  about the message, about us); ``pauses_domain``: a 421 slows the domain;
* ``retry_due`` / ``relay_outage_until`` / ``domain_pause``: when to try again
  (greylisting: about 7 minutes, doubling to 30; a relay outage: doubling to
  5 minutes; a domain that said 421: doubling to at most 10 minutes);
* ``settle``: the row's status after an attempt, giving up after
  ``max_attempts`` temporary refusals; ``makes_undeliverable``: only a
  permanent answer about the recipient marks the address undeliverable.

The defaults and why: ``docs/mail-delivery.md`` ("Retries and faults").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from app.config import WorkerSettings
from app.mailings.models import OutboxStatus
from app.mailings.planning.audiences import skip_reason
from app.mailings.planning.calendar import Calendar
from app.mailings.planning.schemas import Audience

DeliveryKind = Literal["sent", "temporary", "connection", "permanent", "rejected"]
"""What one hand-over to SMTP (or the catcher) came to."""

Outcome = Literal[
    "sent", "temporary", "connection", "permanent", "rejected", "skipped",
    "deferred", "retry",
]  # fmt: skip
"""What became of one claimed row: a delivery kind, or a decision taken
before sending (skipped, deferred, retry after a template fault)."""

MAX_INLINE_WAIT = 3.0
"""Seconds a mail may wait in the worker for its domain's rate; longer waits
go back to the queue."""
RELAY_BACKOFF_MAX = 300.0
"""An unreachable relay is tried again at least every 5 minutes."""
TEMPLATE_FAULT_WAIT = dt.timedelta(minutes=10)
"""Rows whose template fails wait this long: someone has to fix the template."""
JITTER = (0.8, 1.2)
"""Retries are spread by ±20 % so a greylisted batch does not return at once."""
FIELDWORK_CLOSED = "het veldwerk is gesloten"


# -- may this row go now? ---------------------------------------------------------


@dataclass(frozen=True)
class SendContext:
    """Everything the worker needs to decide on and build one mail: one claimed
    row with its mailing, invitation and contact (``queries.load_send_contexts``)."""

    outbox_id: int
    is_test: bool
    test_recipient: str | None
    attempts: int
    temp_failures: int
    mailing_id: int
    mailing_questionnaire: str
    mailing_template: str
    mailing_kind: str
    mailing_rule: dict[str, Any]
    mailing_audience: dict[str, Any]
    wave_id: int
    invitation_id: int
    invitation_status: str
    invitation_tier: str | None
    invitation_function: str | None
    invitation_organisation: str | None
    token_nonce: str
    token_key_id: str
    revoked: bool
    opted_out: bool
    undeliverable: bool
    ineligible: bool
    email: str | None
    name: str | None
    opened: bool
    email_kind: str | None
    gender: str | None
    invitation_attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class Send:
    """Send now."""


@dataclass(frozen=True)
class Skip:
    """Never send this row (the reason is recorded on it)."""

    reason: str


@dataclass(frozen=True)
class Defer:
    """Not yet: back to the queue until ``until`` (no attempt is logged)."""

    until: dt.datetime


Admission: TypeAlias = Send | Skip | Defer


def keeps_hours(rule: Mapping[str, Any]) -> bool:
    """Whether a mailing's rows wait for sending slots: all but a fixed moment
    marked "may fall outside sending hours"."""
    return not (rule.get("kind") == "fixed" and rule.get("outside_hours_ok"))


def recipient_domain(address: str | None) -> str:
    return (address or "").rsplit("@", 1)[-1].lower()


def admit(
    ctx: SendContext,
    *,
    calendar: Calendar,
    paused: Mapping[str, dt.datetime],
    now: dt.datetime,
) -> Admission:
    """Check one claimed row against its audience, the calendar and the
    receiving domain's pause, *now*.

    Test mails skip the audience and the calendar (a manager sends them on
    purpose) but not a domain's pause.
    """
    if not ctx.is_test:
        reason = skip_reason(
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
        closes_on = calendar.closes_on
        if reason is None and closes_on and calendar.local(now).date() > closes_on:
            reason = FIELDWORK_CLOSED
        if reason is not None:
            return Skip(reason)
        if keeps_hours(ctx.mailing_rule) and not calendar.in_slot(
            now, ctx.invitation_tier
        ):
            return Defer(calendar.next_slot(now, ctx.invitation_tier))
    address = ctx.test_recipient if ctx.is_test else ctx.email
    until = paused_until(paused, recipient_domain(address), now=now)
    return Send() if until is None else Defer(until)


def paused_until(
    paused: Mapping[str, dt.datetime], domain: str, *, now: dt.datetime
) -> dt.datetime | None:
    """The end of ``domain``'s pause, if it is paused at ``now``."""
    until = paused.get(domain)
    return until if until is not None and until > now else None


def pace(*, wait: float, now: dt.datetime) -> Defer | None:
    """After booking a send slot that is ``wait`` seconds away: None (wait for
    it inline) or a deferral (too long: give the row back to the queue)."""
    if wait > MAX_INLINE_WAIT:
        return Defer(now + dt.timedelta(seconds=wait))
    return None


def template_fault_retry(now: dt.datetime) -> dt.datetime:
    return now + TEMPLATE_FAULT_WAIT


# -- what an SMTP answer means ----------------------------------------------------


_RECIPIENT_STATUS = re.compile(r"(?<![\d.])5\.1\.\d{1,3}(?![\d.])")
"""RFC 3463 X.1.Y: addressing status (bad destination mailbox or domain)."""


def classify(
    code: int, reply: str, *, phase: str, sender_refused: bool = False
) -> DeliveryKind:
    """An SMTP refusal (``code``, ``reply``) at ``phase`` (connect, mail, rcpt,
    data).

    Only two answers are about the recipient (``permanent``): a 5xx to RCPT TO,
    and a 5xx at DATA with an enhanced status 5.1.x. Any other 5xx at DATA is
    ``rejected`` (about the message or the relay; the address may be fine); a
    4xx is ``temporary``; a refusal of our greeting or MAIL FROM is never the
    recipient's fault (``connection``).
    """
    if sender_refused or phase in ("connect", "mail"):
        return "connection"
    if 400 <= code < 500:
        return "temporary"
    if 500 <= code < 600:
        if phase == "rcpt" or _RECIPIENT_STATUS.search(reply or ""):
            return "permanent"
        return "rejected"
    return "connection"


def pauses_domain(code: int | None, *, phase: str) -> bool:
    """A refusal that says 'slow down' for the whole receiving domain: a 421 at
    RCPT (the server closes the connection). A 450/451/452 is about one
    recipient (greylisting): that recipient is retried later, the domain's
    other recipients go on."""
    return phase == "rcpt" and code == 421


# -- when to try again --------------------------------------------------------------


def relay_outage_until(
    *, strikes: int, now: dt.datetime, rules: WorkerSettings
) -> dt.datetime:
    """Until when the relay counts as down after its ``strikes``-th outage in a
    row (one strike per outage, not per mail in flight when it happened)."""
    backoff = rules.relay_backoff_seconds * 2 ** min(strikes - 1, 8)
    return now + dt.timedelta(seconds=min(RELAY_BACKOFF_MAX, backoff))


def retry_seconds(*, temp_failures: int, rules: WorkerSettings) -> float:
    """The wait after a temporary refusal, before jitter: ``retry_base_seconds``
    (7 minutes: past a 5-minute greylist), doubling per earlier temporary
    refusal of the row, capped at ``retry_max_seconds``."""
    doubled = rules.retry_base_seconds * 2.0**temp_failures
    return min(rules.retry_max_seconds, doubled)


def retry_due(
    kind: DeliveryKind,
    *,
    temp_failures: int,
    relay_down_until: dt.datetime | None,
    now: dt.datetime,
    jitter: float,
    rules: WorkerSettings,
    calendar: Calendar | None,
    tier: str | None,
) -> dt.datetime | None:
    """When a row that was not sent is due again; None: never (``sent`` or a
    ``permanent`` answer).

    A connection fault waits for the relay (``relay_down_until``); a temporary
    refusal or a rejection backs off per row. ``jitter`` (drawn from
    ``JITTER``) spreads the moments; with a ``calendar`` (a mailing that keeps
    sending hours) the moment moves on to the tier's next sending slot.
    """
    if kind in ("sent", "permanent"):
        return None
    if kind == "connection":
        down = relay_down_until or now
        seconds = max(0.0, (down - now).total_seconds())
    else:
        seconds = retry_seconds(temp_failures=temp_failures, rules=rules)
    due = now + dt.timedelta(seconds=seconds * jitter)
    return due if calendar is None else calendar.next_slot(due, tier)


@dataclass(frozen=True)
class DomainPause:
    strikes: int
    until: dt.datetime


def domain_pause(
    *,
    strikes: int,
    last_strike_at: dt.datetime | None,
    paused_until: dt.datetime | None,
    now: dt.datetime,
    base_seconds: float,
    max_seconds: float,
) -> DomainPause:
    """A receiving domain answered 421 again: ``base_seconds`` doubling per
    strike while the strikes come within ``max_seconds`` of each other, never
    longer than ``max_seconds``; a pause already running longer is kept."""
    recent = last_strike_at is not None and now - last_strike_at < dt.timedelta(
        seconds=max_seconds
    )
    strikes = strikes + 1 if recent else 1
    seconds = min(base_seconds * 2 ** (strikes - 1), max_seconds)
    until = now + dt.timedelta(seconds=seconds)
    return DomainPause(
        strikes, until if paused_until is None else max(paused_until, until)
    )


# -- what an attempt leaves behind --------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    status: OutboxStatus
    temp_failures: int

    @property
    def final(self) -> bool:
        return self.status is not OutboxStatus.pending


def settle(outcome: Outcome, *, temp_failures: int, max_attempts: int) -> Settlement:
    """The row's status after an attempt.

    A temporary refusal and a rejection (not about the recipient) count
    towards ``max_attempts``; the last one makes the row ``failed`` (a failure
    of the mailing; the address stays good). Connection faults, deferrals and
    template faults go back to the queue uncounted.
    """
    if outcome == "sent":
        return Settlement(OutboxStatus.sent, temp_failures)
    if outcome == "permanent":
        return Settlement(OutboxStatus.failed, temp_failures)
    if outcome == "skipped":
        return Settlement(OutboxStatus.skipped, temp_failures)
    if outcome in ("temporary", "rejected"):
        counted = temp_failures + 1
        given_up = counted >= max_attempts
        return Settlement(
            OutboxStatus.failed if given_up else OutboxStatus.pending, counted
        )
    return Settlement(OutboxStatus.pending, temp_failures)


def logs_next_attempt(outcome: Outcome) -> bool:
    """Whether the attempt log shows when the row is tried again."""
    return outcome in ("temporary", "rejected", "connection", "retry")


def makes_undeliverable(outcome: Outcome, *, is_test: bool) -> bool:
    """Only a permanent answer about the recipient marks the invitation
    undeliverable (the monitor counts it, reminders skip it); never a test mail."""
    return outcome == "permanent" and not is_test


def counts_as_mailed(outcome: Outcome, *, is_test: bool) -> bool:
    """Whether the invitation's mail facts (first and last mailed) move."""
    return outcome == "sent" and not is_test


def undeliverable_reason(code: int | None, reply: str | None, error: str | None) -> str:
    return f"{code} {reply}" if code else (error or "geweigerd")
