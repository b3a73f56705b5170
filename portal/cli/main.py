"""The `qcorner` command (also `python -m portal`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, run_simple

from models import User
from portal import data_version
from portal.db import Database
from portal.demo import DEMO_DAYS  # the package's __init__ only: the simulator stays out of production imports
from portal.migrate import upgrade
from portal.security.permissions import ROLES
from portal.security.scope import system_scope
from portal.services import service_user_links
from portal.services.sync import set_aside
from portal.services import users as user_service
from portal.settings import load_settings
from portal.cli.errors import refuse
from portal.validation import InvalidInput, NotFound


def _database():
    return Database(load_settings().effective_database_url)


@click.group()
def main():
    """Q-Corner: quarantine service and supervision portal."""


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision):
    """Apply every Alembic migration up to REVISION."""
    settings = load_settings()
    _ensure_instance_dir(settings.effective_database_url)
    database = Database(settings.effective_database_url)
    try:
        left = set_aside.put_back_before_migrating(database.engine)
    finally:
        database.engine.dispose()
    if left:
        click.echo(f"not migrated: the foreign keys {', '.join(left)} are still set aside by a first load "
                   f"(a table stayed locked); run again once the sync is idle (docs/operations.md)", err=True)
        sys.exit(1)
    upgrade(settings.effective_database_url, revision)
    try:
        # After a restore (docs/operations.md, step 7): no answer cached under the dump's stamp is served again.
        data_version.renew(database.engine)
    finally:
        database.engine.dispose()
    click.echo(f"database at revision {revision}")


def _ensure_instance_dir(url: str) -> None:
    """The embedded SQLite file lives under instance/, which a fresh clone does not have."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@main.group()
def users():
    """Accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--section", default=None, help="animal, plant, … (required for section-scoped roles: coordinators)")
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--service-user", "service_user", default=None, help="source id of the company to link")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_create(username, role, section, office_code, service_user, full_name, email, password_stdin):
    """Create an account."""
    if not password_stdin:
        raise click.UsageError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    settings = load_settings()
    database = _database()
    try:
        with database.session() as session:
            section_id = user_service.section_id_by_code(session, section)
            if section and section_id is None:
                raise click.BadParameter(f"unknown section {section!r}", param_hint="--section")
            office_id = user_service.office_id_by_code(session, office_code or settings.default_office)
            created = user_service.create_user(session, None, {
                "username": username, "role": role, "section_id": section_id, "office_id": office_id,
                "password": password, "full_name": full_name, "email": email})
            if service_user:
                try:
                    service_user_links.link_by_source_id(session, created["id"], service_user)
                except (NotFound, ValueError):
                    raise click.BadParameter(f"no synced service user with source id {service_user!r}",
                                             param_hint="--service-user")
    except InvalidInput as error:
        refuse(error)
    click.echo(f"created {created['username']} ({created['role']})")


@users.command("unlock")
@click.argument("username")
@click.option("--user", "actor_name", default="cli", show_default=True, help="who the audit log names")
def users_unlock(username, actor_name):
    """Lift the lock of USERNAME's account and forget its failed logins (audited)."""
    settings = load_settings()
    with _database().session() as session:
        try:
            user_id = user_service.user_id_by_username(session, username)
        except NotFound:
            raise click.BadParameter(f"no account {username!r}", param_hint="USERNAME")
        actor_id = session.scalar(select(User.id).where(User.username == actor_name))
        office_id = user_service.office_id_by_code(session, settings.default_office)
        user_service.unlock(session, system_scope(office_id, username=actor_name, user_id=actor_id), user_id)
    click.echo(f"unlocked {username}")


class UnversionedRequestHandler(WSGIRequestHandler):
    """The built-in server's `Server` header names no versions (Werkzeug's says "Werkzeug/3.1.9 Python/3.11.2",
    a map to known holes); gunicorn's already says only "gunicorn"."""

    def version_string(self) -> str:
        return "Q-Corner"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
def serve(host, port):
    """Serve the portal with the built-in server (production: gunicorn wsgi:server)."""
    # The web app (Dash and every page) is loaded only to serve it: the other commands stay quick.
    from portal import create_app

    app = create_app()
    click.echo(f"Q-Corner on http://{host}:{port}")
    run_simple(host, port, app.server, threaded=True, use_reloader=False, request_handler=UnversionedRequestHandler)


@main.command()
@click.option("--days", default=DEMO_DAYS, show_default=True, type=int, help="days of simulated IQFast history")
@click.option("--accounts-only", is_flag=True, help="only migrate and create the seven demo accounts")
@click.option("--json", "as_json", is_flag=True)
def demo(days, accounts_only, as_json):
    """Build the demo: accounts for every role, simulated IQFast data synced in, NNCs, complaints, surveys."""
    # The demo brings the IQFast simulator with it, which nothing else in a production install loads.
    from portal.demo.build import build_demo, create_demo_accounts

    settings = load_settings()
    if accounts_only:
        _ensure_instance_dir(settings.effective_database_url)
        upgrade(settings.effective_database_url)
        with _database().session() as session:
            summary = {"accounts": create_demo_accounts(session, settings.demo_password, settings.default_office)}
    else:
        summary = build_demo(settings, days=days, say=lambda text: click.echo(text, err=True))
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    click.echo("\nQ-Corner demo accounts (password: %s)" % settings.demo_password)
    click.echo(f"  {'username':<22}{'role':<16}section")
    for account in summary["accounts"]:
        click.echo(f"  {account['username']:<22}{account['role']:<16}{account['section']}")
    click.echo("")


# The NNC register's commands live with the register: `qcorner nnc import FILE`.
from portal.cli.nnc import nnc as _nnc_commands  # noqa: E402

main.add_command(_nnc_commands)

# Compliance profiling: `qcorner compliance rank|recompute`.
from portal.cli.compliance import compliance as _compliance_commands  # noqa: E402

main.add_command(_compliance_commands)

# The IQFast copy's commands: `qcorner sync`, `qcorner scheduler`, `qcorner iqfast-sim init|tick`.
from portal.cli.sync import register as _register_sync_commands  # noqa: E402

_register_sync_commands(main)

# The head's panel and the satisfaction index: `qcorner kpi [rebuild]`, `qcorner ikm`.
from portal.cli.kpi import register as _register_kpi_commands  # noqa: E402

_register_kpi_commands(main)

# The office's working-day calendar: `qcorner calendar list|add|remove`.
from portal.cli.calendar import calendar as _calendar_commands  # noqa: E402

main.add_command(_calendar_commands)

# Web Push keys: `qcorner push keys`.
from portal.cli.push import push as _push_commands  # noqa: E402

main.add_command(_push_commands)

# The traceability dossier: `qcorner dossier verify FILE.pdf`.
from portal.cli.dossier import dossier as _dossier_commands  # noqa: E402

main.add_command(_dossier_commands)

# Inspection targeting: `qcorner targeting decisions|verify|rotate-key`.
from portal.cli.targeting import targeting as _targeting_commands  # noqa: E402

main.add_command(_targeting_commands)

# The stations: `qcorner offices list|add`.
from portal.cli.offices import offices as _offices_commands  # noqa: E402

main.add_command(_offices_commands)
