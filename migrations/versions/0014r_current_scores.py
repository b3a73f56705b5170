"""Compliance: exact-day windows and scores kept current after every change (issue #15).

Revision ID: 0014r
Revises: 0013c
"""
from __future__ import annotations

revision = "0014r"
down_revision = "0013c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change yet."""


def downgrade() -> None:
    """Nothing to undo yet."""
