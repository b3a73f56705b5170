"""Notification choices carry an edit version, so a save from a tab opened before another's save is refused.

A forwarder's account is often shared by several staff: one tab saving its choices silently undid what another had
just saved. `notification_preferences.version` (1 for every existing row) is checked the way every edit form's is
(portal/services/edit_versions.py).

Revision ID: 0041n
Revises: 0040i
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041n"
down_revision = "0040i"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch table copy (as 0016v); the server default fills the existing rows and stays.
    op.add_column("notification_preferences",
                  sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    op.drop_column("notification_preferences", "version")
