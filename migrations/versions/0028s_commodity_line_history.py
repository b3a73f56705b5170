"""Inspection targeting: each commodity line carries its application's service user, submission time and deletion
(copied by the sync, as quarantine actions copy theirs), so a usual run's earlier lines of a (company, commodity)
are one index range read instead of a join over every line of every company in the run.

Revision ID: 0028s
Revises: 0027n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0028s"
down_revision = "0027n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application_commodities") as batch:
        batch.add_column(sa.Column("service_user_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("submitted_at", models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("application_deleted_at", models.base.UTCDateTime(), nullable=True))
    # The lines already synced take their application's values (one statement; the sync keeps them equal after).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE application_commodities l SET service_user_id = a.service_user_id, "
                   "submitted_at = a.submitted_at, application_deleted_at = a.deleted_at "
                   "FROM applications a WHERE a.id = l.application_id")
    else:
        op.execute("UPDATE application_commodities SET "
                   + ", ".join(f"{line} = (SELECT a.{application} FROM applications a "
                               "WHERE a.id = application_commodities.application_id)"
                               for line, application in (("service_user_id", "service_user_id"),
                                                         ("submitted_at", "submitted_at"),
                                                         ("application_deleted_at", "deleted_at"))))
    op.create_index("ix_application_commodities_history", "application_commodities",
                    ["service_user_id", "commodity_id", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_application_commodities_history", table_name="application_commodities")
    with op.batch_alter_table("application_commodities") as batch:
        batch.drop_column("application_deleted_at")
        batch.drop_column("submitted_at")
        batch.drop_column("service_user_id")
