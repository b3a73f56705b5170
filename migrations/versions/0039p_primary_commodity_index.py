"""An application's commodity lines indexed in order, so its primary commodity is read from the index alone.

The compliance rollups count every application, 3P action and NNC under its application's primary commodity (its
first live line: portal/services/compliance/sources.py, `_primary_commodity`). The subquery found the lines by the
plain `application_id` index, fetched each from the heap for `line_no`, `deleted_at` and `commodity_id`, and sorted
them: four buffers per application, ≈ 4 µs each, and an incremental sync's rollups count the touched companies'
thousands of applications twice (the monthly rollup and the window's edge months). `(application_id, line_no)` with
`commodity_id` and `deleted_at` carried (INCLUDE, on PostgreSQL) answers it with the first index entry, no heap
fetch where the visibility map is current and no sort; it replaces the plain index (same leading column, so the
lookups by application and the foreign key's cascade keep their index, and a sync writes no extra index). The
other readers of an application's lines in order (the application page, targeting's lines) get their order from
it. SQLite gets the two key columns (it has no INCLUDE).

Revision ID: 0039p
Revises: 0038n
"""
from __future__ import annotations

from alembic import op

revision = "0039p"
down_revision = "0038n"
branch_labels = None
depends_on = None

TABLE = "application_commodities"
OLD_INDEX = "ix_application_commodities_application_id"
NEW_INDEX, NEW_COLUMNS = "ix_application_commodities_application_line", ["application_id", "line_no"]


def upgrade() -> None:
    op.create_index(NEW_INDEX, TABLE, NEW_COLUMNS, postgresql_include=["commodity_id", "deleted_at"])
    op.drop_index(OLD_INDEX, table_name=TABLE)


def downgrade() -> None:
    op.create_index(OLD_INDEX, TABLE, ["application_id"])
    op.drop_index(NEW_INDEX, table_name=TABLE)
