"""Guidance can be planned: planned → done → cancelled, with a future date for a planned visit.

Every guidance recorded before this revision was given already, so the existing rows become `done`. `version`
counts the saves of a record, so a form opened on an older save is refused instead of overwriting a newer one.

Revision ID: 0009g
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009g"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guidance_records", schema=None) as batch_op:
        # The server defaults only fill the existing rows; new rows always name their status and version.
        batch_op.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="done"))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("guidance_records", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("guidance_records", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("status")
