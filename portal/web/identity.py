"""Who speaks on the public pages (login, complaint form and tracking, survey, account links): the agency's name,
the station's and the Q-Corner emblem, through one context for every template that extends base.html."""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import Office
from portal.i18n import t


def station_name() -> str | None:
    """The name of the install's station (QCORNER_DEFAULT_OFFICE), read once per process; None while the
    database cannot say (the page still shows the agency)."""
    extensions = current_app.extensions
    if extensions.get("qcorner_station_name") is None:
        code = extensions["qcorner_settings"].default_office
        try:
            with extensions["qcorner_db"].session() as session:
                extensions["qcorner_station_name"] = session.scalar(select(Office.name).where(Office.code == code))
        except SQLAlchemyError:
            return None
    return extensions["qcorner_station_name"]


def install(server: Flask) -> None:
    @server.context_processor
    def identity() -> dict:
        return {"identity": {"agency": t("agency.name"), "station": station_name()}}
