"""Admin › inspection targeting: saving the flags makes a new audited version; the key rotates only after the
confirmation, is never shown, and is refused to other roles."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditLog, TargetingKey
from portal.services.targeting import settings as targeting_settings
from support.web import dash_callback

THRESHOLDS = ("new_company_below", "recent_nnc_days", "quantity_factor")


def _key(app, fragment: str) -> str:
    return next(key for key in app.callback_map if fragment in key)


def _save(client, app, flags, thresholds, opened):
    state = [{"id": "admin-targeting-flags", "property": "value", "value": flags}]
    state += [{"id": f"admin-targeting-{name}", "property": "value", "value": v} for name, v in zip(THRESHOLDS, thresholds)]
    state += [{"id": "admin-targeting-note", "property": "value", "value": "uji"},
              {"id": "admin-targeting-opened", "property": "data", "value": opened}]
    return dash_callback(client, _key(app, "admin-targeting-current.children"),
                         inputs=[{"id": "admin-targeting-save", "property": "n_clicks", "value": 1}], state=state,
                         changed=["admin-targeting-save.n_clicks"])


def _open(client, app):
    state = [{"id": "admin-targeting-flags", "property": "value", "value": None}]
    state += [{"id": f"admin-targeting-{name}", "property": "value", "value": None} for name in THRESHOLDS]
    state += [{"id": "admin-targeting-note", "property": "value", "value": None},
              {"id": "admin-targeting-opened", "property": "data", "value": None}]
    response = dash_callback(client, _key(app, "admin-targeting-current.children"),
                             inputs=[{"id": "admin-targeting-save", "property": "n_clicks", "value": None}], state=state)
    return response.get_json()["response"]


def test_saving_the_flags_makes_a_new_version_and_a_wrong_threshold_keeps_what_was_typed(app, logged_in, session):
    client = logged_in("admin")
    opened = _open(client, app)
    assert opened["admin-targeting-current"]["children"] == "Pengaturan penargetan bawaan (belum pernah diubah)"
    assert set(opened["admin-targeting-flags"]["value"]) == {"new_company", "new_commodity", "new_country",
                                                            "handler_flagged", "recent_nnc", "quantity_outlier"}
    kept = opened["admin-targeting-opened"]["data"]
    wrong = _save(client, app, ["new_company"], ["0", "90", "3"], kept).get_json()["response"]
    assert wrong["admin-targeting-new_company_below"]["invalid"] is True
    assert wrong["admin-targeting-new_company_below"]["value"] == "0"
    saved = _save(client, app, ["new_company", "recent_nnc"], ["5", "30", "2,5"], kept).get_json()["response"]
    assert "versi 1" in str(saved["admin-targeting-result"]["children"])
    assert saved["admin-targeting-current"]["children"] == "Pengaturan penargetan versi 1"
    version, settings = targeting_settings.current_settings(session)
    assert version == 1 and settings.new_company and not settings.new_commodity
    assert (settings.new_company_below, settings.recent_nnc_days, settings.quantity_factor) == (5, 30, 2.5)
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "targeting_settings_changed"))


def test_the_key_rotates_after_confirmation_and_its_secret_is_never_sent(app, logged_in, session):
    client = logged_in("admin")
    secret = session.scalar(select(TargetingKey.secret))
    key = _key(app, "admin-targeting-rotated.children")
    shown = dash_callback(client, key, inputs=[{"id": "admin-targeting-rotate-confirm", "property": "submit_n_clicks",
                                                "value": None}]).get_data(as_text=True)
    assert "versi 1" in shown and secret not in shown
    rotated = dash_callback(client, key, inputs=[{"id": "admin-targeting-rotate-confirm",
                                                  "property": "submit_n_clicks", "value": 1}],
                            changed=["admin-targeting-rotate-confirm.submit_n_clicks"]).get_data(as_text=True)
    assert "versi 2" in rotated
    assert session.scalar(select(AuditLog.username).where(AuditLog.action == "targeting_key_rotated")) is not None


def test_an_operator_cannot_rotate_the_key(app, logged_in, session):
    response = dash_callback(logged_in("operator"), _key(app, "admin-targeting-rotated.children"),
                             inputs=[{"id": "admin-targeting-rotate-confirm", "property": "submit_n_clicks",
                                      "value": 1}], changed=["admin-targeting-rotate-confirm.submit_n_clicks"])
    assert response.status_code == 403
    assert session.scalar(select(TargetingKey.version).order_by(TargetingKey.version.desc()).limit(1)) == 1
