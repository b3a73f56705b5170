"""Survey invitations: the 30-day rule against every earlier invitation, and the repair of the surplus ones (issue #15).

No schema change: the old rule compared a handover with the company's latest invitation only, so late-synced
handovers opened invitations within 30 days of others (the demo database held 5,774 such). This expires the
surplus unanswered ones and keeps every answered one (portal.services.survey_invitations.repair, plain Core:
PostgreSQL and SQLite alike).

Revision ID: 0012s
Revises: 0011w
"""
from __future__ import annotations

from alembic import op

revision = "0012s"
down_revision = "0011w"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Imported here, not at the top: only this one-off needs the application's rule and settings.
    from portal.services.survey_invitations import repair
    from portal.settings import load_settings

    repair(op.get_bind(), load_settings().survey_cooldown_days)


def downgrade() -> None:
    """Nothing to undo: an expired surplus invitation is as the new rule would have left it."""
