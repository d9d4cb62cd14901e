"""questionnaire drafts stored for test runs

Revision ID: 0011_drafts
Revises: 0010_privacy
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_drafts'
down_revision: str | Sequence[str] | None = '0010_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('questionnaire_versions') as batch:
        batch.add_column(
            sa.Column('is_draft', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('questionnaire_versions') as batch:
        batch.drop_column('is_draft')
