"""`qcorner targeting …`: the inspection decisions, their verification and the office key's rotation."""
from __future__ import annotations

import json
import sys
from datetime import date

import click
from sqlalchemy import select

from models import Office
from portal.db import Database
from portal.services.targeting import decisions as list_decisions
from portal.services.targeting import keys, verify as verifying
from portal.settings import load_settings
from portal.validation import NotFound


def _database():
    return Database(load_settings().effective_database_url)


def _office_id(session, code: str | None) -> int:
    code = code or load_settings().default_office
    office_id = session.scalar(select(Office.id).where(Office.code == code))
    if office_id is None:
        raise click.BadParameter(f"unknown office {code!r}", param_hint="--office")
    return office_id


def _day(value: str, hint: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint=hint) from None


@click.group()
def targeting():
    """Inspection targeting: decisions, verification, the office key."""


@targeting.command("decisions")
@click.option("--from", "date_from", required=True, help="first day (UTC), YYYY-MM-DD")
@click.option("--to", "date_to", required=True, help="last day (UTC), YYYY-MM-DD, included")
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def decisions_command(date_from, date_to, office_code, as_json):
    """The decisions made in a period, oldest first."""
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    with _database().session() as session:
        rows = list_decisions(session, _office_id(session, office_code), start, end)
    if as_json:
        click.echo(json.dumps([{**r, "decided_at": r["decided_at"].isoformat()} for r in rows], indent=2,
                              ensure_ascii=False))
        return
    for r in rows:
        flags = ",".join(f["code"] for f in r["flags"]) or "-"
        click.echo(f"{r['application_number']}  {r['level']:<9}  u={r['draw']:.6f}  rate={r['rate']:.2f}  "
                   f"{'SELECTED' if r['selected'] else 'not selected'}  flags={flags}")
    click.echo(f"{len(rows)} decisions")


@targeting.command("verify")
@click.option("--application", "reference", required=True, help="application id or number")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def verify_command(reference, as_json):
    """Recompute the draw and the level of an application's decision; exit code 1 when it does not match."""
    with _database().session() as session:
        try:
            result = verifying.verify(session, verifying.find_application(session, reference))
        except NotFound as error:
            # No such application, or one synced before targeting (no decision to check).
            click.echo(f"not found: {error}", err=True)
            sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        for c in result["checks"]:
            click.echo(f"{c['what']:<16} stored={c['stored']!s:<24} recomputed={c['recomputed']!s:<24} "
                       f"{'ok' if c['match'] else 'MISMATCH'}")
        click.echo("match" if result["match"] else "mismatch")
    if not result["match"]:
        sys.exit(1)


@targeting.command("rotate-key")
@click.option("--office", "office_code", required=True, help="office code")
def rotate_key_command(office_code):
    """Retire the office's targeting key and start a new one (audited; applies to new applications only)."""
    with _database().session() as session:
        result = keys.rotate_key(session, _office_id(session, office_code), None, "cli")
    click.echo(f"office {office_code}: key v{result['retired_version']} retired, v{result['version']} in use")
