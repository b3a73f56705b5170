"""Survey invitations: the 30-day rule against every earlier invitation, and the repair of the surplus ones (issue #15).

Revision ID: 0012s
Revises: 0011w
"""
from __future__ import annotations

revision = "0012s"
down_revision = "0011w"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change yet."""


def downgrade() -> None:
    """Nothing to undo yet."""
