"""Join the branches the first issues were built on into one head.

The NNC registry, source lookups, service users' portal, compliance profiling, complaints and KPI panel were
migrated on branches off 0002 while they were built side by side; from here on there is one line of history, so
`db upgrade` has one target and a new migration has one parent.

Revision ID: 0008
Revises: 0003s, 0004u, 0005c, 0006k, 0007k
"""
from __future__ import annotations

revision = "0008"
down_revision = ("0003s", "0004u", "0005c", "0006k", "0007k")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only records that every branch is applied."""


def downgrade() -> None:
    """Nothing to undo."""
