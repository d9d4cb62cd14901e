"""review links, walks and comments

Revision ID: 0012_reviews
Revises: 0011_drafts
Create Date: 2026-12-06 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0012_reviews'
down_revision: str | Sequence[str] | None = '0011_drafts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_review_links_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_versions.id'], name=op.f('fk_review_links_version_id_questionnaire_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review_links_token_hash'))
    )
    op.create_index(op.f('ix_review_links_questionnaire'), 'review_links', ['questionnaire'], unique=False)
    op.create_index(op.f('ix_review_links_version_id'), 'review_links', ['version_id'], unique=False)
    op.create_table('review_walks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=120), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_review_walks_invitation_id_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['review_links.id'], name=op.f('fk_review_walks_link_id_review_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_walks')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_review_walks_invitation_id'))
    )
    op.create_index(op.f('ix_review_walks_link_id'), 'review_walks', ['link_id'], unique=False)
    op.create_table('review_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire', sa.String(length=32), nullable=False),
    sa.Column('version_label', sa.String(length=32), nullable=False),
    sa.Column('question_id', sa.String(length=32), nullable=False),
    sa.Column('reviewer', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['review_links.id'], name=op.f('fk_review_comments_link_id_review_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['staff_users.id'], name=op.f('fk_review_comments_resolved_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comments'))
    )
    op.create_index('ix_review_comments_questionnaire_question', 'review_comments', ['questionnaire', 'question_id'], unique=False)
    op.create_index(op.f('ix_review_comments_link_id'), 'review_comments', ['link_id'], unique=False)


def downgrade() -> None:
    op.drop_table('review_comments')
    op.drop_table('review_walks')
    op.drop_table('review_links')
