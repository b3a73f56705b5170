"""source_lookups: the certification system's small code lists, for resolving references in file exports

Revision ID: 0003s
Revises: 0002
Create Date: 2026-11-28 17:00:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0003s'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_lookups',
    sa.Column('source_table', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('source_updated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('synced_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source_table', 'source_id', name=op.f('pk_source_lookups'))
    )


def downgrade() -> None:
    op.drop_table('source_lookups')
