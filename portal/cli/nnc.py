"""`qcorner nnc …`: the NNC register from the command line (import of historical NNCs)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select

from models import User
from portal.db import Database
from portal.i18n import t
from portal.services.accounts import current_user_from
from portal.services.nnc import imports as nnc_import
from portal.services.nnc import rules as nnc_rules
from portal.settings import load_settings
from portal.spreadsheets import limits_for
from portal.cli.errors import refuse
from portal.validation import Forbidden, InvalidInput


@click.group()
def nnc():
    """NNC register (notifications of non-compliance)."""


@nnc.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option("--user", "username", default=None,
              help="record the NNCs as this admin or operator (default: the system, in the default office)")
@click.option("--language", default="en", type=click.Choice(["en", "id"]), show_default=True,
              help="language of the reasons in the report")
def import_command(file: Path, as_json: bool, username: str | None, language: str):
    """Load historical NNCs from FILE (XLSX or CSV): good rows are saved, each bad row is reported.

    Exit status: 0 every row loaded, 1 some rows refused, 2 the file or the user could not be used.
    """
    settings = load_settings()
    database = Database(settings.effective_database_url)

    def say(key, **params):
        return t(key, language=language, **params)

    try:
        with database.session() as session:
            if username:
                account = session.scalar(select(User).where(User.username == username))
                if account is None or not account.active:
                    raise click.BadParameter(f"no active account {username!r}", param_hint="--user")
                actor = current_user_from(account, "cli")
            else:
                actor = nnc_rules.system_actor(session, settings.default_office)
            report = nnc_import.import_file(session, actor, file.name, file.read_bytes(),
                                            limits=limits_for("nnc_import", settings))
    except Forbidden:
        click.echo(f"{username} may not record NNCs (admin or operator only)", err=True)
        sys.exit(2)
    except InvalidInput as error:
        refuse(error, language)
    finally:
        database.dispose()

    rejected = [{"row": r["row"], "number": r["number"],
                 "reasons": {field: say(key, **params) for field, (key, params) in r["errors"].items()}}
                for r in report["rejected"]]
    if as_json:
        click.echo(json.dumps({"file": str(file), "rows": report["rows"], "created": report["created"],
                               "rejected": rejected, "unknown_columns": report["unknown_columns"]},
                              indent=2, ensure_ascii=False))
    else:
        click.echo(f"{file}: {report['rows']} rows, {len(report['created'])} loaded, {len(rejected)} refused")
        if report["unknown_columns"]:
            click.echo("ignored columns: " + ", ".join(report["unknown_columns"]))
        for row in rejected:
            click.echo(f"  row {row['row']} ({row['number'] or '-'}):")
            for field, reason in row["reasons"].items():
                click.echo(f"    {field}: {reason}")
    sys.exit(1 if rejected else 0)
