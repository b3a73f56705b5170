"""The certificate forms of imports: a draft or certificate of one titled its PDF with the bare code ("SP-T") where
an export's reads "Sertifikat Kesehatan Tumbuhan (Fitosanitari)".

IQFast issues a quarantine release certificate (Sertifikat Pelepasan) for an import, animal or plant. Added only where
the code is not there yet: an admin may already have named it (the table is theirs to edit).

Revision ID: 0043c
Revises: 0042k
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0043c"
down_revision = "0042k"
branch_labels = None
depends_on = None

FORMS = (
    {"code": "SP-H", "name_id": "Sertifikat Pelepasan Karantina Hewan",
     "name_en": "Animal quarantine release certificate", "section_code": "animal",
     "valid_from": date(2015, 1, 1), "valid_to": None},
    {"code": "SP-T", "name_id": "Sertifikat Pelepasan Karantina Tumbuhan",
     "name_en": "Plant quarantine release certificate", "section_code": "plant",
     "valid_from": date(2015, 1, 1), "valid_to": None},
)
forms = sa.table("certificate_forms", sa.column("code", sa.String), sa.column("name_id", sa.String),
                 sa.column("name_en", sa.String), sa.column("section_code", sa.String),
                 sa.column("valid_from", sa.Date), sa.column("valid_to", sa.Date))


def upgrade() -> None:
    connection = op.get_bind()
    present = set(connection.scalars(sa.select(forms.c.code).where(forms.c.code.in_([f["code"] for f in FORMS]))))
    missing = [form for form in FORMS if form["code"] not in present]
    if missing:
        op.bulk_insert(forms, missing)


def downgrade() -> None:
    # Only the rows as this revision wrote them: a name an admin changed since is theirs and stays.
    connection = op.get_bind()
    for form in FORMS:
        connection.execute(sa.delete(forms).where(forms.c.code == form["code"], forms.c.name_id == form["name_id"]))
