"""The session cookie is signed again only when it is due (issue #17): not on every response, but after a login, a
change of the session, or once REFRESH_AFTER has passed since it was signed, so its idle expiry still slides."""
from __future__ import annotations

from datetime import datetime, timezone

import time_machine

from portal.web.session_cookie import REFRESH_AFTER
from support.web import login


def _sets_cookie(response) -> bool:
    return any(header.startswith("qcorner_session=") for header in response.headers.getlist("Set-Cookie"))


def test_a_signed_in_page_request_sends_no_new_cookie_until_refresh_after_has_passed(client, make_user):
    make_user("kepala_kuki", "head")
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):
        assert _sets_cookie(login(client, "kepala_kuki"))
        client.get("/_dash-layout")  # the first page after the login still writes to the session (Flask-Login's)
        assert not _sets_cookie(client.get("/_dash-layout"))
    with time_machine.travel(start + REFRESH_AFTER / 2, tick=False):
        again = client.get("/_dash-layout")
        assert again.status_code == 200 and not _sets_cookie(again)
    with time_machine.travel(start + REFRESH_AFTER, tick=False):
        refreshed = client.get("/_dash-layout")
        assert refreshed.status_code == 200 and _sets_cookie(refreshed)
        assert not _sets_cookie(client.get("/_dash-layout"))  # the new cookie is fresh again


def test_logging_out_still_replaces_the_cookie(client, make_user):
    from support.web import logout

    make_user("kepala_keluar", "head")
    login(client, "kepala_keluar")
    assert _sets_cookie(logout(client))
    assert client.get("/_dash-layout").status_code == 401
