"""What the benchmarks share: the PostgreSQL server they make their scratch databases on.

The server is QCORNER_BENCH_PG_DSN / QCORNER_BENCH_PG_URL, else the tests' QCORNER_TEST_PG_DSN /
QCORNER_TEST_PG_URL, else postgres@127.0.0.1:5432.
"""
from __future__ import annotations

import os
import uuid

import psycopg2

ADMIN_DSN = (os.environ.get("QCORNER_BENCH_PG_DSN") or os.environ.get("QCORNER_TEST_PG_DSN")
             or "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
URL_PREFIX = (os.environ.get("QCORNER_BENCH_PG_URL") or os.environ.get("QCORNER_TEST_PG_URL")
              or "postgresql+psycopg2://postgres@127.0.0.1:5432")


def admin(sql: str) -> None:
    """Run one statement on the server's maintenance database, outside a transaction (CREATE/DROP DATABASE)."""
    connection = psycopg2.connect(ADMIN_DSN)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def create_database(prefix: str, existing: str | None = None) -> tuple[str, str]:
    """A new empty database named ``prefix`` and a random suffix (or ``existing``, reused as it is): its name and
    SQLAlchemy URL."""
    name = existing or f"{prefix}_{uuid.uuid4().hex[:8]}"
    if not existing:
        admin(f'CREATE DATABASE "{name}"')
    return name, f"{URL_PREFIX}/{name}"


def view_cache_server():
    """A Flask app holding the portal's view cache in this process (issue #17), as the demo and one worker have it:
    `with server.app_context(): view_cache.cached(session, service, …)` answers from it."""
    from flask import Flask

    from portal import view_cache

    server = Flask("benchmark")
    view_cache.install(server, "memory://")
    return server


def drop_database(name: str) -> None:
    """Drop a scratch database, even with connections still open."""
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
