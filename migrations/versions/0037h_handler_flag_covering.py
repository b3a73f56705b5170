"""The handler flag's pairs from two indexes alone: the handlers' applications carry their company and deletion on
PostgreSQL, and the current scores are indexed by section and tier.

Every sync run that decides new applications, and every profile's handler list, asks how many tier-D companies each
handler has served (portal/services/compliance/profile.py: tier_d_companies_per_handler). PostgreSQL answered it
either from the tier-D companies (every one of their applications fetched from the heap for its handler: a
station-year's 13 companies, 16,518 rows over 12,549 pages, 24 ms warm and 117 ms just after a load) or from the
handlers' applications after a sequential scan of every current score for the tier-D ones (the national database's
150,000 scores, 18–20 ms). With `ix_applications_handler` carrying `service_user_id` and `deleted_at` (INCLUDE; the
key columns are unchanged) and `ix_compliance_scores_section_tier`, both sides are index-only reads: 3.7 ms on the
station-year, 0.9 ms nationally (docs/performance.md). SQLite gets the scores' index and keeps the handlers' plain one
(it has no INCLUDE).

Revision ID: 0037h
Revises: 0036c
"""
from __future__ import annotations

from alembic import op

revision = "0037h"
down_revision = "0036c"
branch_labels = None
depends_on = None

HANDLER_INDEX, HANDLER_COLUMNS = "ix_applications_handler", ["handler_id", "submitted_at"]
SCORES_INDEX, SCORES_COLUMNS = "ix_compliance_scores_section_tier", ["section_id", "tier", "service_user_id"]


def upgrade() -> None:
    op.create_index(SCORES_INDEX, "compliance_scores", SCORES_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(HANDLER_INDEX, table_name="applications")
        op.create_index(HANDLER_INDEX, "applications", HANDLER_COLUMNS,
                        postgresql_include=["service_user_id", "deleted_at"])


def downgrade() -> None:
    op.drop_index(SCORES_INDEX, table_name="compliance_scores")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(HANDLER_INDEX, table_name="applications")
        op.create_index(HANDLER_INDEX, "applications", HANDLER_COLUMNS)
