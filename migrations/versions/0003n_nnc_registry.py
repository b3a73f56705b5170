"""nnc registry: notices of non-compliance (ISPM 13), status history, attachments archive

Attachments are stored in the database, one row per distinct content (sha256) in attachment_blobs, so one
backup holds the whole archive; nnc_attachments links an NNC to its files.

Revision ID: 0003n
Revises: 0002
Create Date: 2026-11-28 16:28:09.631971
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0003n'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment_blobs',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=64), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_attachment_blobs'))
    )
    op.create_table('nncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('notice_date', sa.Date(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('flow', sa.String(length=16), nullable=False),
    sa.Column('notifying_authority', sa.String(length=200), nullable=False),
    sa.Column('notifying_country', sa.String(length=100), nullable=False),
    sa.Column('notified_authority', sa.String(length=200), nullable=False),
    sa.Column('notified_country', sa.String(length=100), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=True),
    sa.Column('party_name', sa.String(length=200), nullable=True),
    sa.Column('party_country', sa.String(length=100), nullable=True),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('application_number', sa.String(length=60), nullable=True),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('certificate_number', sa.String(length=60), nullable=True),
    sa.Column('certificate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('commodity', sa.String(length=200), nullable=False),
    sa.Column('scientific_name', sa.String(length=200), nullable=True),
    sa.Column('hs_code', sa.String(length=16), nullable=True),
    sa.Column('lot_number', sa.String(length=100), nullable=True),
    sa.Column('container_number', sa.String(length=100), nullable=True),
    sa.Column('air_waybill', sa.String(length=60), nullable=True),
    sa.Column('point_of_entry', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('subcategory', sa.String(length=24), nullable=True),
    sa.Column('organism', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('action_taken', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('investigation_findings', sa.Text(), nullable=True),
    sa.Column('corrective_action', sa.Text(), nullable=True),
    sa.Column('guidance_given', sa.Text(), nullable=True),
    sa.Column('internal_notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_nncs_application_id_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_nncs_certificate_id_certificates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_nncs_created_by_id_users')),
    sa.ForeignKeyConstraint(['handler_id'], ['handlers.id'], name=op.f('fk_nncs_handler_id_handlers')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_nncs_office_id_offices')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_nncs_section_id_sections')),
    sa.ForeignKeyConstraint(['service_user_id'], ['service_users.id'], name=op.f('fk_nncs_service_user_id_service_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_nncs_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nncs')),
    sa.UniqueConstraint('office_id', 'number', name=op.f('uq_nncs_office_id_number'))
    )
    with op.batch_alter_table('nncs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nncs_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_nncs_office_notice_date', ['office_id', 'notice_date'], unique=False)
        batch_op.create_index('ix_nncs_office_status', ['office_id', 'status'], unique=False)
        batch_op.create_index('ix_nncs_section_notice_date', ['section_id', 'notice_date'], unique=False)
        batch_op.create_index('ix_nncs_service_user_notice_date', ['service_user_id', 'notice_date'], unique=False)

    op.create_table('nnc_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nnc_id', sa.Integer(), nullable=False),
    sa.Column('blob_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blob_hash'], ['attachment_blobs.hash'], name=op.f('fk_nnc_attachments_blob_hash_attachment_blobs')),
    sa.ForeignKeyConstraint(['nnc_id'], ['nncs.id'], name=op.f('fk_nnc_attachments_nnc_id_nncs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_nnc_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nnc_attachments')),
    sa.UniqueConstraint('nnc_id', 'blob_hash', name=op.f('uq_nnc_attachments_nnc_id_blob_hash'))
    )
    with op.batch_alter_table('nnc_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nnc_attachments_blob_hash'), ['blob_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_nnc_attachments_nnc_id'), ['nnc_id'], unique=False)

    op.create_table('nnc_status_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('nnc_id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['nnc_id'], ['nncs.id'], name=op.f('fk_nnc_status_changes_nnc_id_nncs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nnc_status_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nnc_status_changes'))
    )
    with op.batch_alter_table('nnc_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nnc_status_changes_nnc_id'), ['nnc_id'], unique=False)

    # The form links a certificate number to the synced certificate: look it up by index, not by scanning.
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_number', ['number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_number')

    with op.batch_alter_table('nnc_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nnc_status_changes_nnc_id'))

    op.drop_table('nnc_status_changes')
    with op.batch_alter_table('nnc_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nnc_attachments_nnc_id'))
        batch_op.drop_index(batch_op.f('ix_nnc_attachments_blob_hash'))

    op.drop_table('nnc_attachments')
    with op.batch_alter_table('nncs', schema=None) as batch_op:
        batch_op.drop_index('ix_nncs_service_user_notice_date')
        batch_op.drop_index('ix_nncs_section_notice_date')
        batch_op.drop_index('ix_nncs_office_status')
        batch_op.drop_index('ix_nncs_office_notice_date')
        batch_op.drop_index(batch_op.f('ix_nncs_application_id'))

    op.drop_table('nncs')
    op.drop_table('attachment_blobs')
