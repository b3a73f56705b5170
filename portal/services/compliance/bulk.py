"""Many rows into a table at once, the fastest way each database offers (the score snapshots and rollups), and
which of those rows a refresh replaces."""
from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from portal import data_version


def refreshed_rows(model, office_id: int | None, service_user_ids: list[int] | None) -> list:
    """The conditions that pick the rows of a rollup or snapshot table a refresh replaces: one office's, some
    service users', both, or (neither given) all."""
    conditions = []
    if office_id is not None:
        conditions.append(model.office_id == office_id)
    if service_user_ids is not None:
        conditions.append(model.service_user_id.in_(service_user_ids))
    return conditions


def bulk_insert(session: Session, model, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL (ten times quicker than INSERT batches), executemany elsewhere."""
    if not rows:
        return
    table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start:start + 5000])
        return
    columns = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([None if row[c] is None else (row[c].isoformat() if hasattr(row[c], "isoformat")
                                                      else row[c]) for c in columns])
    buffer.seek(0)
    connection = session.connection()
    data_version.mark_changed(connection)  # COPY goes round SQLAlchemy, so its hook cannot see this write
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f'COPY {table.name} ({", ".join(columns)}) FROM STDIN WITH (FORMAT csv)', buffer)
    finally:
        cursor.close()
