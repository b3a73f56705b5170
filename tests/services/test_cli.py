"""The qcorner command: demo accounts, creating users."""
from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from models import User
from portal.cli.main import main
from portal.i18n import t


def _env(database_url):
    return {"QCORNER_DATABASE_URL": database_url, "QCORNER_DEMO_PASSWORD": "demo-sandi-123"}


def test_demo_creates_an_account_for_every_role(database_url, session):
    result = CliRunner().invoke(main, ["demo", "--accounts-only", "--json"], env=_env(database_url))
    assert result.exit_code == 0, result.output
    accounts = json.loads(result.output)["accounts"]
    assert {a["username"] for a in accounts} == {"admin", "operator", "coordinator_animal", "coordinator_plant",
                                                  "enforcement", "head", "national", "service_user", "forwarder"}
    roles = dict(session.execute(select(User.username, User.role)).all())
    assert roles["coordinator_plant"] == "coordinator" and roles["head"] == "head" \
        and roles["national"] == "national"


def test_demo_twice_is_harmless(database_url):
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--accounts-only"], env=_env(database_url)).exit_code == 0
    assert runner.invoke(main, ["demo", "--accounts-only"], env=_env(database_url)).exit_code == 0


def test_users_create_reads_the_password_from_stdin(database_url, session, client):
    from support.web import login

    result = CliRunner().invoke(main, ["users", "create", "--username", "koord.kt", "--role", "coordinator",
                                       "--section", "plant", "--password-stdin"],
                                input="sandi-rahasia-99\n", env=_env(database_url))
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "koord.kt"))
    assert user.section.code == "plant"
    assert login(client, "koord.kt", "sandi-rahasia-99").location == "/rankings"


def test_users_create_explains_what_is_wrong(database_url):
    result = CliRunner().invoke(main, ["users", "create", "--username", "koord", "--role", "coordinator",
                                       "--password-stdin"], input="pendek\n", env=_env(database_url))
    assert result.exit_code == 2
    assert "section" in result.output and "password" in result.output


def test_refused_input_is_printed_in_words_not_as_a_key(database_url):
    """`qcorner kpi` over a century: the same Indonesian message the page shows, not `kpi.error.too_long`."""
    result = CliRunner().invoke(main, ["kpi", "--from", "2000-01-01", "--to", "2100-12-31"], env=_env(database_url))
    assert result.exit_code == 2
    assert "kpi.error" not in result.output
    assert result.output.startswith("Kesalahan: to: ")
    assert t("kpi.error.too_long", "id").split("{")[0].strip() in result.output
