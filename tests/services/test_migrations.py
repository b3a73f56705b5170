"""The schema comes only from Alembic migrations, which run forward and back on this backend."""
from __future__ import annotations

import pytest
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


def _commodity_history_index(connection) -> dict:
    """ix_application_commodities_history as the database holds it: its key columns, and on PostgreSQL its
    definition (INCLUDE and WHERE)."""
    found = {ix["name"]: ix for ix in inspect(connection).get_indexes("application_commodities")}
    index = found["ix_application_commodities_history"]
    definition = None
    if connection.dialect.name == "postgresql":
        definition = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_application_commodities_history'")).scalar()
    return {"columns": index["column_names"], "definition": definition}


def test_the_commodity_history_index_covers_a_usual_runs_history_read_on_postgresql_and_is_plain_on_sqlite(
        database):
    with database.engine.connect() as connection:
        index = _commodity_history_index(connection)
    assert index["columns"] == ["service_user_id", "commodity_id", "submitted_at"]
    if database.engine.dialect.name == "postgresql":
        assert "INCLUDE (quantity, unit)" in index["definition"]
        assert "WHERE ((deleted_at IS NULL) AND (application_deleted_at IS NULL))" in index["definition"]


def test_the_company_completions_index_carries_what_the_clean_streak_count_filters_on_postgresql(database):
    """The after-sync's streak count (rollup._refresh_streaks) tests section_id and deleted_at of each completion:
    in the index on PostgreSQL (migration 0036c), so a busy company's history is counted without its heap rows; the
    key columns the other readers use are unchanged, and SQLite keeps the plain index."""
    with database.engine.connect() as connection:
        found = {ix["name"]: ix for ix in inspect(connection).get_indexes("applications")}
        definition = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_applications_service_user_completed'")).scalar() \
            if connection.dialect.name == "postgresql" else None
    assert found["ix_applications_service_user_completed"]["column_names"] == ["service_user_id", "completed_at"]
    if definition is not None:
        assert "INCLUDE (section_id, deleted_at)" in definition


def test_the_handler_flag_pairs_are_indexed_on_both_sides(database):
    """The handler flag (profile.tier_d_companies_per_handler) joins the handlers' applications to the tier-D
    companies: the handlers' index carries company and deletion on PostgreSQL (INCLUDE, key columns unchanged) and
    the current scores are indexed by section and tier on every database (migration 0037h)."""
    with database.engine.connect() as connection:
        handlers = {ix["name"]: ix for ix in inspect(connection).get_indexes("applications")}["ix_applications_handler"]
        scores = {ix["name"]: ix for ix in inspect(connection).get_indexes("compliance_scores")}
        definition = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_applications_handler'")).scalar() \
            if connection.dialect.name == "postgresql" else None
    assert handlers["column_names"] == ["handler_id", "submitted_at"]
    assert scores["ix_compliance_scores_section_tier"]["column_names"] == ["section_id", "tier", "service_user_id"]
    if definition is not None:
        assert "INCLUDE (service_user_id, deleted_at)" in definition


def test_an_applications_commodity_lines_are_indexed_in_order_with_the_primary_commodity_carried(database):
    """The rollups' primary commodity (the first live line) is the first entry of (application_id, line_no), which
    carries commodity and deletion on PostgreSQL; it replaces the plain application_id index (migration 0039p)."""
    with database.engine.connect() as connection:
        found = {ix["name"]: ix for ix in inspect(connection).get_indexes("application_commodities")}
        definition = connection.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_application_commodities_application_line'")
        ).scalar() if connection.dialect.name == "postgresql" else None
    assert found["ix_application_commodities_application_line"]["column_names"] == ["application_id", "line_no"]
    assert "ix_application_commodities_application_id" not in found
    if definition is not None:
        assert "INCLUDE (commodity_id, deleted_at)" in definition


def test_the_seeded_settings_version_gives_its_reason_in_the_officers_words(database):
    """Version 1 of the scoring settings (seeded by 0005c) shows its note as the version's reason on the admin page:
    no developer's file name there (0038n)."""
    with database.engine.connect() as connection:
        note = connection.execute(text(
            "SELECT note FROM compliance_settings_versions WHERE version = 1 AND created_by = 'system'")).scalar()
    assert note == "Nilai bawaan aturan kepatuhan"


def test_the_covering_history_index_downgrades_to_the_plain_one_and_back_on_postgresql(database):
    """On a scratch PostgreSQL database (SQLite's whole chain runs in the test above, where 0032t changes nothing)."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the covering index is PostgreSQL's; SQLite keeps the plain one")
    import uuid

    import psycopg2

    from portal.db import make_engine

    here = database.engine.url
    admin = psycopg2.connect(host=here.host, port=here.port or 5432, user=here.username, password=here.password,
                             dbname="postgres")
    admin.autocommit = True
    name = f"qcorner_migration_{uuid.uuid4().hex[:8]}"
    url = here.set(database=name).render_as_string(hide_password=False)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        config = alembic_config(url)
        command.upgrade(config, "heads")
        command.downgrade(config, "0031c")
        engine = make_engine(url)
        with engine.connect() as connection:
            plain = _commodity_history_index(connection)
        engine.dispose()
        assert plain["columns"] == ["service_user_id", "commodity_id", "submitted_at"]
        assert "INCLUDE" not in plain["definition"] and "WHERE" not in plain["definition"]
        command.upgrade(config, "heads")
        engine = make_engine(url)
        with engine.connect() as connection:
            covering = _commodity_history_index(connection)
        engine.dispose()
        assert "INCLUDE (quantity, unit)" in covering["definition"]
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
