"""Waves, contacts (the only place names and e-mail addresses live) and invitations.

An invitation carries the sample attributes that routing and the monitor need
(tier, function, e-mail kind, ...) but no name or address: those stay on the
contact, which the fieldwork manager can purge after fieldwork while
invitations, responses and response counts remain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin, utcnow
from app.samples.states import InvitationStatus


class Wave(TimestampMixin, Base):
    """One edition of a monitor, e.g. "Monitor Integriteit en Veiligheid 2024"."""

    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    contacts_purged_at: Mapped[dt.datetime | None]
    contacts_retention_on: Mapped[dt.date | None] = mapped_column(Date)
    """Purge contact data on this day (set when a manager postpones the purge;
    otherwise ``closes_on`` + ``Settings.retention_days_after_close``)."""
    retention_note: Mapped[str | None] = mapped_column(String(500))
    """Why the purge was postponed (also in the audit log)."""


class WaveQuestionnaire(Base):
    """A questionnaire fielded in a wave, and the version new starters get."""

    __tablename__ = "wave_questionnaires"
    __table_args__ = (UniqueConstraint("wave_id", "questionnaire"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(32))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT")
    )


class Contact(TimestampMixin, Base):
    """A person from an address file: the contact data, kept apart from answers."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    email_kind: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[str | None] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(200))
    organisation_code: Mapped[str | None] = mapped_column(String(32))
    function: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(16))
    panel: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frame_id: Mapped[int | None] = mapped_column(
        ForeignKey("frames.id", ondelete="CASCADE"), index=True
    )
    """The address file this contact came from (None for contacts made otherwise)."""


ATTRIBUTE_COLUMNS = (
    "tier",
    "function",
    "function_type",
    "organisation",
    "organisation_code",
    "email_kind",
    "gender",
    "panel",
    "stratum",
)
"""Sample attributes an invitation keeps in columns of its own (others go in
``attributes``); routing and piping may use all of them, never contact data."""


class Invitation(TimestampMixin, Base):
    """One sampled person (or panel link, or organisation) for one questionnaire.

    Status moves invited → started → response (threshold reached) → complete.
    The link token is never stored: only its SHA-256 (for lookup) and a nonce
    from which the link is re-derived with the secret key for every mail.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "ix_invitations_monitor",
            "wave_id",
            "questionnaire",
            "tier",
            "function",
            "status",
        ),
        # One invitation per sampled person per questionnaire (a contact belongs
        # to one wave). Panel links and purged invitations have no contact.
        UniqueConstraint("contact_id", "questionnaire"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_nonce: Mapped[str] = mapped_column(String(43))
    token_key_id: Mapped[str] = mapped_column(String(16))
    # sample attributes (no contact data here)
    tier: Mapped[str | None] = mapped_column(String(32))
    function: Mapped[str | None] = mapped_column(String(64))
    function_type: Mapped[str | None] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(200))
    organisation_code: Mapped[str | None] = mapped_column(String(32))
    email_kind: Mapped[str | None] = mapped_column(String(16))
    gender: Mapped[str | None] = mapped_column(String(16))
    panel: Mapped[str | None] = mapped_column(String(64))
    stratum: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    # progress
    status: Mapped[str] = mapped_column(
        String(16), default=InvitationStatus.invited.value
    )
    started_at: Mapped[dt.datetime | None]
    response_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime | None]
    """When the link was first opened (the welcome page), started or not."""
    last_activity_at: Mapped[dt.datetime | None]
    """When the status last moved (start, response, complete); the last page
    save is ``responses.updated_at``, kept off this row on every page turn."""
    # mail facts: the mailings domain reports them through samples.service.progress
    first_mailed_at: Mapped[dt.datetime | None]
    last_mailed_at: Mapped[dt.datetime | None]
    opted_out_at: Mapped[dt.datetime | None]
    undeliverable_at: Mapped[dt.datetime | None]
    undeliverable_reason: Mapped[str | None] = mapped_column(String(500))
    address_corrected_at: Mapped[dt.datetime | None]
    """A bounced address was corrected (the audit log says by whom, from what)."""
    revoked_at: Mapped[dt.datetime | None]
    sample_id: Mapped[int | None] = mapped_column(
        ForeignKey("samples.id", ondelete="SET NULL"), index=True
    )
    """The draw or panel-link batch that made this invitation."""
    # eligibility (AAPOR "not eligible", e.g. no longer in office), set through
    # samples.service.eligibility; such invitations leave the AAPOR denominators
    ineligible_at: Mapped[dt.datetime | None]
    ineligible_reason: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[dt.datetime | None]
    """The person asked for erasure: contact and answers are gone, the link is
    dead; the row stays as an anonymous count so response rates stay right."""

    def attribute_values(self) -> dict[str, Any]:
        """The attributes routing and piping may use (never contact data)."""
        values: dict[str, Any] = dict(self.attributes or {})
        for name in ATTRIBUTE_COLUMNS:
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        return values


class Frame(Base):
    """An imported address file (sampling frame) of a wave.

    Keeps what documents the import (file name, SHA-256, row count, who and
    when) but not the file itself: the rows live in ``contacts`` and go with
    the contact purge, this record stays.
    """

    __tablename__ = "frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    """officials, employees or organisations: which fields the file must have."""
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """How each column of the file was read: ``[{"header", "field"}]``."""
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(320))
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )


class FrameRejection(Base):
    """A rejected address file: the problem report the manager downloads.

    Problems quote values from the file (an invalid address, a name), so these
    rows are contact data too and go with the contact purge.
    """

    __tablename__ = "frame_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    file_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    problem_count: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """The first problems (capped), as ``[{"line", "column", "header", "code", "message"}]``."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320))


class Sample(Base):
    """One draw for one questionnaire (or one batch of panel links).

    The design (JSON of ``design.SampleDesign``) and the seed are stored, so the
    draw can be repeated and checked; the summary per stratum is stored too, so
    it survives the contact purge.
    """

    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    """``design`` (drawn from frames) or ``panel_links`` (links without contacts)."""
    name: Mapped[str] = mapped_column(String(200))
    design: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    population: Mapped[int] = mapped_column(Integer, default=0)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    drawn_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    drawn_by: Mapped[str] = mapped_column(String(320))
    drawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
