"""Notifications: per-account stages and channels and a daily digest.

Revision ID: 0010n
Revises: 0009g
"""
from __future__ import annotations

revision = "0010n"
down_revision = "0009g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the notification work of issue #14."""


def downgrade() -> None:
    """Nothing to undo yet."""
