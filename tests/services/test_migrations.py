"""The schema comes only from Alembic migrations, which run forward and back on this backend."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import models
from portal.migrate import alembic_config


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, models.Base.metadata)
    assert not differences, differences


def test_first_station_and_both_sections_exist_after_migration(database):
    with database.engine.connect() as connection:
        office = connection.execute(text("SELECT code, name, timezone FROM offices")).all()
        sections = {row[0] for row in connection.execute(text("SELECT code FROM sections"))}
    assert office == [("0300", "BBKP Soekarno-Hatta", "Asia/Jakarta")]
    assert {"animal", "plant"} <= sections


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    """On a scratch SQLite file, so the shared test database stays intact."""
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    config = alembic_config(url)
    command.upgrade(config, "heads")
    command.downgrade(config, "base")
    from portal.db import make_engine

    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "heads")
    assert "users" in inspect(engine).get_table_names()
    engine.dispose()
