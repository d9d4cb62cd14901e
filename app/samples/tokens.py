"""Personal survey links that a copy of the database cannot open.

A link token is ``HMAC-SHA256(secret key, invitation nonce)``, 192 bits,
base64url. The database keeps the nonce, the id of the key used, and the token's
SHA-256 for lookup, never the token. Every reminder re-derives the same link
from the key, so invitation and reminders carry one link. Revoking a link gives
the invitation a new nonce; rotating the key re-issues links with the new key
(old keys stay in ``previous_secret_keys`` until the mails made with them no
longer matter).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from app.config import Settings

TOKEN_BYTES = 24  # 192 bits; ASVS asks at least 128


def key_id(key: str) -> str:
    return hashlib.sha256(b"veldwerk-key-id:" + key.encode()).hexdigest()[:12]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def derive_token(key: str, nonce: str) -> str:
    digest = hmac.new(
        key.encode(), b"veldwerk-link:" + nonce.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode().rstrip("=")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    nonce: str
    key_id: str
    token_hash: str


def issue_token(settings: Settings) -> IssuedToken:
    """A fresh token under the current key (for a new or re-issued invitation)."""
    key = settings.secret_key.get_secret_value()
    nonce = secrets.token_urlsafe(16)
    token = derive_token(key, nonce)
    return IssuedToken(
        token=token, nonce=nonce, key_id=key_id(key), token_hash=hash_token(token)
    )


class KeyUnavailable(LookupError):
    """The key that made this link is no longer configured; re-issue the link."""


def token_for(settings: Settings, *, nonce: str, token_key_id: str) -> str:
    """Re-derive an invitation's token (for mails and panel link files)."""
    keys = [settings.secret_key, *settings.previous_secret_keys]
    for secret in keys:
        key = secret.get_secret_value()
        if key_id(key) == token_key_id:
            return derive_token(key, nonce)
    raise KeyUnavailable(token_key_id)


def survey_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/s/{token}"


def looks_like_token(value: str) -> bool:
    """Cheap shape check before touching the database (length and alphabet)."""
    return 20 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
