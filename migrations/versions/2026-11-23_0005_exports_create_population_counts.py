"""create population counts

Revision ID: 0005_exports
Revises: 0004_monitoring
Create Date: 2026-11-23 20:33:08.689321
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db


revision: str = '0005_exports'
down_revision: str | Sequence[str] | None = '0004_monitoring'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('population_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire', sa.String(length=32), nullable=False),
    sa.Column('variable', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_population_counts_wave_id_waves'), ondelete='CASCADE'),
    sa.CheckConstraint('count >= 0', name=op.f('ck_population_counts_count_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population_counts')),
    sa.UniqueConstraint('wave_id', 'questionnaire', 'variable', 'value', name=op.f('uq_population_counts_wave_id_questionnaire_variable_value'))
    )


def downgrade() -> None:
    op.drop_table('population_counts')
