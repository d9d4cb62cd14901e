"""What a mailing's badge says: what happened, not only what was decided.

A mailing's stored status is the manager's decision (concept, ingepland,
gepauzeerd, geannuleerd). Once scheduled, the outbox says what happened: a
mailing whose every mail went out is "verstuurd", not still "ingepland".
Pure: the counts per outbox status in, a label and a tone out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.mailings.models import MailingStatus

Tone = Literal["", "ok", "warn", "error"]


@dataclass(frozen=True)
class Progress:
    key: str
    label: str
    tone: Tone


def progress(status: str, counts: Mapping[str, int]) -> Progress:
    """The badge of a mailing with ``status`` and outbox ``counts`` (rows per
    outbox status, test mails excluded)."""
    decided = MailingStatus(status)
    if decided is MailingStatus.draft:
        return Progress("draft", "concept", "")
    if decided is MailingStatus.cancelled:
        return Progress("cancelled", "geannuleerd", "error")
    if decided is MailingStatus.paused:
        return Progress("paused", "gepauzeerd", "warn")
    waiting = sum(counts.get(s, 0) for s in ("pending", "claimed", "sending"))
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    unknown, skipped = counts.get("unknown", 0), counts.get("skipped", 0)
    finished = sent + failed + unknown + skipped
    if waiting:
        if finished:
            return Progress("busy", "bezig", "")
        return Progress("scheduled", "ingepland", "ok")
    if not finished:
        return Progress("scheduled", "ingepland", "ok")
    if unknown:
        return Progress("unknown", "onbekend lot", "warn")
    if failed and not sent:
        return Progress("failed", "mislukt", "error")
    if failed:
        return Progress("partly_failed", "verstuurd, deels mislukt", "warn")
    if sent:
        return Progress("sent", "verstuurd", "ok")
    return Progress("skipped", "niets te versturen", "")
