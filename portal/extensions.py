"""Per-process objects the app factory creates and request code reaches through the Flask app."""
from __future__ import annotations

from flask import current_app

from portal.db import Database
from portal.settings import Settings


def database() -> Database:
    """The database of the running app."""
    return current_app.extensions["qcorner_db"]


def settings() -> Settings:
    """The settings of the running app."""
    return current_app.extensions["qcorner_settings"]
