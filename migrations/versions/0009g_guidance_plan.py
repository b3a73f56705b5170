"""Guidance can be planned: planned → done → cancelled, with a future date for a planned visit.

Revision ID: 0009g
Revises: 0008
"""
from __future__ import annotations

revision = "0009g"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the guidance work of issue #14."""


def downgrade() -> None:
    """Nothing to undo yet."""
