"""Inspection targeting (issue #18): decisions per new application, office keys, versioned targeting settings,
and the applications a sync inserted that wait for their decision.

Every existing office gets its first key here (a random secret, never shown); offices added later get one on
first use. Applications already synced get no decision: only what a sync inserts from now on is queued.

Revision ID: 0019t
Revises: 0018c
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import models.base

revision = "0019t"
down_revision = "0018c"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    keys = op.create_table(
        "targeting_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_targeting_keys_office_id_offices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_targeting_keys_created_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_keys")),
        sa.UniqueConstraint("office_id", "version", name=op.f("uq_targeting_keys_office_id_version")),
    )
    op.create_table(
        "targeting_settings_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_targeting_settings_versions_created_by_id_users")),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_targeting_settings_versions")),
    )
    op.create_table(
        "targeting_pending",
        sa.Column("application_id", BIGID, autoincrement=False, nullable=False),
        sa.Column("queued_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name=op.f("fk_targeting_pending_application_id_applications")),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_targeting_pending")),
    )
    op.create_table(
        "targeting_decisions",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("application_id", BIGID, nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("service_user_id", sa.Integer(), nullable=False),
        sa.Column("iqfast_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("draw", sa.Float(), nullable=False),
        sa.Column("random_selected", sa.Boolean(), nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("settings_version", sa.Integer(), nullable=False),
        sa.Column("level_basis", JSON, nullable=False),
        sa.Column("decided_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name=op.f("fk_targeting_decisions_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_decisions")),
        sa.UniqueConstraint("application_id", name=op.f("uq_targeting_decisions_application_id")),
    )
    op.create_index("ix_targeting_decisions_office_decided", "targeting_decisions", ["office_id", "decided_at"])
    op.create_index("ix_targeting_decisions_office_section_decided", "targeting_decisions",
                    ["office_id", "section_id", "decided_at"])
    op.create_index("ix_targeting_decisions_service_user", "targeting_decisions", ["service_user_id", "decided_at"])

    offices = op.get_bind().execute(sa.text("SELECT id FROM offices")).scalars().all()
    now = datetime.now(timezone.utc)
    if offices:
        op.bulk_insert(keys, [{"office_id": office_id, "version": 1, "secret": secrets.token_hex(32),
                               "created_at": now} for office_id in offices])


def downgrade() -> None:
    op.drop_index("ix_targeting_decisions_service_user", table_name="targeting_decisions")
    op.drop_index("ix_targeting_decisions_office_section_decided", table_name="targeting_decisions")
    op.drop_index("ix_targeting_decisions_office_decided", table_name="targeting_decisions")
    op.drop_table("targeting_decisions")
    op.drop_table("targeting_pending")
    op.drop_table("targeting_settings_versions")
    op.drop_table("targeting_keys")
