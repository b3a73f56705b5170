"""Working days: per-office, per-year additions and removals an admin edits (issue #15).

The office-less `collective_leave_days` table (never filled: no page or command wrote it) becomes
`office_calendar_days`: one office's edit of one day, either a day off the national calendar does not list
or a listed holiday the office works, with its reason, who and when. Cuti bersama themselves now come from
the `holidays` package's government category. Any rows the old table held become days off of every office.

Revision ID: 0011w
Revises: 0010n
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011w"
down_revision = "0010n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'office_calendar_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=120), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_office_calendar_days_office_id_offices')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_office_calendar_days_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_calendar_days')),
        sa.UniqueConstraint('office_id', 'day', name=op.f('uq_office_calendar_days_office_id_day')),
    )
    op.execute(
        "INSERT INTO office_calendar_days (office_id, day, working, reason, created_by_id, created_at) "
        "SELECT offices.id, c.day, false, c.description, c.created_by_id, c.created_at "
        "FROM collective_leave_days c CROSS JOIN offices")
    op.drop_table('collective_leave_days')


def downgrade() -> None:
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
    # The office-wide days off come back once each; days an office worked have no place in the old table.
    op.execute(
        "INSERT INTO collective_leave_days (day, description, created_by_id, created_at) "
        "SELECT day, MIN(reason), MIN(created_by_id), MIN(created_at) FROM office_calendar_days "
        "WHERE working = false GROUP BY day")
    op.drop_table('office_calendar_days')
