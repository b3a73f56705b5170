"""Admin › Users: an account's dialog shows what applies to it (a new account's first password; an existing
account's password reset, and "unlock" only when it is locked)."""
from __future__ import annotations

from datetime import timedelta

from models import User
from models.base import utcnow
from support.hostile import find_key
from support.web import dash_callback


def _opened(app, client, **trigger):
    key = find_key(app, "admin-users-password-field.style")
    response = dash_callback(client, key, inputs=[
        {"id": "admin-users-new", "property": "n_clicks", "value": trigger.get("new")},
        {"id": "admin-users-grid", "property": "cellClicked", "value": trigger.get("cell")},
        {"id": "admin-users-cancel", "property": "n_clicks", "value": None}],
        state=[{"id": "admin-users-office_id", "property": "options", "value": [{"label": "0300", "value": "1"}]}],
        changed=["admin-users-new.n_clicks" if "new" in trigger else "admin-users-grid.cellClicked"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_an_accounts_dialog_offers_unlock_only_when_it_is_locked_and_no_first_password(app, logged_in, make_user,
                                                                                        database):
    """"Akun tidak terkunci." sat above an active "Buka kunci akun", and a greyed-out "Kata sandi awal" with its rule
    above the reset field."""
    client = logged_in("admin")
    unlocked = make_user("akun_biasa", "operator")["id"]
    locked = make_user("akun_terkunci", "operator")["id"]
    with database.session() as session:
        session.get(User, locked).locked_until = utcnow() + timedelta(minutes=10)
    body = _opened(app, client, cell={"rowId": str(unlocked)})
    assert body["admin-users-password-field"]["style"] == {"display": "none"}
    assert body["admin-users-unlock"]["disabled"] is True
    assert body["admin-users-lock-status"]["children"] == "Akun tidak terkunci."
    assert _opened(app, client, cell={"rowId": str(locked)})["admin-users-unlock"]["disabled"] is False
    new = _opened(app, client, new=1)
    assert new["admin-users-password-field"]["style"] == {} and new["admin-users-password"]["disabled"] is False
