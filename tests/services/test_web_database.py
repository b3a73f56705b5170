"""The web's database connections: what they are set up to do differently from the scheduler's (issue #17)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session


@pytest.mark.postgresql_only
def test_web_connections_do_not_jit_compile_while_the_schedulers_keep_the_servers_setting(app, database,
                                                                                          database_url):
    """A page's short statement must not spend most of its CPU compiling itself (PostgreSQL's JIT); the scheduler's
    set-based statements keep whatever the server says."""
    web = app.server.extensions["qcorner_db"]
    with web.engine.connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"
    plain = create_engine(database_url)  # no options: the server's own setting
    try:
        with plain.connect() as connection:
            server_setting = connection.execute(text("SHOW jit")).scalar()
    finally:
        plain.dispose()
    with database.engine.connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == server_setting


@pytest.mark.postgresql_only
def test_the_per_request_session_read_is_planned_once_per_connection_and_still_sees_a_revocation(database,
                                                                                                   make_user):
    """Every request reads its session; on PostgreSQL that statement is prepared once on each connection, and a
    session revoked in between is still refused on the very next read."""
    from portal.services import accounts

    user_id = make_user("sesi_disiapkan", "operator")["id"]
    with database.session() as session:
        session_id = accounts.start_session(session, user_id)
    idle = timedelta(hours=8)
    with database.engine.connect() as connection:
        with Session(bind=connection) as session:
            assert accounts.load_session(session, session_id, idle).id == user_id
            assert accounts.load_session(session, session_id, idle).id == user_id
            prepared = session.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE name = :name"),
                                       {"name": accounts._PREPARED}).scalar()
            assert prepared == 1
            accounts.end_session(session, session_id)
            assert accounts.load_session(session, session_id, idle) is None
