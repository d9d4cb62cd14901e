"""Bounces that come back later as mail (``veldwerk bounces import PATH``).

Reading: an mbox file, a Maildir, a directory of ``.eml`` files, or one
``.eml``. Recognising (pure, ``classify``): a bounce is a DSN reporting a
permanent failure about the recipient (RFC 3464 ``Action: failed``, status
5.1.x or 5.2.1; other 5.x.x statuses are ``rejected``: the message was
refused, the address may be fine, nothing is marked) or, for
non-standard reports, what flufl.bounce's detectors call a permanent
failure. An out-of-office or other auto-reply is never a bounce, even though
it arrives at the same return path. The mail is tied to its invitation by the
VERP return path it was sent to (``bounce+<outbox id>-<sig>@...``); a VERP
address with a wrong signature is a forgery and is ignored; without VERP,
flufl.bounce's recipients are looked up among mailed contacts. Mails to the
``mailto:`` unsubscribe address record an opt-out.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Literal

from flufl.bounce import all_failures
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.mailings import links
from app.mailings.delivery import outbox
from app.mailings.models import OutboxMessage, OutboxStatus
from app.samples import service as samples_service
from app.samples.models import Contact, Invitation

Kind = Literal[
    "bounce", "rejected", "delayed", "auto_reply", "unsubscribe", "not_bounce"
]
RECIPIENT_STATUS = re.compile(r"5\.(1\.\d{1,3}|2\.1)\b")
"""Permanent DSN statuses about the recipient (RFC 3463): addressing (5.1.x:
no such mailbox or domain) and a disabled mailbox (5.2.1). Other permanent
statuses (5.7.1 policy, 5.3.4 too large, ...) are about the message or the
sender: ``rejected``, and the address stays good."""
ADDRESS_HEADERS = (
    "Delivered-To",
    "X-Original-To",
    "Envelope-To",
    "X-Envelope-To",
    "To",
)
AUTO_REPLY_SUBJECT = re.compile(
    r"\b(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|"
    r"automatisch antwoord|afwezig|niet aanwezig|vakantie|abwesenheit)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    outbox_id: int | None = None
    forged: bool = False
    recipients: frozenset[str] = frozenset()
    status: str | None = None
    diagnostic: str | None = None
    unsubscribe_token: str | None = None

    @property
    def reason(self) -> str:
        parts = ["bounce", self.status or "", self.diagnostic or ""]
        return " ".join(p for p in parts if p)[:500]


def _addressed_to(message: Message) -> list[str]:
    found: list[str] = []
    for header in ADDRESS_HEADERS:
        for value in message.get_all(header, []):
            found += [addr for _, addr in getaddresses([str(value)]) if addr]
    return found


def _dsn_fields(message: Message) -> tuple[str | None, str | None, str | None]:
    """(action, status, diagnostic) of the first per-recipient DSN block."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:] or blocks:
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).strip().lower() or None
            status = str(block.get("Status", "")).strip() or None
            diagnostic = str(block.get("Diagnostic-Code", "")).strip() or None
            if action or status:
                return action, status, diagnostic
    return None, None, None


def _is_auto_reply(message: Message) -> bool:
    if message.get_content_type() == "multipart/report":
        return False
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if (
        auto.startswith("auto-replied")
        or message.get("X-Autoreply")
        or message.get("X-Autorespond")
    ):
        return True
    if str(message.get("Precedence", "")).lower() == "auto_reply":
        return True
    return bool(AUTO_REPLY_SUBJECT.search(str(message.get("Subject", ""))))


def classify(settings: Settings, message: Message) -> Verdict:
    """What a mail that came back to us is (pure: no database)."""
    outbox_id, forged, unsubscribe = None, False, None
    local_unsub = settings.smtp.unsubscribe_local_part.lower() + "+"
    for address in _addressed_to(message):
        lowered = address.lower()
        if lowered.startswith("bounce+"):
            found = links.outbox_id_from_verp(settings, address)
            outbox_id = outbox_id or found
            forged = forged or found is None
        elif lowered.startswith(local_unsub) and lowered.endswith(
            "@" + settings.smtp.bounce_domain.lower()
        ):
            unsubscribe = address.split("+", 1)[1].rsplit("@", 1)[0]
    if unsubscribe is not None:
        return Verdict("unsubscribe", unsubscribe_token=unsubscribe)
    forged = forged and outbox_id is None
    action, status, diagnostic = _dsn_fields(message)
    if action or status:
        permanent = (action or "").startswith(("fail", "error")) or (
            status or ""
        ).startswith("5")
        temporary, failed = all_failures(message)
        recipients = frozenset(a.decode().lower() for a in failed)
        kind: Kind = "bounce" if permanent else "delayed"
        if permanent and status and not RECIPIENT_STATUS.match(status):
            kind = "rejected"
        return Verdict(
            kind,
            recipients=recipients,
            status=status,
            diagnostic=diagnostic,
            outbox_id=outbox_id,
            forged=forged,
        )
    if _is_auto_reply(message):
        return Verdict("auto_reply", outbox_id=outbox_id, forged=forged)
    temporary, failed = all_failures(message)
    if failed:
        recipients = frozenset(a.decode().lower() for a in failed)
        return Verdict(
            "bounce", outbox_id=outbox_id, forged=forged, recipients=recipients
        )
    if temporary:
        return Verdict("delayed", outbox_id=outbox_id, forged=forged)
    return Verdict("not_bounce", outbox_id=outbox_id, forged=forged)


def read_messages(path: Path) -> Iterator[tuple[str, Message]]:
    """Every message in an mbox, a Maildir, a directory of .eml files, or one
    .eml file, labelled for the report."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            maildir = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(maildir.keys()):
                yield f"{path.name}/{key}", _parse(maildir.get_bytes(key))
            return
        for file in sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml"):
            yield file.name, _parse(file.read_bytes())
        return
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield path.name, _parse(path.read_bytes())
        return
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for number, key in enumerate(box.keys(), start=1):
            yield f"{path.name}#{number}", _parse(box.get_bytes(key))
    finally:
        box.close()


def _parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


@dataclass
class ImportReport:
    counts: Counter[str] = field(default_factory=Counter)
    marked: list[int] = field(default_factory=list)
    """Invitations newly marked undeliverable."""
    lines: list[str] = field(default_factory=list)


async def import_bounces(
    session: AsyncSession, settings: Settings, *, path: Path
) -> ImportReport:
    """Read ``path`` and apply what it says: mark bounced invitations
    undeliverable, record opt-outs, ignore auto-replies and forgeries."""
    report = ImportReport()
    for label, message in read_messages(path):
        verdict = classify(settings, message)
        outcome = await _apply(session, settings, verdict, report)
        report.counts[outcome] += 1
        report.lines.append(f"{label}: {outcome}")
    return report


async def _apply(
    session: AsyncSession, settings: Settings, verdict: Verdict, report: ImportReport
) -> str:
    if verdict.kind == "unsubscribe":
        invitation_id = links.invitation_id_from_unsubscribe_token(
            settings, verdict.unsubscribe_token or ""
        )
        invitation = (
            await session.get(Invitation, invitation_id) if invitation_id else None
        )
        if invitation is None:
            return "unsubscribe_unknown"
        await samples_service.mark_opted_out(session, invitation=invitation)
        return "unsubscribed"
    if verdict.kind != "bounce":
        return "forged" if verdict.forged else verdict.kind
    if verdict.forged:
        return "forged"
    invitation_ids = await _bounced_invitations(session, verdict)
    if not invitation_ids:
        return "bounce_unmatched"
    changed = False
    for invitation_id in invitation_ids:
        if await outbox.mark_undeliverable(
            session, invitation_id=invitation_id, reason=verdict.reason, now=utcnow()
        ):
            report.marked.append(invitation_id)
            changed = True
    return "bounce" if changed else "bounce_known"


async def _bounced_invitations(session: AsyncSession, verdict: Verdict) -> list[int]:
    if verdict.outbox_id is not None:
        found = await session.scalar(
            select(OutboxMessage.invitation_id).where(
                OutboxMessage.id == verdict.outbox_id, OutboxMessage.is_test.is_(False)
            )
        )
        return [found] if found is not None else []
    if not verdict.recipients:
        return []
    # No VERP: the original recipient, among invitations we actually mailed.
    mailed = select(OutboxMessage.invitation_id).where(
        OutboxMessage.status == OutboxStatus.sent.value,
        OutboxMessage.is_test.is_(False),
    )
    rows = await session.scalars(
        select(Invitation.id)
        .join(Contact, Contact.id == Invitation.contact_id)
        .where(
            func.lower(Contact.email).in_(sorted(verdict.recipients)),
            Invitation.id.in_(mailed),
        )
    )
    return list(rows)
