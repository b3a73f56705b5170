"""The demo set-up `make run` builds: an account for every role, printed on screen."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from iqfast_sim.simulator import init_simulator
from models import Application, User
from portal.db import Database
from portal.demo import DEMO_DAYS
from portal.demo.complaints import build_demo_complaints
from portal.demo.guidance import build_demo_guidance
from portal.demo.nnc import build_demo_nncs
from portal.demo.service_portal import build_demo_corrections, build_demo_service_user, simulate_survey_answers
from portal.demo.sync_history import build_sync_history
from portal.iqfast.sql_source import safe_url
from portal.migrate import upgrade
from portal.security.scope import SYSTEM_USERNAME
from portal.services import users
from portal.services.compliance.rollup import recompute_all
from portal.services.kpi.rollup import rebuild_kpi_rollups
from portal.services.sync import runs as sync
from portal.settings import PROJECT_ROOT

DEMO_ACCOUNTS = (
    # username, role, section, full name. A name as a person's is written: the role is the user menu's own line, and a
    # name goes into records (a guidance's officer, a dossier's "printed by"), where "Agus Salim (Koordinator Wasdak)"
    # stood beside colleagues' plain names.
    ("admin", "admin", None, "Admin Q-Corner"),
    ("operator", "operator", None, "Siti Rahmawati"),
    ("coordinator_animal", "coordinator", "animal", "drh. Bambang Prasetyo"),
    ("coordinator_plant", "coordinator", "plant", "Ir. Dewi Lestari"),
    ("enforcement", "enforcement", None, "Agus Salim"),
    ("head", "head", None, "Dr. Hendra Wijaya"),
    ("national", "national", None, "Ir. Sri Wahyuni"),
    ("service_user", "service_user", None, "Rudi Hartono"),
    # The station's busiest company (over 5,000 applications): every service-user page as its heaviest user sees it.
    ("forwarder", "service_user", None, "Dewi Anggraini"),
)


def create_demo_accounts(session: Session, password: str, office_code: str = "0300") -> list[dict]:
    """Create the demo accounts (one per role, two coordinators and two service users), or reset their passwords if they exist (idempotent)."""
    office_id = users.office_id_by_code(session, office_code)
    created = []
    for username, role, section, full_name in DEMO_ACCOUNTS:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            users.create_user(session, None, {
                "username": username, "role": role, "full_name": full_name, "office_id": office_id,
                "section_id": users.section_id_by_code(session, section), "password": password,
                "email": f"{username}@demo.qcorner.invalid"})
        elif not check_password_hash(existing.password_hash or "", password) or existing.locked_until:
            # Only when it no longer opens with the demo password: a rerun audits no needless reset.
            users.reset_password(session, None, existing.id, password)
        if existing is not None:
            existing.active = True
            if existing.full_name.startswith(full_name + " ("):  # an earlier demo's "Name (Role)": the name alone
                existing.full_name = full_name
        created.append({"username": username, "role": role, "section": section or ""})
    return created


def demo_iqfast_url(settings) -> str:
    """The demo's IQFast: the configured one, else the simulator's SQLite file under instance/."""
    return settings.iqfast_url or f"sqlite:///{PROJECT_ROOT / 'instance' / 'iqfast-sim.db'}"


def build_demo(settings, days: int = DEMO_DAYS, seed: int = 1, say=print, sync_history_days: int = 365) -> dict:
    """Everything `make run` shows: accounts, a simulated IQFast synced in, NNCs, complaints, a service user's
    portal with notifications and surveys, compliance scores and KPI rollups, and `sync_history_days` of the
    scheduler's sync runs before the first. Safe to run again."""
    url = settings.effective_database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    database = Database(url)
    summary: dict = {}
    try:
        with database.session() as session:
            summary["accounts"] = create_demo_accounts(session, settings.demo_password, settings.default_office)
        iqfast_url = demo_iqfast_url(settings)
        with database.session() as session:
            synced_before = session.scalar(select(Application.id).limit(1)) is not None
        if not synced_before:
            if iqfast_url.startswith("sqlite:///") and not Path(iqfast_url.removeprefix("sqlite:///")).exists():
                say(f"building a simulated IQFast with {days} days of history …")
                init_simulator(iqfast_url, days=days, seed=seed)
            say("copying it into Q-Corner (sync) …")
            # The demo's first copy is the portal's own doing, as the scheduler's later ones are: the sync page's
            # "Dipicu oleh" says "Sistem", not a user name nobody has.
            record = sync.run_sync(database, iqfast_url, triggered_by=SYSTEM_USERNAME,
                                   notification_horizon=settings.notification_horizon)
            summary["sync"] = {k: record.get(k) for k in ("status", "events_written", "applications_written")}
        else:
            # A rerun (`make run`) adds nothing: the scheduler's own syncs bring whatever IQFast has since.
            summary["sync"] = {"status": "skipped"}
        with database.session() as session:
            summary["sync_history"] = build_sync_history(session, safe_url(iqfast_url), days=sync_history_days)
        with database.session() as session:
            summary["nncs"] = build_demo_nncs(session, settings.default_office)
        with database.session() as session:
            summary["complaints"] = build_demo_complaints(session, settings.default_office)
        with database.session() as session:
            summary["service_user"] = build_demo_service_user(session, "service_user", settings.default_office,
                                                              cooldown_days=settings.survey_cooldown_days)
        with database.session() as session:
            summary["forwarder"] = build_demo_service_user(session, "forwarder", settings.default_office,
                                                           cooldown_days=settings.survey_cooldown_days, busiest=True)
        with database.session() as session:
            summary["corrections"] = build_demo_corrections(session, "service_user")
        with database.session() as session:
            summary["survey_answers"] = simulate_survey_answers(session, settings.default_office, seed=seed,
                                                                cooldown_days=settings.survey_cooldown_days)
        say("computing compliance scores and KPI figures …")
        with database.session() as session:
            summary["compliance"] = recompute_all(session)
        with database.session() as session:
            summary["guidance"] = build_demo_guidance(session, settings.default_office)
        with database.session() as session:
            summary["kpi"] = rebuild_kpi_rollups(session)
    finally:
        database.dispose()
    return summary
