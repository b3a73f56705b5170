"""What a sync run wrote, by index: synced_at on applications, stage_events, quarantine_actions, bills and
certificates.

After every incremental run, after_sync.changed_applications reads the applications whose rows (or whose events,
3P actions, bills or certificates) were written since the run started: without these indexes five sequential scans
of tables that only grow (a 110-day station: 46–48 ms of CPU per run; a year's and several offices' more), with them
about a millisecond. Every upsert writes synced_at, but a run stamps all its rows with one time, so the entries go in
at the index's end; a first load cost 2–6 % more CPU with them (docs/performance.md).

Revision ID: 0033i
Revises: 0032t
"""
from __future__ import annotations

from alembic import op

revision = "0033i"
down_revision = "0032t"
branch_labels = None
depends_on = None

TABLES = ("applications", "stage_events", "quarantine_actions", "bills", "certificates")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_synced_at", table, ["synced_at"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_synced_at", table_name=table)
