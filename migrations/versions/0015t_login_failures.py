"""Login throttling: failed logins per (typed name, address), the count behind the last-resort account lock (issue #16).

Throttling itself lives in the rate-limit storage (Redis in production); this table only holds what the hard lock
needs to see across addresses and what the admin's unlock clears. Names are stored as a keyed digest.

Revision ID: 0015t
Revises: 0016v
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0015t"
down_revision = "0016v"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_digest", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_failures_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
        sa.UniqueConstraint("name_digest", "address", name=op.f("uq_login_failures_name_digest_address")),
    )
    op.create_index(op.f("ix_login_failures_last_failed_at"), "login_failures", ["last_failed_at"])
    op.create_index(op.f("ix_login_failures_user_id"), "login_failures", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_user_id"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_last_failed_at"), table_name="login_failures")
    op.drop_table("login_failures")
