"""Signed identifiers carried by mail: unsubscribe links, VERP return paths,
Message-IDs.

* Unsubscribe token ``<invitation id>-<HMAC>``: unguessable (128-bit HMAC), and
  it still works after the survey link was re-issued. Verified against the
  current and the previous secret keys.
* VERP return path ``bounce+<outbox id>-<sig>@<bounce domain>``: a bounce names
  the exact (invitation, mailing) it is about; the short lowercase-hex HMAC
  (some mail servers lowercase local parts) makes forged bounces ignorable.
* Message-ID ``<veldwerk.<outbox id>.<sig>@<from domain>>``: stable per outbox
  row, so a mail resent after an unknown fate carries the same id.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from email.utils import parseaddr

from app.config import Settings

_UNSUBSCRIBE_RE = re.compile(r"^(\d{1,12})-([A-Za-z0-9_-]{22})$")
_VERP_RE = re.compile(r"^bounce\+(\d{1,12})-([0-9a-f]{12})@(.+)$", re.IGNORECASE)


def _keys(settings: Settings) -> list[bytes]:
    keys = [settings.secret_key, *settings.previous_secret_keys]
    return [k.get_secret_value().encode() for k in keys]


def _mac(key: bytes, label: str, value: str) -> bytes:
    mac = _keyed(key).copy()  # OpenSSL 3 makes a fresh HMAC key setup costly
    mac.update(f"veldwerk-{label}:{value}".encode())
    return mac.digest()


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def unsubscribe_token(settings: Settings, invitation_id: int) -> str:
    sig = _mac(_keys(settings)[0], "unsubscribe", str(invitation_id))[:16]
    return f"{invitation_id}-{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def invitation_id_from_unsubscribe_token(settings: Settings, token: str) -> int | None:
    match = _UNSUBSCRIBE_RE.match(token or "")
    if match is None:
        return None
    invitation_id = int(match.group(1))
    for key in _keys(settings):
        sig = _mac(key, "unsubscribe", str(invitation_id))[:16]
        expected = base64.urlsafe_b64encode(sig).decode().rstrip("=")
        if hmac.compare_digest(expected, match.group(2)):
            return invitation_id
    return None


def unsubscribe_url(settings: Settings, invitation_id: int) -> str:
    token = unsubscribe_token(settings, invitation_id)
    return f"{settings.base_url.rstrip('/')}/u/{token}"


def unsubscribe_mailto(settings: Settings, invitation_id: int) -> str:
    token = unsubscribe_token(settings, invitation_id)
    local = settings.smtp.unsubscribe_local_part
    return f"mailto:{local}+{token}@{settings.smtp.bounce_domain}?subject=afmelden"


def _verp_sig(key: bytes, outbox_id: int) -> str:
    return _mac(key, "verp", str(outbox_id)).hex()[:12]


def verp_address(settings: Settings, outbox_id: int) -> str:
    sig = _verp_sig(_keys(settings)[0], outbox_id)
    return f"bounce+{outbox_id}-{sig}@{settings.smtp.bounce_domain}"


def outbox_id_from_verp(settings: Settings, address: str) -> int | None:
    """The outbox row a VERP address names, or None (not ours, or forged)."""
    match = _VERP_RE.match(parseaddr(address)[1] or address.strip())
    if match is None or match.group(3).lower() != settings.smtp.bounce_domain.lower():
        return None
    outbox_id = int(match.group(1))
    given = match.group(2).lower()
    for key in _keys(settings):
        if hmac.compare_digest(_verp_sig(key, outbox_id), given):
            return outbox_id
    return None


def from_domain(settings: Settings) -> str:
    return _domain_of(settings.smtp.from_address)


@functools.lru_cache(maxsize=16)
def _domain_of(from_address: str) -> str:
    address = parseaddr(from_address)[1]
    return address.rsplit("@", 1)[-1] if "@" in address else "veldwerk.invalid"


def message_id(settings: Settings, outbox_id: int) -> str:
    sig = _mac(_keys(settings)[0], "message-id", str(outbox_id)).hex()[:10]
    return f"<veldwerk.{outbox_id}.{sig}@{from_domain(settings)}>"
