"""The clean streak's count from the index alone: ix_applications_service_user_completed carries section_id and
deleted_at on PostgreSQL.

After every sync the refresh counts each touched company's completed, live applications since its last violation,
per section and over all sections (portal/services/compliance/rollup.py: _refresh_streaks): an index range over the
company's completions, but each entry's heap row was fetched to test deleted_at and section_id. For a station-year's
busy companies that was the after-sync's largest step on an incremental run (docs/performance.md). With both columns
in the index the count is an index-only scan where the visibility map is current; the key columns are unchanged, so
every other query that used the index still does. SQLite keeps the plain index (it has no INCLUDE).

Revision ID: 0036c
Revises: 0035s
"""
from __future__ import annotations

from alembic import op

revision = "0036c"
down_revision = "0035s"
branch_labels = None
depends_on = None

INDEX, TABLE, COLUMNS = "ix_applications_service_user_completed", "applications", ["service_user_id", "completed_at"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS, postgresql_include=["section_id", "deleted_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS)
