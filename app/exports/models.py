"""Tables of the exports domain: population counts for weighting.

Staff enter how many officials hold each function (or how many employees work
in each tier, of each gender) for a wave; the export weights respondents to
these counts. Without entered counts the wave's frame (its invitations) is
used, and the codebook says so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class PopulationCount(Base):
    __tablename__ = "population_counts"
    __table_args__ = (
        UniqueConstraint("wave_id", "questionnaire", "variable", "value"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(32))
    variable: Mapped[str] = mapped_column(String(32))
    """function, tier or gender"""
    value: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))
    """E-mail of the staff member or ``cli:<os user>``."""
