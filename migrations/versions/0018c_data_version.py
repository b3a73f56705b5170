"""The data version (issue #17): one row bumped in the same transaction as every write the cached views show.

Revision ID: 0018c
Revises: 0017d
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0018c"
down_revision = "0017d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
    )
    # A random first stamp: two installations sharing one Redis never share a cache key.
    op.bulk_insert(table, [{"id": 1, "version": 1, "stamp": secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table("data_version")
