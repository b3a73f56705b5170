"""`qcorner kpi` (the head's panel figures, `kpi rebuild`) and `qcorner ikm` (the satisfaction index)."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import click

from portal.db import Database
from portal.services import ikm_results
from portal.services.kpi import panel as kpi_service
from portal.services.sync import status as sync_status
from portal.services.kpi.rollup import rebuild_kpi_rollups
from portal.services.users import office_id_by_code
from portal.settings import load_settings
from portal.cli.errors import refuse
from portal.validation import Forbidden, InvalidInput


def _database():
    return Database(load_settings().effective_database_url)


def _office_id(session, code: str | None) -> int:
    code = code or load_settings().default_office
    office_id = office_id_by_code(session, code)
    if office_id is None:
        raise click.BadParameter(f"unknown office {code!r}", param_hint="--office")
    return office_id


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {value!r}")


def _echo(data, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))
        return
    for key, value in data.items():
        click.echo(f"{key}: {json.dumps(value, default=_json_default, ensure_ascii=False)}")


_DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group("kpi", invoke_without_command=True)
@click.option("--from", "date_from", type=_DATE, help="first day, YYYY-MM-DD (office time)")
@click.option("--to", "date_to", type=_DATE, help="last day, YYYY-MM-DD (inclusive)")
@click.option("--section", default=None, help="animal, plant, …")
@click.option("--direction", default=None, type=click.Choice(["export", "import", "domestic_out", "domestic_in"]))
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def kpi(ctx, date_from, date_to, section, direction, office_code, as_json):
    """The KPI panel's figures for a period against the previous one (or `kpi rebuild`)."""
    if ctx.invoked_subcommand is not None:
        return
    if date_from is None or date_to is None:
        raise click.UsageError("give --from and --to (or the rebuild command)")

    with _database().session() as session:
        try:
            span = kpi_service.period("custom", date.today(), date_from.date(), date_to.date())
            result = kpi_service.panel(session, _office_id(session, office_code), span, section, direction)
            # How fresh the copy is, and whether it is late, by the sync's rule (as the panel's badge says it).
            result["freshness"] = sync_status.freshness(session, load_settings().sync_interval_minutes)
        except InvalidInput as error:
            refuse(error)
        except ValueError as error:
            raise click.UsageError(str(error))
    _echo(result, as_json)


@kpi.command("rebuild")
def kpi_rebuild():
    """Rebuild the KPI rollups from the synced data (the sync keeps them up to date incrementally)."""
    with _database().session() as session:
        counts = rebuild_kpi_rollups(session)
        session.commit()
    click.echo(f"rebuilt: {counts['applications']} applications, {counts['office_days']} office-day rows")


@click.command("ikm")
@click.option("--from", "date_from", type=_DATE, required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "date_to", type=_DATE, required=True, help="last day, YYYY-MM-DD (inclusive)")
@click.option("--section", default=None, help="animal, plant, …")
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--json", "as_json", is_flag=True)
def ikm(date_from, date_to, section, office_code, as_json):
    """The satisfaction index (IKM, PermenPANRB 14/2017) of a period."""
    if date_to < date_from:
        raise click.UsageError("--to is before --from")
    with _database().session() as session:
        try:
            result = ikm_results.summary(session, _office_id(session, office_code), date_from.date(),
                                         date_to.date(), section)
        except Forbidden as error:
            raise click.BadParameter(str(error), param_hint="--section")
    data = {"responses": result["responses"],
            "elements": [{"element": e["element"], "name": e["name"], "nrr": e["nrr"]} for e in result["elements"]],
            "index": result["index"], "ikm": result["ikm"], "grade": result["grade"], "label": result["label"],
            "population": result["population"], "minimum_sample": result["minimum_sample"],
            "sufficient": result["sufficient"], "from": result["from"], "to": result["to"],
            "section": result["section"]}
    _echo(data, as_json)


def register(main) -> None:
    main.add_command(kpi)
    main.add_command(ikm)
