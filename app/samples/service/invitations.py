"""Invitations and their links: one, in bulk, panel links, re-issue, rotation.

A link token is never stored (see ``app.samples.tokens``): the invitation keeps
a nonce, the id of the key, and the token's SHA-256. Re-issuing a link gives a
new nonce under the current key, which changes the token's hash, so the old
link finds nothing and gets the friendly 404.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.samples import catalogue, tokens
from app.samples.emails import InvalidEmail, normalise_email
from app.samples.errors import LinkKeyUnavailable
from app.samples.fields import CONTACT_ONLY_ATTRIBUTES
from app.samples.models import ATTRIBUTE_COLUMNS, Contact, Invitation, Sample, Wave
from app.samples.sampling import assign_values, rng_for
from app.samples.states import InvitationStatus

INVITATIONS = cast(Table, Invitation.__table__)

INVITATION_COLUMNS = ATTRIBUTE_COLUMNS


def invitation_attributes(
    *,
    tier: str | None = None,
    function: str | None = None,
    **other: Any,
) -> dict[str, Any]:
    """Normalised attribute columns for an invitation (function type derived)."""
    return {
        "tier": tier,
        "function": function,
        "function_type": other.pop("function_type", None)
        or catalogue.function_type_of(function),
        **other,
    }


def token_columns(settings: Settings) -> dict[str, str]:
    """Fresh link columns (nonce, key id, hash) under the current key."""
    issued = tokens.issue_token(settings)
    return {
        "token_hash": issued.token_hash,
        "token_nonce": issued.nonce,
        "token_key_id": issued.key_id,
    }


async def create_invitation(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    questionnaire: str,
    contact: Contact | None = None,
    is_test: bool = False,
    attributes: dict[str, Any] | None = None,
) -> tuple[Invitation, str]:
    """One invitation with a fresh personal token. Returns the invitation and
    the token (the only moment the token exists outside a mail or link file)."""
    issued = tokens.issue_token(settings)
    values = invitation_attributes(**(attributes or {}))
    extra = {k: v for k, v in values.items() if k not in INVITATION_COLUMNS}
    invitation = Invitation(
        wave_id=wave.id,
        questionnaire=questionnaire,
        contact_id=contact.id if contact is not None else None,
        token_hash=issued.token_hash,
        token_nonce=issued.nonce,
        token_key_id=issued.key_id,
        is_test=is_test,
        attributes=extra,
        **{k: values.get(k) for k in INVITATION_COLUMNS},
    )
    session.add(invitation)
    await session.flush()
    return invitation, issued.token


def invitation_row(
    settings: Settings,
    *,
    wave_id: int,
    questionnaire: str,
    contact_id: int | None,
    sample_id: int | None,
    values: dict[str, Any],
    extra: dict[str, Any],
    now: dt.datetime,
) -> dict[str, Any]:
    """One row for a bulk INSERT of invitations: ``create_invitation`` without the ORM.

    Extra attributes that are contact data (phone, address, notes) stay on the
    contact and are not copied.
    """
    attributes = invitation_attributes(**values)
    return {
        "wave_id": wave_id,
        "questionnaire": questionnaire,
        "contact_id": contact_id,
        "sample_id": sample_id,
        "is_test": False,
        "status": InvitationStatus.invited,
        "created_at": now,
        "attributes": {
            k: v for k, v in extra.items() if k not in CONTACT_ONLY_ATTRIBUTES
        },
        **{k: attributes.get(k) for k in INVITATION_COLUMNS},
        **token_columns(settings),
    }


async def insert_invitations(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> None:
    """Bulk INSERT (executemany) of rows made by ``invitation_row``."""
    if rows:
        await session.execute(insert(INVITATIONS), list(rows))


async def get_invitation_by_token(
    session: AsyncSession, token: str
) -> Invitation | None:
    """The invitation a link opens, or None for unknown, malformed or revoked links."""
    if not tokens.looks_like_token(token):
        return None
    invitation = await session.scalar(
        select(Invitation).where(Invitation.token_hash == tokens.hash_token(token))
    )
    if invitation is None or invitation.revoked_at is not None:
        return None
    return invitation


def invitation_url(settings: Settings, invitation: Invitation) -> str:
    """The personal link; ``LinkKeyUnavailable`` (a clear 409, not a 500) when
    the key it was made with is no longer configured."""
    try:
        token = tokens.token_for(
            settings, nonce=invitation.token_nonce, token_key_id=invitation.token_key_id
        )
    except tokens.KeyUnavailable as exc:
        raise LinkKeyUnavailable() from exc
    return tokens.survey_url(settings, token)


async def require_invitation(
    session: AsyncSession, *, wave: Wave, invitation_id: int
) -> Invitation:
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.wave_id != wave.id:
        raise NotFound("Deze uitnodiging bestaat niet.")
    return invitation


async def reissue_link(
    session: AsyncSession, settings: Settings, *, invitation: Invitation
) -> str:
    """Give one invitation a new link; the old one stops working at once.

    For a link that reached the wrong person or was forwarded where it should
    not be. Answers given so far stay with the invitation.
    """
    columns = token_columns(settings)
    for name, value in columns.items():
        setattr(invitation, name, value)
    await session.flush()
    return tokens.derive_token(
        settings.secret_key.get_secret_value(), columns["token_nonce"]
    )


async def change_contact_email(
    session: AsyncSession, *, invitation: Invitation, email: str
) -> tuple[str | None, str]:
    """Give the contact behind ``invitation`` a new e-mail address; the
    invitation keeps its link, answers and history. Returns (old, new).

    Raises ``InvalidInput`` (Dutch) for an invalid or unchanged address, or an
    invitation without contact data (a panel link, a purged wave).
    """
    if invitation.contact_id is None:
        raise InvalidInput("Deze uitnodiging heeft geen contactgegevens (meer).")
    contact = await session.get(Contact, invitation.contact_id)
    if contact is None:
        raise InvalidInput("Deze uitnodiging heeft geen contactgegevens (meer).")
    try:
        new = normalise_email(email)
    except InvalidEmail as exc:
        raise InvalidInput(f"Ongeldig e-mailadres: {exc.reason}.") from exc
    old = contact.email
    if old == new:
        raise InvalidInput("Het nieuwe adres is gelijk aan het oude.")
    contact.email = new
    await session.flush()
    return old, new


async def withdraw_invitation(
    session: AsyncSession, *, invitation: Invitation, withdrawn: bool = True
) -> None:
    """Take someone out of the fieldwork (left office, asked not to be mailed):
    the link stops working and mailings skip them. Reversible."""
    invitation.revoked_at = utcnow() if withdrawn else None
    await session.flush()


def add_attributes(*, invitation: Invitation, values: dict[str, Any]) -> None:
    """Add free attributes (routing and piping may use them) to an invitation."""
    invitation.attributes = {**(invitation.attributes or {}), **values}


@dataclass(frozen=True)
class Rotation:
    reissued: int
    started: int
    """Of those, invitations already opened: they need a mail with the new link."""


async def rotate_links(
    session: AsyncSession, settings: Settings, *, wave: Wave, batch_size: int = 5000
) -> Rotation:
    """Re-issue every link of ``wave`` not made with the current key.

    After a key rotation (old key moved to ``previous_secret_keys``) this moves
    all links to the new key, after which the old key can be dropped. Links
    already mailed stop working; reminders carry the new ones.
    """
    current = tokens.key_id(settings.secret_key.get_secret_value())
    reissued = started = 0
    last_id = 0
    statement = (
        update(INVITATIONS)
        .where(INVITATIONS.c.id == bindparam("b_id"))
        .values(
            token_hash=bindparam("token_hash"),
            token_nonce=bindparam("token_nonce"),
            token_key_id=bindparam("token_key_id"),
        )
    )
    while True:
        rows = (
            await session.execute(
                select(Invitation.id, Invitation.status)
                .where(
                    Invitation.wave_id == wave.id,
                    Invitation.token_key_id != current,
                    Invitation.id > last_id,
                )
                .order_by(Invitation.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            break
        await session.execute(
            statement, [{"b_id": row.id, **token_columns(settings)} for row in rows]
        )
        reissued += len(rows)
        started += sum(1 for row in rows if row.status != InvitationStatus.invited)
        last_id = rows[-1].id
    # Loaded invitations now hold stale link columns; refresh them on next use.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Invitation) and loaded.wave_id == wave.id:
            session.expire(loaded, ["token_hash", "token_nonce", "token_key_id"])
    return Rotation(reissued=reissued, started=started)


async def list_invitations(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str | None = None,
    status: str | None = None,
    search: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[tuple[Invitation, Contact | None]], int]:
    """Invitations with their contact (name, address): fieldwork managers only."""
    query = (
        select(Invitation, Contact)
        .outerjoin(Contact, Contact.id == Invitation.contact_id)
        .where(Invitation.wave_id == wave.id)
    )
    if questionnaire:
        query = query.where(Invitation.questionnaire == questionnaire)
    if status == "revoked":
        query = query.where(Invitation.revoked_at.is_not(None))
    elif status:
        query = query.where(
            Invitation.status == status, Invitation.revoked_at.is_(None)
        )
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Contact.email).like(pattern),
                func.lower(Contact.name).like(pattern),
                func.lower(Invitation.organisation).like(pattern),
            )
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(Invitation.id).offset(offset).limit(limit)
    )
    return [(inv, contact) for inv, contact in rows], total or 0


def parse_stratum(text: str) -> dict[str, str]:
    """``tier=gemeente,panel=flitspanel`` → a dict, with tiers checked."""
    result: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not sep or not name or not value:
            raise InvalidInput(f"Stratum '{part}' is niet van de vorm naam=waarde.")
        if name == "tier":
            tier = catalogue.normalise_tier(value)
            if tier is None:
                raise InvalidInput(f"Onbekende bestuurslaag '{value}'.")
            value = tier
        result[name] = value
    if not result:
        raise InvalidInput("Geef een stratum, bijvoorbeeld tier=gemeente.")
    return result


async def create_panel_links(
    session: AsyncSession,
    settings: Settings,
    *,
    wave: Wave,
    questionnaire: str,
    panel: str,
    stratum: dict[str, str],
    count: int,
    drawn_by: str,
    drawn_by_id: int | None = None,
    assign: dict[str, list[str]] | None = None,
    seed: int | None = None,
    batch_size: int = 5000,
) -> Sample:
    """A batch of personal links for a panel provider, without any contact.

    The provider hands one link to each member; no e-mail address ever enters
    the platform. The stratum (e.g. tier=gemeente) and panel travel with each
    link into routing and exports.
    """
    if not 1 <= count <= 100_000:
        raise InvalidInput("Het aantal links ligt tussen 1 en 100.000.")
    panel_code = catalogue.normalise_panel(panel)
    if not panel_code:
        raise InvalidInput("Geef de naam van het panel.")
    seed = seed if seed is not None else secrets.randbelow(2**48)
    key = "/".join(stratum.values())
    sample = Sample(
        wave_id=wave.id,
        questionnaire=questionnaire,
        kind="panel_links",
        name=f"Panellinks {catalogue.PANELS.get(panel_code, panel_code)} · {key}",
        design={
            "panel": panel_code,
            "stratum": stratum,
            "count": count,
            "assign": assign or {},
        },
        seed=seed,
        summary={
            "strata": [
                {
                    "key": key,
                    "label": key,
                    "population": None,
                    "sampled": count,
                    "share": None,
                }
            ]
        },
        population=0,
        sampled=count,
        drawn_by=drawn_by,
        drawn_by_id=drawn_by_id,
    )
    session.add(sample)
    await session.flush()
    streams = [
        (name, values, rng_for(seed, f"assign:{name}"))
        for name, values in (assign or {}).items()
    ]
    columns = {k: v for k, v in stratum.items() if k in INVITATION_COLUMNS}
    extra = {k: v for k, v in stratum.items() if k not in INVITATION_COLUMNS}
    now = utcnow()
    batch: list[dict[str, Any]] = []
    for _ in range(count):
        batch.append(
            invitation_row(
                settings,
                wave_id=wave.id,
                questionnaire=questionnaire,
                contact_id=None,
                sample_id=sample.id,
                values={**columns, "panel": panel_code, "stratum": key},
                extra={**extra, **assign_values(streams)},
                now=now,
            )
        )
        if len(batch) >= batch_size:
            await insert_invitations(session, batch)
            batch = []
    await insert_invitations(session, batch)
    return sample


async def sample_links(
    session: AsyncSession, settings: Settings, *, sample: Sample, batch_size: int = 5000
) -> AsyncIterator[list[str]]:
    """CSV rows (header first) of a batch's links, re-derived from the key."""
    yield ["referentie", "link", "vragenlijst", "panel", "stratum", "bestuurslaag"]
    last_id = 0
    while True:
        invitations = list(
            await session.scalars(
                select(Invitation)
                .where(Invitation.sample_id == sample.id, Invitation.id > last_id)
                .order_by(Invitation.id)
                .limit(batch_size)
            )
        )
        if not invitations:
            return
        for invitation in invitations:
            try:
                url = invitation_url(settings, invitation)
            except tokens.KeyUnavailable as exc:
                raise LinkKeyUnavailable() from exc
            yield [
                str(invitation.id),
                url,
                invitation.questionnaire,
                invitation.panel or "",
                invitation.stratum or "",
                invitation.tier or "",
            ]
        last_id = invitations[-1].id
