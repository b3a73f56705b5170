"""What a sync run wrote to the commodity lines, by index: synced_at on application_commodities.

An application's first line gives its primary commodity, which the compliance rollup counts its detentions, refusals
and destructions under: a line IQFast corrected moves those counts to another commodity, so
after_sync.changed_applications reads the lines written since the run started as it reads the events, 3P actions,
bills and certificates (before, the rollup kept the old commodity until the company's next other change). The index
keeps that read a range scan of the run's own entries; a run stamps all its rows with one time, so they go in at the
index's end (migration 0033i measured the same kind of index at 2–6 % of a first load's CPU).

Revision ID: 0035s
Revises: 0034r
"""
from __future__ import annotations

from alembic import op

revision = "0035s"
down_revision = "0034r"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_application_commodities_synced_at", "application_commodities", ["synced_at"])


def downgrade() -> None:
    op.drop_index("ix_application_commodities_synced_at", table_name="application_commodities")
