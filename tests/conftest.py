"""Test fixtures: a real database per run (PostgreSQL by default, SQLite with QCORNER_TEST_BACKEND=sqlite),
cleaned back to its migrated state after every test, the app, and logged-in clients."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg2
import pytest
import time_machine
from hypothesis import HealthCheck, settings as hypothesis_settings
from sqlalchemy import MetaData, delete, insert, select, text

from portal.db import Database
from portal.migrate import upgrade
from portal.services.sync import set_aside
from portal.settings import load_settings
from support.browser import CHROMIUM, CHROMIUM_ARGS, PAGE_OPTIONS, PHONE_OPTIONS
from support.sync_helpers import SIMULATOR_CACHE
from support.web import PASSWORD, login

# Hypothesis's deadline and "too slow" health check time the machine, not the code: on two shared cores they fail
# property tests at random (the suite has no timed assertions). Tests that want other settings still set them.
# The examples are the same at every run (derandomize): a failure CI sees is the one a rerun here sees, not an example
# drawn once (CI once failed on one that depended on what earlier examples had left in the database, and no rerun
# drew it again). QCORNER_HYPOTHESIS_EXPLORE=1 draws new examples, to look for more.
hypothesis_settings.register_profile("qcorner", deadline=None,
                                     derandomize=not os.environ.get("QCORNER_HYPOTHESIS_EXPLORE"),
                                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
hypothesis_settings.load_profile("qcorner")

BACKEND = os.environ.get("QCORNER_TEST_BACKEND", "postgresql")
PG_ADMIN_DSN = os.environ.get("QCORNER_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL_PREFIX = os.environ.get("QCORNER_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")


# The suite makes thousands of accounts and logs in as many times: full-cost scrypt (~0.1 s a hash, and as much a
# check) was a fifth of a page test's time. Accounts made here use a cheaper scrypt; production's cost is checked
# in tests/pages/test_login.py. Servers the tests start as other processes keep production's.
CHEAP_HASH_METHOD = "scrypt:1024:8:1"


def pytest_configure(config):
    from portal.services import accounts

    accounts.HASH_METHOD = CHEAP_HASH_METHOD
    _travel_if_asked(config)
    if not hasattr(config, "workerinput") and SIMULATOR_CACHE not in os.environ:
        # Made by the run (before its workers start, which inherit the variable), removed when it ends.
        os.environ[SIMULATOR_CACHE] = config._qcorner_simulators = tempfile.mkdtemp(prefix="qcorner-simulators-")


def _travel_if_asked(config):
    """`QCORNER_TEST_CLOCK=2028-02-29T09:00:00+07:00` runs the suite with the clock there (`make test-dates`), so a
    test that silently depends on the real date is found before the calendar finds it."""
    clock = os.environ.get("QCORNER_TEST_CLOCK")
    if clock:
        config._qcorner_clock = time_machine.travel(datetime.fromisoformat(clock), tick=True)
        config._qcorner_clock.start()


# The files that take half a minute or more of a worker's time (measured on 6 Dec 2026), handed out first, longest
# first: `--dist loadfile` hands out whole files in collection order, and one of these left for the end kept a worker
# busy for minutes while the others idled (the accessibility sweep alone takes 2–3 min). The SQLite run, without the
# browser files, starts with the service and page files of the list. Every other file follows in its usual order; a
# file renamed or gone only loses its place.
LONG_FILES = ("browser/test_accessibility.py", "browser/test_phone_lists.py", "browser/test_long_tasks.py",
              "pages/test_manual.py", "browser/test_browser_login.py",
              "services/test_demo_idempotent.py", "services/test_sync_first_load.py",
              "browser/test_search_as_you_type.py", "browser/test_browser_applications.py",
              "pages/test_compliance_pages.py", "services/test_iqfast_simulator.py", "services/test_sync.py",
              "browser/test_compliance_browser.py", "browser/test_grids_browser.py", "services/test_faults.py",
              "browser/test_columns_fit.py", "services/test_reconciliation_sources.py")


def pytest_collection_modifyitems(config, items):
    """The LONG_FILES first (a file's own tests keep their order). Tests marked `postgresql_only` are skipped
    on SQLite however they are picked (`make test-sqlite` also deselects them with `-m`; a file or test named
    directly would otherwise run and fail for the wrong reason)."""
    items.sort(key=_long_first)
    if BACKEND != "sqlite":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (QCORNER_TEST_BACKEND=sqlite)")
    for item in items:
        if item.get_closest_marker("postgresql_only"):
            item.add_marker(skip)


def _long_first(item) -> int:
    parts = item.path.parts
    name = "/".join(parts[-2:]) if len(parts) > 2 and parts[-3] == "tests" else ""
    return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)


def pytest_unconfigure(config):
    if getattr(config, "_qcorner_clock", None):
        config._qcorner_clock.stop()
    if getattr(config, "_qcorner_simulators", None):
        shutil.rmtree(config._qcorner_simulators, ignore_errors=True)
        os.environ.pop(SIMULATOR_CACHE, None)


def _pg_admin(sql: str) -> None:
    connection = psycopg2.connect(PG_ADMIN_DSN)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """A fresh database for this test run (one per xdist worker), migrated to head, dropped afterwards."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'qcorner.db'}"
        upgrade(url)
        yield url
        return
    name = f"qcorner_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    # A test database is dropped at the end of the run: a commit need not wait for the WAL to reach the disk
    # (0.4–1.3 ms a commit here, and the suite commits after every test and in every request). Visibility to the
    # other connections is unchanged; only a crash of PostgreSQL itself could lose the last commits.
    _pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    url = f"{PG_URL_PREFIX}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


@dataclass(frozen=True)
class Reference:
    """The freshly migrated content, and the two statements that put a used database back to it quickly."""

    tables: list            # every table in dependency order (parents first), alembic_version left out
    snapshot: dict          # table name → the rows the migrations seed (offices, sections, …)
    probe: str              # one query naming the tables that hold any row
    restart: str | None     # one statement that moves every id sequence back to where the migrations left it


@pytest.fixture(scope="session")
def _reference_snapshot(database):
    """The rows the migrations seed, restored after every test, and what is needed to do it in a few statements
    (a TRUNCATE of all 45 tables and a sequence look-up per table cost ~0.3 s a test on PostgreSQL)."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
    with database.engine.connect() as connection:
        snapshot = {table.name: [dict(row._mapping) for row in connection.execute(select(table))] for table in tables}
        probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
        restart = _sequence_restart(connection, tables, snapshot) if database.is_postgresql else None
    return Reference(tables, snapshot, probe, restart)


def _sequence_restart(connection, tables, snapshot) -> str | None:
    """`SELECT setval(…), …`: every id sequence back to just past the seeded ids (1 for an empty table)."""
    calls = []
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int):
                seq = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                         {"t": table.name, "c": column.name}).scalar()
                if seq:
                    following = max((row[column.name] for row in snapshot[table.name]), default=0) + 1
                    calls.append(f"setval('{seq}', {following}, false)")
    return "SELECT " + ", ".join(calls) if calls else None


@pytest.fixture(autouse=True)
def clean_database(request):
    """After each test that reaches the database, put every table back to its freshly migrated content. A test that
    never asks for it (directly or through `app`, `client`, `session`, `settings`…) costs no reset and no database.
    Only the tables that hold rows are emptied (children first), the seeded ones refilled, and every id sequence
    moved back, so ids start where they would in a fresh database."""
    if "database_url" not in request.fixturenames:
        yield
        return
    reference = request.getfixturevalue("_reference_snapshot")  # taken before the first test writes
    database = request.getfixturevalue("database")
    yield
    reset_database(database, reference)


def reset_database(database, reference: Reference) -> None:
    """Every table back to its freshly migrated content: what `clean_database` does after each test, and what a
    module sharing data built once among its tests does after its last test."""
    if database.is_postgresql:
        with database.engine.connect() as connection:
            set_aside.put_back(connection)  # keys a failed test left set aside, before the rows go (sync/set_aside.py)
    with database.engine.begin() as connection:
        used = {row[0] for row in connection.execute(text(reference.probe))}
        for table in reversed(reference.tables):
            if table.name in used:
                connection.execute(delete(table))
        if not database.is_postgresql and connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
            connection.execute(text("DELETE FROM sqlite_sequence"))
        for table in reference.tables:
            if reference.snapshot[table.name]:
                connection.execute(insert(table), reference.snapshot[table.name])
        if reference.restart:
            connection.execute(text(reference.restart))
        if database.is_postgresql:  # and validated once their rows are gone (a test left one NOT VALID)
            for table_name, name in connection.execute(text(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' "
                    "AND NOT convalidated AND connamespace = 'public'::regnamespace")).all():
                connection.execute(text(f'ALTER TABLE {table_name} VALIDATE CONSTRAINT "{name}"'))


@pytest.fixture(scope="session")
def reset_to_migrated(database, _reference_snapshot):
    """`reset_to_migrated()` puts the database back to its migrated content. For a module that builds data once,
    commits it, and shares it among its tests (overriding `clean_database`, which would empty it after each one):
    its module-scoped fixture asks for this before writing (so the reference is taken from a clean database) and
    calls it after the module's last test."""
    return lambda: reset_database(database, _reference_snapshot)


@pytest.fixture(scope="session")
def built_once(database, _reference_snapshot):
    """`built_once(key, session, build)`: what `build(session)` makes and commits, built by the worker's first test
    that asks for `key` and put back by rows for each later one (the suite's reset has emptied the tables between).
    Returns what `build` returned, its records read again in the test's `session` (a record, or a list of records,
    by its class and primary key). For a dataset many tests read and some change: compliance_pages' ranked office
    took ≈ 1.4 s to build for each of its 55 tests on a loaded VM; its rows go back in a few hundredths.
    `build` must make the same rows whenever it runs (fixed dates, not the clock)."""
    from sqlalchemy import inspect as orm_inspect

    taken = {}
    reference = _reference_snapshot

    def _ref(value):
        if isinstance(value, list):
            return [_ref(item) for item in value]
        state = orm_inspect(value, raiseerr=False)
        if state is not None and getattr(state, "identity", None):
            return ("record", type(value), state.identity)
        return ("value", value)

    def _read(session, ref):
        if isinstance(ref, list):
            return [_read(session, item) for item in ref]
        return session.get(ref[1], ref[2]) if ref[0] == "record" else ref[1]

    def restore(key, session, build):
        if key not in taken:
            data = build(session)
            with database.engine.connect() as connection:
                rows = {table.name: [dict(row._mapping) for row in connection.execute(select(table))]
                        for table in reference.tables}
            taken[key] = ({name: _ref(value) for name, value in data.items()}, rows)
            return data
        refs, rows = taken[key]
        reset_database(database, reference)
        with database.engine.begin() as connection:
            for table in reference.tables:
                if reference.snapshot[table.name]:
                    connection.execute(delete(table))
            for table in reference.tables:
                if rows[table.name]:
                    connection.execute(insert(table), rows[table.name])
            if database.is_postgresql:  # every id sequence just past the ids put back
                for table in reference.tables:
                    for column in table.primary_key.columns:
                        if rows[table.name] and isinstance(rows[table.name][0].get(column.name), int):
                            connection.execute(text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                                f"(SELECT max(\"{column.name}\") FROM \"{table.name}\"))"
                                f" WHERE pg_get_serial_sequence('\"{table.name}\"', '{column.name}') IS NOT NULL"))
            # A new stamp, as a restored backup gets (models/data_version.py): no view cached over other rows under
            # the stamp taken with these (a test that wrote without a bump) answers for them.
            connection.execute(text("UPDATE data_version SET stamp = :stamp"), {"stamp": uuid.uuid4().hex})
        session.expire_all()
        return {name: _read(session, ref) for name, ref in refs.items()}

    return restore


@pytest.fixture(scope="session")
def settings(database_url):
    return load_settings(env="development", database_url=database_url, secret_key=secrets.token_hex(32))


@pytest.fixture(scope="session")
def app(settings):
    from portal import create_app

    return create_app(settings)


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """Rate-limit counts (the complaint form's, the failed logins') start empty in every test that uses the app:
    the app lives for the whole run, and one test's failed logins must not throttle the next one's."""
    yield
    if "app" in request.fixturenames:
        request.getfixturevalue("app").server.extensions["qcorner_limiter"].reset()


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def session(database):
    """A session for arranging and checking data; committed by the test when needed."""
    with database.sessionmaker() as s:
        yield s


@pytest.fixture(scope="session")
def make_user(database):
    """Create an account with the services the admin page uses: make_user('op1', 'operator'). Session-scoped (it
    holds nothing of a test's) so that a module building its data once can make accounts too."""
    from portal.services import users

    def _make(username: str, role: str, section: str | None = None, password: str = PASSWORD, **extra):
        with database.session() as s:
            return users.create_user(s, None, {
                "username": username, "role": role, "password": password, "full_name": extra.pop(
                    "full_name", username.title()), "office_id": users.office_id_by_code(s, "0300"),
                "section_id": users.section_id_by_code(s, section), **extra})

    return _make


@pytest.fixture
def logged_in(client, make_user):
    """A client logged in with a fresh account of the given role: logged_in('admin')."""

    def _login(role: str, section: str | None = None, username: str | None = None):
        username = username or f"{role}_{uuid.uuid4().hex[:6]}"
        if role == "coordinator" and section is None:
            section = "plant"
        make_user(username, role, section)
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


# --- real Chromium through Playwright -------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(app):
    """The portal served over HTTP on a free local port, for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from playwright.sync_api import expect

    # An assertion waits as long as a page action (15 s), not Playwright's 5 s: a page that draws a Plotly chart
    # beside its grid can take longer than 5 s to parse its scripts when two suites share two cores.
    expect.set_options(timeout=15000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _fresh_tab(browser, live_server, options: dict):
    """A browser context of its own (no cookies) with one tab on the live server; closed by the caller."""
    context = browser.new_context(base_url=live_server, bypass_csp=True, **options)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    return context, tab


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on a desktop-sized screen."""
    context, tab = _fresh_tab(browser, live_server, PAGE_OPTIONS)
    yield tab
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A fresh browser context the size of a phone (390×844)."""
    context, tab = _fresh_tab(browser, live_server, PHONE_OPTIONS)
    yield tab
    context.close()


