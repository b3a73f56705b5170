"""Access denials counted per session and minute, in one audit row each (issue #16).

A burst of refused callbacks wrote one `access_denied` row each (80 a second from one user could bury real probing
in the log); now the first refusal of a session in a minute writes the row and the rest add to its `occurrences`.
`session_key` names the session by a digest of its id (the id itself opens the session, so it is not kept here).
Plain ADD COLUMNs (no SQLite table copy); every earlier row counted once.

Revision ID: 0017d
Revises: 0015t
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017d"
down_revision = "0015t"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("occurrences", sa.Integer(), nullable=False, server_default=sa.text("1")))
    op.add_column("audit_log", sa.Column("session_key", sa.String(32), nullable=True))
    op.create_index("ix_audit_log_session_key", "audit_log", ["session_key", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_session_key", table_name="audit_log")
    for column in ("session_key", "occurrences"):
        op.drop_column("audit_log", column)
