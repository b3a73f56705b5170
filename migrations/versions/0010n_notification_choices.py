"""Notifications: per-account stages and channels and a daily digest.

- notification_preferences: `push` (stored choice), `digest`, `stages` (the optional stages chosen).
- notification_outbox: `digest_day` (rows held for a daily digest); the inbox index gains `occurred_at`, so
  the bell's "unread of the last 30 days" and the newest-first inbox are index reads; one index for the
  digest job. Old rows without `occurred_at` take their `created_at`, so the inbox orders every row.

Revision ID: 0010n
Revises: 0009g
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010n"
down_revision = "0009g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('push', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                                      'postgresql'), nullable=True))
    op.execute("UPDATE notification_outbox SET occurred_at = created_at WHERE occurred_at IS NULL")
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_day', sa.Date(), nullable=True))
        batch_op.drop_index('ix_notification_outbox_inbox')
        batch_op.create_index('ix_notification_outbox_inbox', ['recipient_user_id', 'channel', 'read_at',
                                                               'occurred_at'], unique=False)
        batch_op.create_index('ix_notification_outbox_inbox_time', ['recipient_user_id', 'channel', 'occurred_at',
                                                                    'id'], unique=False)
        batch_op.create_index('ix_notification_outbox_digest', ['status', 'digest_day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox_digest')
        batch_op.drop_index('ix_notification_outbox_inbox_time')
        batch_op.drop_index('ix_notification_outbox_inbox')
        batch_op.create_index('ix_notification_outbox_inbox', ['recipient_user_id', 'channel', 'read_at'],
                              unique=False)
        batch_op.drop_column('digest_day')
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_column('stages')
        batch_op.drop_column('digest')
        batch_op.drop_column('push')
