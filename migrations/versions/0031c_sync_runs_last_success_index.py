"""The last successful sync by index: (status, finished_at) on sync_runs, in place of the index on status alone.

Every page's sync warning and the KPI panel read max(finished_at) of the successful runs; by status alone that read
every successful run (a year of a 5-minute interval is ≈ 105,000). The new index answers it with one entry and
serves the look-ups by status alone as well.

Revision ID: 0031c
Revises: 0028s
"""
from __future__ import annotations

from alembic import op

revision = "0031c"
down_revision = "0028s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_runs_status_finished", "sync_runs", ["status", "finished_at"])
    op.drop_index("ix_sync_runs_status", table_name="sync_runs")


def downgrade() -> None:
    op.create_index("ix_sync_runs_status", "sync_runs", ["status"])
    op.drop_index("ix_sync_runs_status_finished", table_name="sync_runs")
