"""Reference counts of earlier editions, and the monitor's running tallies.

The monitor never loads invitations. Database triggers (created in the
monitoring migration) append a ``monitor_deltas`` row for every change of an
invitation's monitored state; the monitor folds those deltas into
``monitor_counts`` (per sample group and state) and ``monitor_curve`` (per
group and hour of response) and reads the sums. A page therefore costs the
same at 6,000 invitations as at a million, and is exact at every moment.
``queries.recount`` rebuilds the tallies from ``invitations`` when needed.

Group columns hold '' for "none" (not NULL) so the composite keys work with
``ON CONFLICT`` on both databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TimestampMixin


class ReferenceCount(TimestampMixin, Base):
    """One cell of an earlier edition's response overview (e.g. Table 4.3, 2022).

    ``tier`` and ``function`` are '' when a count covers all of them: the
    employees' 2022 figures exist per tier only. An edition is always replaced
    as a whole, so its cells stay consistent with one source.
    """

    __tablename__ = "reference_counts"
    __table_args__ = (
        UniqueConstraint("wave_id", "questionnaire", "edition", "tier", "function"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(32))
    edition: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(32), default="", server_default="")
    function: Mapped[str] = mapped_column(String(64), default="", server_default="")
    invited: Mapped[int | None] = mapped_column(Integer)
    """Unknown for some editions (Table 1.3 gives only the 2022 response)."""
    responses: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Where the figures came from: a file name, or "formulier"."""


class MonitorCount(Base):
    """How many invitations of one sample group are in one state (see ``states``)."""

    __tablename__ = "monitor_counts"

    wave_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire: Mapped[str] = mapped_column(String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    function_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    email_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    gender: Mapped[str] = mapped_column(String(16), primary_key=True)
    panel: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class MonitorCurveCount(Base):
    """How many invitations of one group reached the response threshold in one
    UTC hour ('YYYY-MM-DD HH'); hours map exactly onto local days."""

    __tablename__ = "monitor_curve"

    wave_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire: Mapped[str] = mapped_column(String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    function_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    panel: Mapped[str] = mapped_column(String(64), primary_key=True)
    response_hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class MonitorDelta(Base):
    """A change not yet folded into the tallies: written only by the triggers.

    No foreign key to ``waves``: a wave's deletion cascades into invitations,
    whose triggers then write deltas for a wave that is going away.
    """

    __tablename__ = "monitor_deltas"
    __table_args__ = (Index("ix_monitor_deltas_wave", "wave_id", "questionnaire"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    wave_id: Mapped[int] = mapped_column(Integer)
    questionnaire: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(32))
    function: Mapped[str] = mapped_column(String(64))
    function_type: Mapped[str] = mapped_column(String(32))
    email_kind: Mapped[str] = mapped_column(String(16))
    gender: Mapped[str] = mapped_column(String(16))
    panel: Mapped[str] = mapped_column(String(64))
    state: Mapped[int] = mapped_column(SmallInteger)
    response_hour: Mapped[str] = mapped_column(String(13))
    delta: Mapped[int] = mapped_column(Integer)


class BurdenSnapshot(Base):
    """The break-off view of one questionnaire in one wave, as last computed.

    Written only by ``burden_snapshots.refresh_burden`` (one upsert per
    computation); the break-off page and CSV read it. ``responses`` and
    ``responses_updated_at`` fingerprint the responses it was computed from
    (their count and latest save); ``stale_after`` is when it would change
    without any new answer (a busy respondent passing the quiet hours, or the
    wave closing). ``format`` is the layout of ``report``: another format is
    recomputed, never read.
    """

    __tablename__ = "burden_snapshots"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    questionnaire: Mapped[str] = mapped_column(String(32), primary_key=True)
    format: Mapped[int] = mapped_column(SmallInteger)
    computed_at: Mapped[dt.datetime]
    closed: Mapped[bool]
    responses: Mapped[int] = mapped_column(Integer)
    responses_updated_at: Mapped[dt.datetime | None]
    stale_after: Mapped[dt.datetime | None]
    report: Mapped[list[Any]] = mapped_column(JSON)
    """One entry per questionnaire version (see ``burden_snapshots``)."""
