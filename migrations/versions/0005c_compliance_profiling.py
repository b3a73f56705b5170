"""compliance profiling: versioned scoring settings, monthly rollups, streaks, score snapshots, guidance

Version 1 of the scoring settings is DOMAIN.md's defaults, so every score has a version to name from the start.

Revision ID: 0005c
Revises: 0002
Create Date: 2026-11-28 16:35:58.939654
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import models.base
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0005c'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
# ScoringSettings() as of this migration (portal/domain/compliance.py).
DEFAULTS = {
    "weight_detention": 1, "weight_refusal": 2, "weight_destruction": 3, "weight_nnc": 3, "window_months": 12,
    "prior_m": 20, "tier_a_min_clean_streak": 20, "tier_a_clean_months": 24, "tier_a_min_n": 10,
    "tier_d_min_violation_records": 2, "tier_d_score_below": 90.0, "tier_b_min_score": 97.0,
    "tightened_percent": 100, "normal_percent": 25, "reduced_percent": 5, "normal_after_clean": 5,
    "reduced_after_more_clean": 20,
}


def upgrade() -> None:
    versions = op.create_table('compliance_settings_versions',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('values', JSON, nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_compliance_settings_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_compliance_settings_versions'))
    )
    op.bulk_insert(versions, [{"version": 1, "values": DEFAULTS, "created_by": "system",
                               "created_at": datetime(2026, 11, 28, tzinfo=timezone.utc),
                               "note": "DOMAIN.md defaults"}])

    op.create_table('compliance_monthly',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=True),
    sa.Column('commodity_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('d', sa.Integer(), nullable=False),
    sa.Column('r', sa.Integer(), nullable=False),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_monthly'))
    )
    op.create_index('ix_compliance_monthly_office_month', 'compliance_monthly', ['office_id', 'month', 'section_id'])
    op.create_index('ix_compliance_monthly_service_user_month', 'compliance_monthly', ['service_user_id', 'month'])

    op.create_table('compliance_streaks',
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('clean_streak', sa.Integer(), nullable=False),
    sa.Column('last_violation_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('service_user_id', 'section_id', name=op.f('pk_compliance_streaks'))
    )

    op.create_table('compliance_scores',
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_to', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('d', sa.Integer(), nullable=False),
    sa.Column('r', sa.Integer(), nullable=False),
    sa.Column('x', sa.Integer(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('intervention', sa.String(length=12), nullable=False),
    sa.Column('clean_streak', sa.Integer(), nullable=False),
    sa.Column('last_violation_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settings_version', sa.Integer(), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['settings_version'], ['compliance_settings_versions.version'], name=op.f('fk_compliance_scores_settings_version_compliance_settings_versions')),
    sa.PrimaryKeyConstraint('service_user_id', 'section_id', name=op.f('pk_compliance_scores'))
    )
    op.create_index('ix_compliance_scores_office_section_tier', 'compliance_scores', ['office_id', 'section_id', 'tier'])

    op.create_table('compliance_tier_history',
    sa.Column('id', BIGID, nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('score', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('settings_version', sa.Integer(), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['settings_version'], ['compliance_settings_versions.version'], name=op.f('fk_compliance_tier_history_settings_version_compliance_settings_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_tier_history'))
    )
    op.create_index('ix_compliance_tier_history_service_user', 'compliance_tier_history',
                    ['service_user_id', 'section_id', 'as_of'])

    op.create_table('guidance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('officer_name', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_guidance_records_office_id_offices')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_guidance_records_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_guidance_records_section_id_sections')),
    sa.ForeignKeyConstraint(['service_user_id'], ['service_users.id'], name=op.f('fk_guidance_records_service_user_id_service_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guidance_records'))
    )
    op.create_index('ix_guidance_records_office_date', 'guidance_records', ['office_id', 'given_on'])
    op.create_index('ix_guidance_records_service_user_date', 'guidance_records', ['service_user_id', 'given_on'])


def downgrade() -> None:
    op.drop_table('guidance_records')
    op.drop_table('compliance_tier_history')
    op.drop_table('compliance_scores')
    op.drop_table('compliance_streaks')
    op.drop_table('compliance_monthly')
    op.drop_table('compliance_settings_versions')
