"""Complaints: categories with their own deadlines, the first-response deadline, the field-check flag (issue #15).

Revision ID: 0013c
Revises: 0012s
"""
from __future__ import annotations

revision = "0013c"
down_revision = "0012s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change yet."""


def downgrade() -> None:
    """Nothing to undo yet."""
