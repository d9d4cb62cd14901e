"""stored break-off views (burden_snapshots)

Revision ID: 0013_breakoff
Revises: 0012_reviews
Create Date: 2026-12-06 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0013_breakoff'
down_revision: str | Sequence[str] | None = '0012_reviews'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('burden_snapshots',
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire', sa.String(length=32), nullable=False),
    sa.Column('format', sa.SmallInteger(), nullable=False),
    sa.Column('computed_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('responses_updated_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stale_after', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_burden_snapshots_wave_id_waves'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('wave_id', 'questionnaire', name=op.f('pk_burden_snapshots'))
    )


def downgrade() -> None:
    op.drop_table('burden_snapshots')
