"""`qcorner dossier verify FILE.pdf`: check a copy of a traceability dossier (portal/reports/dossier.py says how)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from portal.db import Database
from portal.i18n import DEFAULT_LANGUAGE, format_datetime, t
from portal.reports import dossier as drawing
from portal.settings import load_settings

REFUSED = 1


@click.group()
def dossier():
    """The traceability dossier (dokumen penelusuran)."""


@dossier.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True, help="check the file alone, without asking this installation's audit log "
              "whether it printed the hash")
@click.option("--language", type=click.Choice(["id", "en"]), default=DEFAULT_LANGUAGE, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def verify(path: Path, offline: bool, language: str, as_json: bool):
    """Accept a dossier only if its carried content, the hash printed on each page and every page's drawing agree
    (and, unless --offline, the hash is one this installation printed). Exit status 0 accepted, 1 refused."""
    if path.stat().st_size > drawing.MAX_FILE_BYTES:
        content = b""
    else:
        content = path.read_bytes()
    if offline:
        result = drawing.verify(content)
    else:
        database = Database(load_settings().effective_database_url)
        with database.session() as session:
            result = drawing.verify(content, session)
        database.dispose()
    problems = [t(key, language, **params) for key, params in result["problems"]]
    printing = result["printing"]
    if as_json:
        click.echo(json.dumps({"ok": result["ok"], "hash": result["hash"], "pages": result["pages"],
                               "company": result["company"], "period": result["period"], "problems": problems,
                               "printed_by": printing and printing["username"],
                               "printed_at": printing and printing["at"].isoformat()}, indent=2, ensure_ascii=False))
    else:
        click.echo(t("dossier.verify.ok" if result["ok"] else "dossier.verify.refused", language))
        if result["hash"]:
            click.echo(f"SHA-256: {result['hash']}")
        if result["company"]:
            period = result["period"] or {}
            click.echo(f"{result['company']} · {period.get('from')} – {period.get('to')} · {result['pages']} hlm.")
        if printing:
            click.echo(t("dossier.verify.printed", language, username=printing["username"],
                         at=format_datetime(printing["at"], language=language)))
        for problem in problems:
            click.echo(f"- {problem}")
    sys.exit(0 if result["ok"] else REFUSED)
