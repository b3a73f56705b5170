"""The semester IKM follow-up plan carries an edit version, so a save over a colleague's newer plan is refused.

Two officers saving the same semester's plan both succeeded and the second replaced the first (only the audit log
kept the lost text). Like the other edited records (0016v), `ikm_follow_up_plans` gets `version` (1 for every
existing plan); portal/services/ikm_results.py saves against the version the page's form opened.

Revision ID: 0040i
Revises: 0039p
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040i"
down_revision = "0039p"
branch_labels = None
depends_on = None

TABLE = "ikm_follow_up_plans"


def upgrade() -> None:
    # A plain ADD COLUMN with a server default (as 0016v): it fills the existing plans, and no batch table copy.
    op.add_column(TABLE, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    op.drop_column(TABLE, "version")
