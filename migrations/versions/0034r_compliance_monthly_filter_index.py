"""The filtered compliance ranking's reads of the rollup by index: (section_id, commodity_id, direction, month,
office_id) on compliance_monthly.

Below `p0_min_consignments` under its filters, an office's p0 comes from every office's filtered window. The only
index with the window's months led with the office, so that read went through every office's entries of the
section and fetched each row from the table to test its direction and commodity (≈ 45,600 rows, ≈ 34,800 buffer
reads, for the ≈ 1,200 of one commodity's exports in 10 offices, docs/performance.md). Led by section and
commodity, the index hands over only those rows; the office last lets the office's own read of the same filters take
its rows without visiting the other offices' (≈ 130 buffers instead of ≈ 860 or 2,600). The hand-written SQL in
benchmarks/ranking.py uses it as well.

Revision ID: 0034r
Revises: 0033i
"""
from __future__ import annotations

from alembic import op

revision = "0034r"
down_revision = "0033i"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_compliance_monthly_section_commodity", "compliance_monthly",
                    ["section_id", "commodity_id", "direction", "month", "office_id"])


def downgrade() -> None:
    op.drop_index("ix_compliance_monthly_section_commodity", table_name="compliance_monthly")
