"""Getting a built message out: over SMTP (a small pool of reused aiosmtplib
connections) or into the embedded catcher.

Every send returns a ``Delivery`` instead of raising: ``sent``, ``temporary``
(4xx for this recipient: retry later), ``connection`` (the relay is
unreachable, dropped the connection or timed out: retry later, not the
recipient's fault), ``permanent`` (a permanent answer about the recipient:
undeliverable) or ``rejected`` (a 5xx that is not about the recipient, such
as a relay's own 500 or a 552/554 for the message at DATA: retried like a
temporary failure, then a failure of the mailing; the address stays good).

Only two answers are about the recipient: a 5xx to RCPT TO, and a 5xx at
DATA whose enhanced status code is 5.1.x (RFC 3463: bad mailbox or domain).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

import aiosmtplib
from aiosmtplib import (
    SMTPException,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)

from app.config import SmtpSettings
from app.mailings.composer import OutgoingMail
from app.mailings.delivery import policy
from app.mailings.delivery.policy import DeliveryKind

log = logging.getLogger(__name__)

DATA_REPLY_TIMEOUT = 600.0
"""RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the final dot.
Giving up sooner invites duplicates (the server may have taken the message)."""


@dataclass(frozen=True)
class Delivery:
    kind: DeliveryKind
    code: int | None = None
    reply: str | None = None
    error: str | None = None
    phase: str = ""
    """Where it happened: connect, mail, rcpt, data."""

    @property
    def domain_wide(self) -> bool:
        """A 421 at RCPT: the whole receiving domain is paused
        (``policy.pauses_domain``)."""
        return policy.pauses_domain(self.code, phase=self.phase)


class Transport(Protocol):
    name: str

    async def send(self, mail: OutgoingMail) -> Delivery: ...

    async def close(self) -> None: ...


class CatcherTransport:
    """No SMTP server configured: the message is 'delivered' into
    ``caught_mails`` by the worker, in the same transaction that records it."""

    name = "catcher"

    async def send(self, mail: OutgoingMail) -> Delivery:
        return Delivery("sent", 250, "caught by veldwerk")

    async def close(self) -> None:
        return None


class SmtpTransport:
    """A pool of up to ``settings.connections`` SMTP connections, reused
    across messages; a broken connection is dropped and replaced lazily."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        assert settings.host is not None
        self.settings = settings
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(settings.connections)

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password.get_secret_value() if s.password else None,
            use_tls=s.use_tls,
            start_tls=s.start_tls if s.start_tls else False,
            timeout=s.timeout_seconds,
            local_hostname=s.local_hostname,
            validate_certs=s.validate_certs,
        )

    async def send(self, mail: OutgoingMail) -> Delivery:
        async with self._slots:
            client = self._idle.get_nowait() if not self._idle.empty() else None
            client = client or self._new_client()
            delivery = await self._send_on(client, mail)
            if delivery.kind == "connection" or delivery.code == 421:
                client.close()
            else:
                self._idle.put_nowait(client)
            return delivery

    async def _send_on(self, client: aiosmtplib.SMTP, mail: OutgoingMail) -> Delivery:
        phase = "connect"
        try:
            if not client.is_connected:
                await client.connect()
            phase = "mail"
            await client.mail(mail.envelope_from)
            phase = "rcpt"
            await client.rcpt(mail.recipient)
            phase = "data"
            response = await client.data(
                mail.data,
                timeout=max(DATA_REPLY_TIMEOUT, self.settings.timeout_seconds),
            )
            return Delivery("sent", response.code, response.message, phase=phase)
        except (
            SMTPRecipientRefused,
            SMTPRecipientsRefused,
            SMTPResponseException,
        ) as exc:
            await _reset(client)
            return _classify_response(exc, phase)
        except (SMTPException, OSError, TimeoutError) as exc:
            client.close()
            return Delivery(
                "connection",
                error=f"{type(exc).__name__}: {exc}"[:500],
                phase=phase,
            )

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            with contextlib.suppress(SMTPException, OSError, TimeoutError):
                await client.quit()
            client.close()


def _classify_response(exc: Exception, phase: str) -> Delivery:
    if isinstance(exc, SMTPRecipientsRefused):
        exc = exc.recipients[0]
    assert isinstance(exc, SMTPResponseException)
    code, reply = exc.code, exc.message
    kind = policy.classify(
        code, reply, phase=phase, sender_refused=isinstance(exc, SMTPSenderRefused)
    )
    return Delivery(kind, code, reply, phase=phase)


async def _reset(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.rset()
    except (SMTPException, OSError, TimeoutError):
        client.close()
