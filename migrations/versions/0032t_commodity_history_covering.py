"""Inspection targeting: the commodity lines' history index covers what a usual run's deciding reads. On PostgreSQL
it holds only the live lines of live applications (the history's own condition) and carries each line's quantity
and unit, so the earlier lines of a (company, commodity) — whether the commodity was used before, and the median of
its earlier quantities — are read from the index alone once autovacuum has marked the table's pages all-visible
(≈ 9,000 heap pages per hundred new applications on the 110-day simulator otherwise). SQLite keeps the plain index
(it has no INCLUDE, and it never takes that path).

Revision ID: 0032t
Revises: 0031c
"""
from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0032t"
down_revision = "0031c"
branch_labels = None
depends_on = None

INDEX, TABLE, COLUMNS = "ix_application_commodities_history", "application_commodities", [
    "service_user_id", "commodity_id", "submitted_at"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS, postgresql_include=["quantity", "unit"],
                    postgresql_where=text("deleted_at IS NULL AND application_deleted_at IS NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name=TABLE)
    op.create_index(INDEX, TABLE, COLUMNS)
