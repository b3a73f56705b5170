"""The one error path (callbacks/common.py): refusals become translated alerts, never a wrong word or silence."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from callbacks.common import describe, is_outage
from portal.i18n import t
from portal.validation import Conflict, Forbidden, InvalidInput, NotFound
from support.compliance_data import build_office, clock_at_as_of
from support.web import dash_callback, pager_body, pager_state


@pytest.fixture(autouse=True)
def _clock_at_as_of():
    """The compliance pages rank over a window that ends "today": the day the fixture's data was built around."""
    with clock_at_as_of():
        yield


def _key(app, part: str) -> str:
    found = [key for key in app.callback_map if part in key]
    assert len(found) == 1, (part, found)
    return found[0]


class _Orig(Exception):
    def __init__(self, sqlstate):
        super().__init__("refused")
        self.sqlstate = sqlstate


def test_each_refusal_reads_as_a_sentence_in_the_readers_language():
    invalid = describe(InvalidInput({"to": ("kpi.error.too_long", {"days": 1098})}))
    assert invalid[1] == t("kpi.error.too_long", "id", days=1098)
    assert describe(Forbidden())[1] == t("error.record_forbidden", "id")
    assert describe(NotFound())[1] == t("error.record_not_found", "id")
    assert describe(Conflict(()))[1] == t("error.conflict", "id")
    timeout = OperationalError("SELECT 1", {}, _Orig("57014"))  # statement timeout: the database said no
    assert describe(timeout)[1] == t("error.database", "id")
    assert describe(ValueError("a bug of ours")) is None  # stays a 500 with its trace


def test_a_lost_connection_stays_the_outage_503():
    lost = OperationalError("SELECT 1", {}, _Orig(None))
    assert is_outage(lost) and describe(lost) is None


def test_invalid_input_on_the_priority_list_is_not_called_forbidden(session, app, logged_in):
    build_office(session)
    session.commit()
    client = logged_in("admin")
    response = dash_callback(client, _key(app, "priority-grid.rowData"),
                             inputs=[{"id": "priority-section", "property": "value", "value": "no-such-section"},
                                     {"id": "priority-sort", "property": "value", "value": "rank"},
                                     *pager_body("priority")],
                             state=pager_state("priority-page", 0))
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert body["priority-error"]["is_open"] is True and body["priority-grid"]["rowData"] == []
    assert body["priority-error"]["children"] not in (t("compliance.forbidden", "id"), t("error.forbidden", "id"))


def test_an_export_that_is_refused_says_so_in_the_shells_alert(session, app, logged_in):
    build_office(session)
    session.commit()
    client = logged_in("admin")
    states = [{"id": i, "property": "value", "value": v} for i, v in (
        ("rankings-section", "all"), ("rankings-direction", "all"), ("rankings-commodity", "all"),
        ("rankings-tier", "all"), ("rankings-from", "2026-06-01"), ("rankings-to", "2026-01-01"),
        ("rankings-sort", "rank"), ("rankings-search", ""), ("rankings-office", "home"))]
    response = dash_callback(client, _key(app, "rankings-download.data"),
                             inputs=[{"id": "rankings-export-csv", "property": "n_clicks", "value": 1},
                                     {"id": "rankings-export-xlsx", "property": "n_clicks", "value": None}],
                             state=states, changed=["rankings-export-csv.n_clicks"])
    assert response.status_code == 200
    answer = response.get_json()
    assert "rankings-download" not in answer.get("response", {})  # nothing to download
    alert = answer["sideUpdate"]["shell-alert"]
    assert alert["is_open"] is True and alert["color"] == "warning"
    assert "Tanggal akhir harus sesudah tanggal awal." in str(alert["children"])
