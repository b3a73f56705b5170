"""Settings from QCORNER_* environment variables and an optional .env file."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'instance' / 'qcorner.db'}"
# The zone used where no office is known (WIB, the first station's); an office's own zone is on its row.
DEFAULT_TIMEZONE = "Asia/Jakarta"
# Indonesia's three zones by the names IQFast and officers use (m_upt.zona_waktu).
INDONESIAN_TIMEZONES = {"WIB": DEFAULT_TIMEZONE, "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class InsecureSettings(RuntimeError):
    """Production was asked to start with settings that would expose it."""


class Settings(BaseSettings):
    """Every knob of the portal; production values come from the environment."""

    model_config = SettingsConfigDict(env_prefix="QCORNER_", env_file=".env", extra="ignore")

    env: Literal["production", "development", "demo"] = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = ""
    iqfast_url: str = ""
    iqfast_export_dir: str = ""
    smtp_url: str = ""
    demo_password: str = "qcorner-demo"
    session_idle_hours: float = 8.0
    cookie_secure: bool = False
    timezone: str = DEFAULT_TIMEZONE
    default_language: Literal["id", "en"] = "id"
    default_office: str = "0300"
    sync_interval_minutes: int = 5
    # Login throttling (issue #16), counted per address and per (typed name, address) in the rate-limit storage, so
    # one address's failures for a name never lock that name for anyone else. Flask-Limiter's notation; the tiers of
    # the per-name limit are its backoff (5 → wait out 15 minutes, 10 → an hour, 20 → a day).
    login_limit_per_address: str = "20 per 10 minutes; 200 per day"
    login_limit_per_name: str = "5 per 15 minutes; 10 per hour; 20 per day"
    # The last resort: a real account is locked (until an admin lifts it, or these hours pass) only when its name
    # failed this many times from at least this many addresses within these hours: a spread attack, not a typo.
    login_hard_lock_failures: int = 100
    login_hard_lock_addresses: int = 10
    login_hard_lock_hours: int = 24
    # Service users' portal (issue 6): email sender, WhatsApp gateway, survey spacing, links in messages.
    smtp_from: str = "Q-Corner <no-reply@qcorner.invalid>"
    webhook_url: str = ""
    webhook_token: str = ""
    # Web Push (issue 20, RFC 8030/8291/8292): the phone's own notification, sent by the scheduler to the push
    # service of the browser that subscribed. Off unless enabled; production refuses to start enabled without keys
    # (make them with `qcorner push keys`); the demo and development keep a generated pair under instance/.
    push_enabled: bool = False
    vapid_public_key: str = ""    # base64url of the uncompressed P-256 point: the browser's applicationServerKey
    vapid_private_key: str = ""   # base64url of the 32-byte P-256 private number
    vapid_subject: str = ""       # mailto: of the station's operator, told to the push services in every request
    survey_cooldown_days: int = 30
    # A sync's first load (a table never synced before) queues no notification for what happened longer ago than
    # this: a year of history arriving at once is not news, and skipping it spares the first load most of the work.
    notification_horizon_days: int = 30
    public_base_url: str = "http://127.0.0.1:8050"
    # Rate-limit storage shared by every web worker (redis://127.0.0.1:6379); memory:// only for one process.
    ratelimit_storage_url: str = "memory://"
    # Without Redis, a directory the view cache keeps its answers in, shared by every worker of one server (the demo's
    # gunicorn sets one per start); empty: each process keeps its own answers in memory (one process, the tests).
    view_cache_dir: str = ""
    # How many reverse proxies (nginx, a load balancer) stand in front of the portal: their X-Forwarded-For and
    # X-Forwarded-Proto are believed, so rate limits and the session log see the citizen's address, not the proxy's.
    # 0 (no proxy) believes nothing: a visitor could otherwise pick any address by sending the header.
    trusted_proxies: int = 0
    # The most a Dash callback request may carry (MB), checked on the raw request before anything parses it; the
    # callbacks that take a file (a dcc.Upload's contents, base64 in JSON) get the larger limit, and only for the
    # roles that may call one of them.
    callback_body_max_mb: float = 4.0
    upload_callback_body_max_mb: float = 64.0
    # Complaint deadlines in working days, SP4N-LAPOR!'s tiers (DOMAIN.md): the first response, then the answer by
    # category; a complaint that needs a field check gets the longest.
    complaint_first_response_working_days: int = 3
    complaint_due_information_request: int = 5
    complaint_due_service: int = 5
    complaint_due_tariff: int = 5
    complaint_due_other: int = 5
    complaint_due_officer_conduct: int = 14
    complaint_due_field_check: int = 60
    complaint_contact_retention_days: int = 730
    # What one import file may hold (portal/spreadsheets.py checks each before the work, issue 16). The NNC import
    # runs inside a page's request, one savepoint per row: 5,000 rows is about a minute. An IQFast export is a
    # table of a station's year (the admin's upload takes 512 MB); its rows are held while they load.
    nnc_import_max_bytes: int = 10 * 1024 * 1024
    nnc_import_max_rows: int = 5_000
    nnc_import_max_columns: int = 100
    nnc_import_max_cells: int = 250_000
    nnc_import_max_unzipped_bytes: int = 100 * 1024 * 1024
    export_import_max_bytes: int = 512 * 1024 * 1024
    export_import_max_rows: int = 1_000_000
    export_import_max_columns: int = 200
    export_import_max_cells: int = 30_000_000
    export_import_max_unzipped_bytes: int = 2 * 1024 * 1024 * 1024
    spreadsheet_max_sheets: int = 50
    # An XLSX member unpacking to more than this many times its packed size (past 1 MB) is a zip bomb, not a sheet:
    # real sheets pack 5-20 times.
    spreadsheet_max_compression_ratio: int = 100

    @field_validator("database_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def notification_horizon(self) -> timedelta:
        """How far back a sync's first load notifies (QCORNER_NOTIFICATION_HORIZON_DAYS)."""
        return timedelta(days=self.notification_horizon_days)

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the embedded SQLite file outside production."""
        return self.database_url or DEFAULT_SQLITE_URL

    def check_safe_for_production(self) -> None:
        """Refuse to run production on a default secret or an implicit database."""
        if self.env != "production":
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            problems.append("QCORNER_SECRET_KEY must be set to a random value of at least 32 characters")
        if not self.database_url:
            problems.append("QCORNER_DATABASE_URL must be set")
        if self.push_enabled:
            if not (self.vapid_public_key and self.vapid_private_key):
                problems.append("QCORNER_PUSH_ENABLED needs QCORNER_VAPID_PUBLIC_KEY and QCORNER_VAPID_PRIVATE_KEY "
                                "(make them with `qcorner push keys`)")
            if not self.vapid_subject.startswith("mailto:"):
                problems.append("QCORNER_PUSH_ENABLED needs QCORNER_VAPID_SUBJECT=mailto:<the operator's address>")
        if problems:
            raise InsecureSettings("Refusing to start in production: " + "; ".join(problems))


def load_settings(**overrides) -> Settings:
    """Read settings from the environment, with explicit overrides (used by tests)."""
    return Settings(**overrides)


@lru_cache(maxsize=1)
def default_timezone() -> str:
    """QCORNER_TIMEZONE: the zone for an office without one (read once per process)."""
    return load_settings().timezone
