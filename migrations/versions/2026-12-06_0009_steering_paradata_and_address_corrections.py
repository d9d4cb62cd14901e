"""paradata and address corrections

Adds what responsive fieldwork needs: ``page_visits.first_submitted_at`` (time
on page = first arrival to first submit, whatever double submits or later
revisits do), ``invitations.opened_at`` (the link's first opening, for reminder
audiences "never opened" / "opened but not started") and
``invitations.address_corrected_at`` (a bounced address corrected by the
fieldwork manager). Plain ``ADD COLUMN``: SQLite keeps the monitor's triggers
on ``invitations`` (a batch rebuild would drop them), and none of these columns
is watched by them.

Revision ID: 0009_steering
Revises: 0005_exports
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0009_steering"
down_revision: str | Sequence[str] | None = "0005_exports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "page_visits",
        sa.Column(
            "first_submitted_at", app.db.UTCDateTime(timezone=True), nullable=True
        ),
    )
    # Rows written once are exact; rows submitted more often keep NULL (their
    # first submit is not known) and are left out of page times.
    op.execute(
        "UPDATE page_visits SET first_submitted_at = submitted_at "
        "WHERE submissions = 1"
    )
    op.add_column(
        "invitations",
        sa.Column("opened_at", app.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "invitations",
        sa.Column(
            "address_corrected_at", app.db.UTCDateTime(timezone=True), nullable=True
        ),
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (no rebuild, triggers stay).
    op.drop_column("invitations", "address_corrected_at")
    op.drop_column("invitations", "opened_at")
    op.drop_column("page_visits", "first_submitted_at")
