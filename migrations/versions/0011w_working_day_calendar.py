"""Working days: per-office, per-year additions and removals an admin edits (issue #15).

Revision ID: 0011w
Revises: 0010n
"""
from __future__ import annotations

revision = "0011w"
down_revision = "0010n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change yet."""


def downgrade() -> None:
    """Nothing to undo yet."""
