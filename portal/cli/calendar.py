"""`qcorner calendar list|add|remove`: an office's working-day calendar, the same edits (audited) as the admin page."""
from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select

from models import User
from portal.cli.errors import refuse
from portal.cli.kpi import _DATE, _database, _office_id  # one way to open the database and read --office
from portal.security.scope import system_scope
from portal.services import working_calendar
from portal.validation import InvalidInput


def _actor(session, office_id: int, username: str):
    """Who the audit log names: the account of that username when there is one, else just the name given."""
    user_id = session.scalar(select(User.id).where(User.username == username))
    return system_scope(office_id, username=username, user_id=user_id)


@click.group("calendar")
def calendar():
    """The office's working-day calendar: national holidays, cuti bersama and the office's own edits."""


@calendar.command("list")
@click.option("--year", type=int, default=None, help="the year, default this year")
@click.option("--office", "office_code", default=None, help="office code, default the configured office")
@click.option("--json", "as_json", is_flag=True)
def calendar_list(year, office_code, as_json):
    """Every non-working day of the year besides weekends, with its source (public, government = cuti bersama,
    added by the office) and the listed holidays the office works (worked)."""
    year = year or date.today().year
    with _database().session() as session:
        office_id = _office_id(session, office_code)
        days = working_calendar.year_days(session, system_scope(office_id), office_id, year, "en")
    if as_json:
        click.echo(json.dumps([{**d, "day": d["day"].isoformat(), "at": d["at"].isoformat() if d["at"] else None}
                               for d in days], indent=2, ensure_ascii=False))
        return
    for d in days:
        note = f"  ({d['reason']}; {d['by'] or '-'})" if d["reason"] else ""
        click.echo(f"{d['day'].isoformat()} {d['day'].strftime('%a')}  {d['source']:<10} {d['name'] or ''}{note}")


def _edit(function, day, reason, office_code, username):
    with _database().session() as session:
        office_id = _office_id(session, office_code)
        try:
            result = function(session, _actor(session, office_id, username), office_id, day.date(), reason)
        except InvalidInput as error:
            refuse(error)
        session.commit()
    moved = result["complaints_moved"]
    click.echo(f"{result['day'].isoformat()}: {'working day' if result['working'] else 'non-working day'} "
               f"({result['change']}); {moved} open complaint due date(s) moved")


def _edit_command(name: str, reason_help: str):
    """`calendar add` and `calendar remove` take the same arguments."""
    def decorate(function):
        for option in reversed((
                click.argument("day", type=_DATE, metavar="YYYY-MM-DD"),
                click.option("--reason", required=True, help=reason_help),
                click.option("--office", "office_code", default=None,
                             help="office code, default the configured office"),
                click.option("--user", "username", default="cli", show_default=True, help="who the audit log names"))):
            function = option(function)
        return calendar.command(name)(function)
    return decorate


@_edit_command("add", "why the office does not work that day (audited)")
def calendar_add(day, reason, office_code, username):
    """Make DAY a non-working day of the office (or give back a listed holiday the office worked)."""
    _edit(working_calendar.add_day, day, reason, office_code, username)


@_edit_command("remove", "why the office works that day (audited)")
def calendar_remove(day, reason, office_code, username):
    """Make DAY a working day of the office: a listed holiday it works, or a day it had added taken back."""
    _edit(working_calendar.remove_day, day, reason, office_code, username)
