"""E-mail address checks for address files, fast enough for a million rows.

email-validator is the judge (deliverability off, ``.test`` allowed), but a
full check costs 70-130 µs, three quarters of it on the domain, and address
files repeat a few hundred domains. So: the domain is checked once per distinct
domain (cached), and a local part in the plain dot-atom form that
email-validator accepts as-is skips the full check. Anything else (quotes,
non-ASCII, odd lengths) gets the full check, so the verdict is always
email-validator's; a test compares both paths.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254

# RFC 5322 dot-atom with the common characters only; every such local part of
# at most 64 characters is valid to email-validator and kept unchanged.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+'-]+(?:\.[A-Za-z0-9_%+'-]+)*\Z")

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"must have an @-sign"), "er staat geen @ in"),
    (re.compile(r"It should have a period"), "na de @ ontbreekt een punt (domein)"),
    (
        re.compile(r"after the @-sign contains invalid characters: (.*)\."),
        r"ongeldige tekens na de @: \1",
    ),
    (
        re.compile(r"invalid characters before the @-sign: (.*)\."),
        r"ongeldige tekens vóór de @: \1",
    ),
    (re.compile(r"two periods in a row"), "twee punten achter elkaar"),
    (re.compile(r"cannot start with a period"), "begint met een punt"),
    (re.compile(r"cannot end with a period"), "eindigt met een punt"),
    (re.compile(r"period immediately (before|after) the @-sign"), "punt naast de @"),
    (re.compile(r"hyphen immediately after the @-sign"), "streepje direct na de @"),
    (
        re.compile(r"special-use or reserved name"),
        "het domein is gereserveerd en ontvangt geen e-mail",
    ),
    (re.compile(r"too long"), "het adres is te lang"),
    (re.compile(r"There must be something before"), "er staat niets vóór de @"),
    (re.compile(r"There must be something after"), "er staat niets na de @"),
]


class InvalidEmail(ValueError):
    """The address is not valid; ``reason`` is Dutch and fit for a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def dutch_reason(message: str) -> str:
    for pattern, replacement in _MESSAGES:
        match = pattern.search(message)
        if match:
            return match.expand(replacement)
    return message


def _full_check(address: str) -> str:
    try:
        result = validate_email(
            address, check_deliverability=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise InvalidEmail(dutch_reason(str(exc))) from exc
    normalised = result.normalized.lower()
    if len(normalised) > MAX_LENGTH:
        raise InvalidEmail("het adres is te lang")
    return normalised


@lru_cache(maxsize=65536)
def _domain(domain: str) -> str | InvalidEmail:
    """Normalised domain, or the reason it is refused (cached per domain)."""
    try:
        checked = _full_check("x@" + domain)
    except InvalidEmail as exc:
        return exc
    return checked.split("@", 1)[1]


def normalise_email(raw: str) -> str:
    """The address in canonical form (lowercase), or ``InvalidEmail``."""
    address = raw.strip()
    if not address:
        raise InvalidEmail("leeg")
    local, at, domain = address.rpartition("@")
    if (
        at
        and domain
        and len(local) <= 64
        and len(address) <= MAX_LENGTH
        and domain.isascii()
        and _PLAIN_LOCAL.match(local)
    ):
        checked = _domain(domain.lower())
        if isinstance(checked, InvalidEmail):
            raise InvalidEmail(checked.reason)
        return f"{local.lower()}@{checked}"
    return _full_check(address)
