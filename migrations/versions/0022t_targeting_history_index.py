"""Inspection targeting: applications by (service user, submission time), so deciding a run's new applications reads
only each company's earlier consignments it needs (the count stops at the threshold, "used before" at the first
earlier use) instead of every row of the company.

Revision ID: 0022t
Revises: 0020n
"""
from __future__ import annotations

from alembic import op

revision = "0022t"
down_revision = "0020n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_applications_service_user_submitted", "applications", ["service_user_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_service_user_submitted", table_name="applications")
