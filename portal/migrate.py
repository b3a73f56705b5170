"""Run the Alembic migrations from code (the CLI, tests and `make run` use this)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from portal.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to `revision` (every branch head by default)."""
    command.upgrade(alembic_config(url), revision)
