"""The handler flag's count from the index alone: ix_applications_service_user_completed also carries handler_id on
PostgreSQL.

Every sync run that decides new applications, and every profile's handler list, asks how many tier-D companies each
handler has served (portal/services/compliance/profile.py: tier_d_companies_per_handler): the tier-D companies'
live applications, as (handler, company) pairs. Read through this index by company, each entry's heap row was
fetched for its handler (a station-year's 13 tier-D companies: 16,518 rows over 12,549 heap pages, 24 ms warm and
117 ms just after a load, half of an incremental run's deciding; a national database's tier-D companies hold many
times that). With handler_id beside section_id and deleted_at (migration 0036c) it is an index-only scan; the key
columns are unchanged. SQLite keeps the plain index (it has no INCLUDE).

Revision ID: 0037h
Revises: 0036c
"""
from __future__ import annotations

from alembic import op

revision = "0037h"
down_revision = "0036c"
branch_labels = None
depends_on = None

INDEX, TABLE, COLUMNS = "ix_applications_service_user_completed", "applications", ["service_user_id", "completed_at"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS, postgresql_include=["section_id", "deleted_at", "handler_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS, postgresql_include=["section_id", "deleted_at"])
