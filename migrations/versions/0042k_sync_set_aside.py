"""The foreign keys a first load sets aside while it writes its empty tables, kept until they are back.

Each row written into a table with a foreign key is checked against its parent, one index probe and a row lock per
row: for a station-year's stage events that was about half of a plain COPY's time. A first load into empty tables
drops those keys and adds them back after its after-sync, validated in one join each
(portal/services/sync/set_aside.py); `sync_set_aside` holds their definitions in between, so a run stopped midway
leaves them for the next run to put back.

Revision ID: 0042k
Revises: 0041n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0042k"
down_revision = "0041n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_set_aside",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("set_aside_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_set_aside")),
    )


def downgrade() -> None:
    # A key still set aside goes back before its record does (a downgrade must not lose a constraint).
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, table_name, definition in bind.execute(
                sa.text("SELECT name, table_name, definition FROM sync_set_aside")).all():
            op.execute(f'ALTER TABLE "{table_name}" ADD CONSTRAINT "{name}" {definition}')
    op.drop_table("sync_set_aside")
