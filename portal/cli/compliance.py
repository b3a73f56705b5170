"""`qcorner compliance …`: the compliance ranking and the rollups from the command line."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from models import Office
from portal.db import Database
from portal.services.compliance import ranking as service
from portal.services.compliance.rollup import recompute_all
from portal.settings import load_settings
from portal.cli.errors import refuse
from portal.validation import InvalidInput


def _database():
    return Database(load_settings().effective_database_url)


@click.group()
def compliance():
    """Compliance profiling: ranking and rollups."""


@compliance.command("rank")
@click.option("--section", default="all", show_default=True, help="animal, plant, … or all (the overall score)")
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, None))
@click.option("--direction", default=None, help="export, import, domestic_out, domestic_in")
@click.option("--from", "period_from", default=None, help="custom period start, YYYY-MM-DD, counted from that day on "
              "(default: the default window's start)")
@click.option("--to", "period_to", default=None, help="custom period end, YYYY-MM-DD, counted through that day "
              "(default: today)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def rank(section, office_code, limit, direction, period_from, period_to, as_json):
    """Print the ranking (highest score first) of one office, from the rollups.

    Without --from/--to the window is the last 12 months (the scoring setting) through today, from the day after
    the same date then; a period counts exactly its days. The first line says the dates used."""
    settings = load_settings()
    with _database().session() as session:
        office_id = session.scalar(select(Office.id).where(Office.code == (office_code or settings.default_office)))
        if office_id is None:
            raise click.BadParameter(f"unknown office {office_code!r}", param_hint="--office")
        try:
            result = service.ranking(session, office_id=office_id, section_scope=None, page_size=limit,
                                     filters={"section": None if section == "all" else section,
                                              "direction": direction, "period_from": period_from,
                                              "period_to": period_to})
        except InvalidInput as error:
            refuse(error)
    keys = ("rank", "service_user_id", "name", "tax_id", "score", "tier", "consignments", "detentions", "refusals",
            "destructions", "nncs", "clean_streak", "months_since_last_violation", "intervention")
    rows = [{key: row[key] for key in keys} for row in result["rows"]]
    if as_json:
        click.echo(json.dumps({"section": section, "window_from": result["window_from"].isoformat(),
                               "window_to": result["window_to"].isoformat(), "p0": result["p0"],
                               "settings_version": result["settings_version"], "total": result["total"],
                               "tier_counts": result["tier_counts"], "rows": rows}, indent=2, ensure_ascii=False))
        return
    click.echo(f"window {result['window_from']} – {result['window_to']} · p0 {result['p0']:.4f} · "
               f"settings v{result['settings_version']} · {result['total']} ranked")
    click.echo(f"{'#':>4}  {'score':>6}  tier  {'n':>6}  {'d':>3} {'r':>3} {'x':>3} {'k':>3}  name")
    for r in rows:
        click.echo(f"{r['rank']:>4}  {r['score']:>6.1f}  {r['tier']:^4}  {r['consignments']:>6}  {r['detentions']:>3} "
                   f"{r['refusals']:>3} {r['destructions']:>3} {r['nncs']:>3}  {r['name']}")


@compliance.command("recompute")
@click.option("--json", "as_json", is_flag=True)
def recompute(as_json):
    """Rebuild the monthly rollups, clean streaks and score snapshots from the raw tables."""
    with _database().session() as session:
        result = recompute_all(session)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(f"rollups rebuilt: {result['monthly_rows']} monthly rows, {result['streaks']} streaks, "
                   f"{result['scores']} scores in {result['seconds']} s")
