"""Production refuses settings that would expose it."""
import pytest

from portal.settings import DEFAULT_SECRET, InsecureSettings, load_settings


def test_production_refuses_the_default_secret():
    settings = load_settings(env="production", database_url="postgresql://db/qcorner", secret_key=DEFAULT_SECRET)
    with pytest.raises(InsecureSettings, match="QCORNER_SECRET_KEY"):
        settings.check_safe_for_production()


def test_production_refuses_a_short_secret():
    settings = load_settings(env="production", database_url="postgresql://db/qcorner", secret_key="short")
    with pytest.raises(InsecureSettings):
        settings.check_safe_for_production()


def test_production_refuses_to_start_without_a_database_url():
    settings = load_settings(env="production", database_url="", secret_key="x" * 40)
    with pytest.raises(InsecureSettings, match="QCORNER_DATABASE_URL"):
        settings.check_safe_for_production()


def test_create_app_in_production_with_default_secret_refuses_to_start():
    from portal import create_app

    with pytest.raises(InsecureSettings):
        create_app(load_settings(env="production", database_url="sqlite://", secret_key=DEFAULT_SECRET))


def test_development_falls_back_to_the_embedded_sqlite_file():
    settings = load_settings(env="development", database_url="")
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("instance/qcorner.db")


def test_settings_come_from_qcorner_environment_variables(monkeypatch):
    monkeypatch.setenv("QCORNER_SESSION_IDLE_HOURS", "2.5")
    monkeypatch.setenv("QCORNER_TIMEZONE", "Asia/Makassar")
    settings = load_settings()
    assert settings.session_idle_hours == 2.5
    assert settings.timezone == "Asia/Makassar"


def test_the_notification_horizon_is_thirty_days_unless_set_in_the_environment(monkeypatch):
    from datetime import timedelta

    monkeypatch.delenv("QCORNER_NOTIFICATION_HORIZON_DAYS", raising=False)
    assert load_settings().notification_horizon == timedelta(days=30)
    monkeypatch.setenv("QCORNER_NOTIFICATION_HORIZON_DAYS", "7")
    assert load_settings().notification_horizon == timedelta(days=7)
