"""The SQL connector against IQFast's own kind of server: the simulator in MariaDB, read-only."""
from __future__ import annotations

import uuid

import pymysql
import pytest
from sqlalchemy import text

from portal.iqfast.sql_source import SqlSource, Stations
from portal.services.sync import runs as sync
from support.sync_helpers import checksums, derived_stages, expected_stages, iqfast_rows, our_rows, small_simulator

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@pytest.fixture(scope="module")
def mariadb_simulator():
    """Two days of one station in a MariaDB database of its own, dropped afterwards."""
    name = f"qc_iqfast_{uuid.uuid4().hex[:10]}"
    try:
        admin = pymysql.connect(**MARIADB, autocommit=True)
    except pymysql.err.OperationalError as error:
        pytest.fail(f"MariaDB on 127.0.0.1:3306 is needed (.ci/run starts it): {error}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    url = f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    try:
        small_simulator(url, days=2, seed=11)
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def test_sync_from_mariadb_agrees_row_for_row(database, mariadb_simulator):
    result = sync.run_sync(database, mariadb_simulator, chunk_size=5000)
    assert result["status"] == "success", result["error"]
    assert result["source"].startswith("mysql+pymysql://root@127.0.0.1:3306/")
    assert checksums(our_rows(database)) == checksums(iqfast_rows(mariadb_simulator))
    assert derived_stages(database) == expected_stages(mariadb_simulator)
    assert sum(sync.run_sync(database, mariadb_simulator)["rows_written"].values()) == 0


def test_the_mariadb_connection_refuses_to_write(mariadb_simulator):
    source = SqlSource(mariadb_simulator)
    try:
        with source.engine.connect() as connection:
            with pytest.raises(Exception, match="READ ONLY|read only|read-only"):
                connection.execute(text("DELETE FROM riwayat_ptk"))
    finally:
        source.close()


def test_reads_keep_to_the_stations_asked_for_on_mariadb(mariadb_simulator):
    # The station filter of a source beside stations read from their own databases (holdings.py), in MariaDB's SQL:
    # an application's rows by its own station, an event's by its application's; code lists are everyone's.
    source = SqlSource(mariadb_simulator)
    try:
        def counted(table, stations):
            keys = sum(len(chunk) for chunk in source.read_keys(table, stations=stations))
            rows = sum(len(chunk.rows) for chunk in source.read_changes(table, None, 5000, stations))
            assert keys == rows
            return keys

        for table in ("ptk", "riwayat_ptk", "pengguna_jasa", "m_komoditas"):
            every = counted(table, None)
            assert every > 0
            assert counted(table, Stations(frozenset({"0300"}), only=True)) == every
            assert counted(table, Stations(frozenset({"9999"}), only=False)) == every
            assert counted(table, Stations(frozenset({"0300"}), only=False)) == (every if table.startswith("m_") else 0)
            assert counted(table, Stations(frozenset(), only=True)) == (every if table.startswith("m_") else 0)
    finally:
        source.close()
