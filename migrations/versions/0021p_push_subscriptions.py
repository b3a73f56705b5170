"""Web Push (issue 20): a subscription per device, and one delivery row per message and device.

- push_subscriptions: the browser's PushSubscription (endpoint unique, its keys), a device label, the last success
  and the failures since.
- push_deliveries: (outbox row, subscription) unique, with the claimed/sent state that keeps a push from going out
  twice when the scheduler is killed mid-delivery.

Revision ID: 0021p
Revises: 0019t
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0021p"
down_revision = "0019t"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("device_label", sa.String(length=120), nullable=True),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_push_subscriptions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"])
    op.create_table(
        "push_deliveries",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("outbox_id", BIG_ID, nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["notification_outbox.id"],
                                name=op.f("fk_push_deliveries_outbox_id_notification_outbox"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscription_id"], ["push_subscriptions.id"],
                                name=op.f("fk_push_deliveries_subscription_id_push_subscriptions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_deliveries")),
        sa.UniqueConstraint("outbox_id", "subscription_id", name="uq_push_deliveries_once"),
    )
    op.create_index(op.f("ix_push_deliveries_subscription_id"), "push_deliveries", ["subscription_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_push_deliveries_subscription_id"), table_name="push_deliveries")
    op.drop_table("push_deliveries")
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
