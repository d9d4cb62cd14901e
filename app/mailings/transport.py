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
import re
from dataclasses import dataclass
from typing import Literal, Protocol

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

log = logging.getLogger(__name__)

DATA_REPLY_TIMEOUT = 600.0
"""RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the final dot.
Giving up sooner invites duplicates (the server may have taken the message)."""


@dataclass(frozen=True)
class Delivery:
    kind: Literal["sent", "temporary", "connection", "permanent", "rejected"]
    code: int | None = None
    reply: str | None = None
    error: str | None = None
    phase: str = ""
    """Where it happened: connect, mail, rcpt, data."""

    @property
    def domain_wide(self) -> bool:
        """A refusal that says 'slow down' for the whole receiving domain: a 421
        (the server closes the connection). A 450/451/452 is about one
        recipient (greylisting): that recipient is retried later, the domain's
        other recipients go on."""
        return self.phase == "rcpt" and self.code == 421


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
    if isinstance(exc, SMTPSenderRefused) or phase in ("connect", "mail"):
        # The relay refused us, not the recipient: never the recipient's fault.
        return Delivery("connection", code, reply, phase=phase)
    if 400 <= code < 500:
        return Delivery("temporary", code, reply, phase=phase)
    if 500 <= code < 600:
        if phase == "rcpt" or _about_the_recipient(reply):
            return Delivery("permanent", code, reply, phase=phase)
        return Delivery("rejected", code, reply, phase=phase)
    return Delivery("connection", code, reply, phase=phase)


_RECIPIENT_STATUS = re.compile(r"(?<![\d.])5\.1\.\d{1,3}(?![\d.])")
"""RFC 3463 X.1.Y: addressing status (bad destination mailbox or domain)."""


def _about_the_recipient(reply: str) -> bool:
    return bool(_RECIPIENT_STATUS.search(reply or ""))


async def _reset(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.rset()
    except (SMTPException, OSError, TimeoutError):
        client.close()
