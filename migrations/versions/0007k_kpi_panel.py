"""KPI panel rollups (per-application service times, daily facts and sums) and the IKM follow-up plans

Revision ID: 0007k
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0007k'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_daily',
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('section_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('handed_over', sa.Integer(), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    sa.Column('billed', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('detentions', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('destructions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('office_id', 'day', 'section_id', 'direction', name=op.f('pk_kpi_daily'))
    )
    op.create_table('kpi_daily_facts',
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('handed_over', sa.Integer(), nullable=False),
    sa.Column('certificates', sa.Integer(), nullable=False),
    sa.Column('billed', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('detentions', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('destructions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'day', name=op.f('pk_kpi_daily_facts'))
    )
    with op.batch_alter_table('kpi_daily_facts', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_daily_facts_office_day', ['office_id', 'day'], unique=False)

    op.create_table('ikm_follow_up_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('semester', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_ikm_follow_up_plans_office_id_offices')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_ikm_follow_up_plans_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ikm_follow_up_plans')),
    sa.UniqueConstraint('office_id', 'year', 'semester', name=op.f('uq_ikm_follow_up_plans_office_id_year_semester'))
    )
    op.create_table('kpi_application_times',
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completion_stage', sa.String(length=24), nullable=True),
    sa.Column('certified_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('service_hours', sa.Float(), nullable=True),
    sa.Column('h_verified', sa.Float(), nullable=True),
    sa.Column('h_inspected', sa.Float(), nullable=True),
    sa.Column('h_treated', sa.Float(), nullable=True),
    sa.Column('h_draft_certificate', sa.Float(), nullable=True),
    sa.Column('h_billed', sa.Float(), nullable=True),
    sa.Column('h_paid', sa.Float(), nullable=True),
    sa.Column('h_certified', sa.Float(), nullable=True),
    sa.Column('h_handed_over', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_kpi_application_times_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_kpi_application_times'))
    )
    with op.batch_alter_table('kpi_application_times', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_application_times_office_completed', ['office_id', 'completed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kpi_application_times', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_application_times_office_completed')

    op.drop_table('kpi_application_times')
    op.drop_table('ikm_follow_up_plans')
    with op.batch_alter_table('kpi_daily_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_daily_facts_office_day')

    op.drop_table('kpi_daily_facts')
    op.drop_table('kpi_daily')
