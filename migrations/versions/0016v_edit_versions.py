"""Edit versions: every record people edit in a form carries a version, so a stale save is refused (issue #16).

NNCs, complaints, accounts, key/value settings and correction requests get `version` (1 for every existing row).
Guidance records have had one since 0009g; the compliance scoring settings are versioned rows already.

Revision ID: 0016v
Revises: 0014r
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016v"
down_revision = "0014r"
branch_labels = None
depends_on = None

TABLES = ("nncs", "complaints", "users", "settings", "correction_requests")


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch table copy (as 0013c): on SQLite the copy drops the table, and the ON DELETE
    # CASCADE children (an NNC's history and files, a complaint's events, a user's sessions) would go with it.
    # The server default fills the existing rows and stays, so a row written by hand still starts at 1.
    for table in TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place, so again no table copy.
    for table in TABLES:
        op.drop_column(table, "version")
