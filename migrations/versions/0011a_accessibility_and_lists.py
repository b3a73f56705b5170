"""Schema room for issue #14's remaining work (lists, audit log, heavy pages); empty unless one of them needs it.

Revision ID: 0011a
Revises: 0010n
"""
from __future__ import annotations

revision = "0011a"
down_revision = "0010n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change yet."""


def downgrade() -> None:
    """Nothing to undo yet."""
