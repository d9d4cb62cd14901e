"""translations stored with a version; the language of each response

Revision ID: 0014_language
Revises: 0013_breakoff
Create Date: 2026-12-06 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_language'
down_revision: str | Sequence[str] | None = '0013_breakoff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('questionnaire_versions') as batch:
        batch.add_column(
            sa.Column('translations_json', sa.Text(), server_default='{}', nullable=False)
        )
    with op.batch_alter_table('responses') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('responses') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('questionnaire_versions') as batch:
        batch.drop_column('translations_json')
