"""The seeded scoring settings version's reason in the officers' words.

Migration 0005c seeded version 1 of the compliance settings with the note "DOMAIN.md defaults": the version history on
Administrasi › Pengaturan kepatuhan shows that note as the version's reason ("Alasan"), so every admin read a
developer's file name there. Only that seeded row is reworded (a note an admin wrote is never touched).

Revision ID: 0038n
Revises: 0037h
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038n"
down_revision = "0037h"
branch_labels = None
depends_on = None

SEEDED, WORDED = "DOMAIN.md defaults", "Nilai bawaan aturan kepatuhan"


def _reword(old: str, new: str) -> None:
    op.get_bind().execute(sa.text(
        "UPDATE compliance_settings_versions SET note = :new WHERE version = 1 AND created_by = 'system' "
        "AND note = :old"), {"old": old, "new": new})


def upgrade() -> None:
    _reword(SEEDED, WORDED)


def downgrade() -> None:
    _reword(WORDED, SEEDED)
