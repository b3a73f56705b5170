"""complaints register: complaints, their history and attachments, collective leave days

Revision ID: 0006k
Revises: 0003n
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import models.base
from sqlalchemy.dialects import postgresql

revision = '0006k'
down_revision = '0003n'  # complaint attachments reuse the NNC registry's attachment_blobs
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('tracking_code', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reporter_name', sa.String(length=120), nullable=True),
        sa.Column('reporter_contact', sa.String(length=200), nullable=True),
        sa.Column('reporter_email', sa.String(length=254), nullable=True),
        sa.Column('contact_erased_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('service_user_id', sa.Integer(), nullable=True),
        sa.Column('application_id', BigId, nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answer_emailed_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_complaints_office_id_offices')),
        sa.ForeignKeyConstraint(['service_user_id'], ['service_users.id'],
                                name=op.f('fk_complaints_service_user_id_service_users')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_complaints_application_id_applications'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_complaints_submitted_by_id_users')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_complaints_assignee_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_complaints_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
        sa.UniqueConstraint('tracking_code', name=op.f('uq_complaints_tracking_code')),
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_office_status_due', ['office_id', 'status', 'due_date'], unique=False)
        batch_op.create_index('ix_complaints_office_received', ['office_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_service_user_id'), ['service_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_submitted_by_id'), ['submitted_by_id'], unique=False)
    op.create_table(
        'complaint_events',
        sa.Column('id', BigId, nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=64), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('before', JSON, nullable=True),
        sa.Column('after', JSON, nullable=True),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_complaint_events_complaint_id_complaints'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events')),
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_events_complaint_id'), ['complaint_id'], unique=False)
    op.create_table(
        'complaint_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('blob_hash', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                                name=op.f('fk_complaint_attachments_complaint_id_complaints'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['blob_hash'], ['attachment_blobs.hash'],
                                name=op.f('fk_complaint_attachments_blob_hash_attachment_blobs')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_complaint_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_attachments')),
    )
    with op.batch_alter_table('complaint_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_attachments_complaint_id'), ['complaint_id'], unique=False)
    op.create_table(
        'collective_leave_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_collective_leave_days_created_by_id_users')),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_collective_leave_days')),
    )


def downgrade() -> None:
    op.drop_table('collective_leave_days')
    op.drop_table('complaint_attachments')
    op.drop_table('complaint_events')
    op.drop_table('complaints')
