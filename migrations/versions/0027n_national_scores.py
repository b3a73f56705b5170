"""Stored national scores (issue #19): each section's national ranking kept from the score snapshots at their
refresh, with what it was computed from, so the national ranking reads a page instead of scoring every company.

Revision ID: 0027n
Revises: 0022t
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0027n"
down_revision = "0022t"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_national_scores",
        sa.Column("section_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("company_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("tax_id", sa.String(32)),
        sa.Column("service_user_id", sa.Integer, nullable=False),
        *(sa.Column(c, sa.Integer, nullable=False) for c in ("n", "d", "r", "x", "k", "violations")),
        sa.Column("weighted_violations", sa.Float, nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.Column("tier", sa.String(1), nullable=False),
        sa.Column("clean_streak", sa.Integer, nullable=False),
        sa.Column("last_violation_at", models.base.UTCDateTime(timezone=True)),
        sa.Column("offices", models.base.JSONType, nullable=False))
    op.create_index("ix_compliance_national_scores_section_rank", "compliance_national_scores",
                    ["section_id", "rank"])
    op.create_table(
        "compliance_national_runs",
        sa.Column("section_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("window_from", sa.Date, nullable=False),
        sa.Column("window_to", sa.Date, nullable=False),
        sa.Column("settings_version", sa.Integer, nullable=False),
        sa.Column("office_days", models.base.JSONType, nullable=False),
        sa.Column("links", sa.String(80), nullable=False),
        sa.Column("all_v", sa.Float, nullable=False),
        sa.Column("all_n", sa.Integer, nullable=False),
        sa.Column("p0", sa.Float, nullable=False),
        sa.Column("computed_at", models.base.UTCDateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table("compliance_national_runs")
    op.drop_index("ix_compliance_national_scores_section_rank", table_name="compliance_national_scores")
    op.drop_table("compliance_national_scores")
