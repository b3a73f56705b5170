"""One company across stations (issue #19): companies matched by NPWP, each office's service-user record linked to
one, the history of links changed by hand (merge/split), and an office's own IQFast source.

Backfill: one company per distinct normalized NPWP (portal/domain/npwp.py), named after its oldest record; a
record whose NPWP is not valid gets a company of its own. Then `service_users.company_id` becomes NOT NULL.

SQLite cannot add a NOT NULL foreign-key column, and a batch table copy is no way round it here: dropping the old
`service_users` with foreign keys on would cascade to its ON DELETE CASCADE children (account links, survey
invitations) and fail on the others. So on SQLite the column is added nullable and, once every row is filled, its
declaration alone is rewritten to NOT NULL (SQLite's documented writable_schema procedure for a change that leaves
the stored rows as they are), checked by an integrity check. The downgrade reverses it the same way.

Revision ID: 0020n
Revises: 0021p
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import models.base
from portal.domain.npwp import normalize

revision = "0020n"
down_revision = "0021p"
branch_labels = None
depends_on = None

service_users = sa.table("service_users", sa.column("id", sa.Integer), sa.column("name", sa.String),
                         sa.column("tax_id", sa.String), sa.column("company_id", sa.Integer))
companies = sa.table("companies", sa.column("id", sa.Integer), sa.column("npwp", sa.String),
                     sa.column("name", sa.String), sa.column("created_at", models.base.UTCDateTime(timezone=True)),
                     sa.column("version", sa.Integer))

SQLITE_NULLABLE = "company_id INTEGER REFERENCES companies (id)"
SQLITE_NOT_NULL = "company_id INTEGER NOT NULL REFERENCES companies (id)"
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("npwp", sa.String(16), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.UniqueConstraint("npwp", name=op.f("uq_companies_npwp")),
    )
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute(f"ALTER TABLE service_users ADD COLUMN {SQLITE_NULLABLE}")
    else:
        op.add_column("service_users", sa.Column("company_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_service_users_company_id_companies"), "service_users", "companies",
                              ["company_id"], ["id"])
    _backfill(bind)
    if sqlite:
        _rewrite_sqlite_column(bind, SQLITE_NULLABLE, SQLITE_NOT_NULL)
    else:
        op.alter_column("service_users", "company_id", existing_type=sa.Integer(), nullable=False)
    op.create_index(op.f("ix_service_users_company_id"), "service_users", ["company_id"])

    op.create_table(
        "company_link_changes",
        sa.Column("id", models.base.BigId, primary_key=True),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("service_user_id", sa.Integer(), sa.ForeignKey("service_users.id"), nullable=False),
        sa.Column("from_company_id", sa.Integer(), sa.ForeignKey("companies.id"), nullable=True),
        sa.Column("to_company_id", sa.Integer(), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("undo_of", models.base.BigId, sa.ForeignKey("company_link_changes.id"), nullable=True),
    )
    for column in ("service_user_id", "from_company_id", "to_company_id"):
        op.create_index(op.f(f"ix_company_link_changes_{column}"), "company_link_changes", [column])

    # An office whose records come from its own IQFast database (None: the installation's configured source).
    op.add_column("offices", sa.Column("iqfast_url", sa.String(500), nullable=True))


def _backfill(bind) -> None:
    now = datetime.now(timezone.utc)
    rows = bind.execute(sa.select(service_users.c.id, service_users.c.name, service_users.c.tax_id)
                        .order_by(service_users.c.id)).all()
    first_of: dict[str, tuple[int, str]] = {}  # npwp -> (oldest record, its name)
    for record_id, name, tax_id in rows:
        key = normalize(tax_id)
        if key is not None and key not in first_of:
            first_of[key] = (record_id, name)
    if first_of:
        bind.execute(companies.insert(), [{"npwp": key, "name": name, "created_at": now, "version": 1}
                                          for key, (_id, name) in first_of.items()])
    company_of = dict(bind.execute(sa.select(companies.c.npwp, companies.c.id)).all())
    # A record with no valid NPWP: a company of its own (few; one by one, each needs its new id).
    for record_id, name, tax_id in rows:
        if normalize(tax_id) is None:
            new_id = bind.execute(companies.insert().values(npwp=None, name=name, created_at=now, version=1)
                                  .returning(companies.c.id)).scalar_one()
            bind.execute(service_users.update().where(service_users.c.id == record_id).values(company_id=new_id))
    links = [{"record": record_id, "company": company_of[normalize(tax_id)]}
             for record_id, _name, tax_id in rows if normalize(tax_id) is not None]
    statement = (service_users.update().where(service_users.c.id == sa.bindparam("record"))
                 .values(company_id=sa.bindparam("company")))
    for start in range(0, len(links), BATCH):
        bind.execute(statement, links[start:start + BATCH])


def _rewrite_sqlite_column(bind, old: str, new: str) -> None:
    """Change the declaration of `service_users.company_id` in SQLite's schema text, rows untouched."""
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'service_users'"
                               ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"service_users is not declared as expected: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'service_users'",
                         (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"service_users after its schema change: {problems}")


def downgrade() -> None:
    op.drop_column("offices", "iqfast_url")
    op.drop_table("company_link_changes")
    op.drop_index(op.f("ix_service_users_company_id"), table_name="service_users")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite drops no column a foreign key uses: take the reference out of the declaration first.
        _rewrite_sqlite_column(bind, SQLITE_NOT_NULL, "company_id INTEGER")
        op.execute("ALTER TABLE service_users DROP COLUMN company_id")
    else:
        op.drop_constraint(op.f("fk_service_users_company_id_companies"), "service_users", type_="foreignkey")
        op.drop_column("service_users", "company_id")
    op.drop_table("companies")
