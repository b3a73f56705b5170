"""`qcorner offices list|add`: the stations (UPT) of this installation; adding one is the same audited service as the
admin page's UPT section (docs/operations.md, "Adding another station")."""
from __future__ import annotations

import json

import click

from portal.cli.errors import refuse
from portal.cli.kpi import _database  # one way to open the database
from portal.services import offices as office_service
from portal.validation import InvalidInput


@click.group("offices")
def offices():
    """The stations (UPT): list them, add one."""


@offices.command("list")
@click.option("--json", "as_json", is_flag=True)
def offices_list(as_json):
    """Every station: code, time zone, name, and its own IQFast source when it has one."""
    with _database().session() as session:
        rows = office_service.list_offices(session)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        source = f"  IQFast: {row['iqfast_source']}" if row["iqfast_source"] else ""
        click.echo(f"{row['code']:<8} {row['timezone']:<15} {row['zone']:<5} {row['name']}{source}")


@offices.command("add")
@click.option("--code", required=True, help="the station's code as IQFast's m_upt.kode_upt has it, e.g. 2000")
@click.option("--name", required=True, help="the station's name as Q-Corner shows it")
@click.option("--timezone", "zone", required=True,
              help="Asia/Jakarta or Asia/Pontianak (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)")
@click.option("--iqfast-url", default="", help="the station's own IQFast database, when it is not in the "
                                              "configured source (QCORNER_IQFAST_URL)")
@click.option("--by", "username", default="cli", help="who the audit log names")
def offices_add(code, name, zone, iqfast_url, username):
    """Add a station; the next sync reads its records (from its own source when --iqfast-url is given)."""
    with _database().session() as session:
        try:
            added = office_service.add_office(session, None, username, {
                "code": code, "name": name, "timezone": zone, "iqfast_url": iqfast_url})
        except InvalidInput as error:
            refuse(error)
        session.commit()
    source = f", IQFast {added['iqfast_source']}" if added["iqfast_source"] else ""
    click.echo(f"office {added['code']} added ({added['timezone']}{source})")
