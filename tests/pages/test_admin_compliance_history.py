"""The scoring settings' version history says what each version changed, in the form's words (not a dump of
`weight_nnc=3, prior_m=20, …`), with every value of a version a click away."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from callbacks.admin_compliance import history_table
from portal.domain.compliance import DEFAULT_SETTINGS


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=lambda c: c.to_plotly_json())


def test_each_settings_version_shows_what_it_changed_from_the_one_before(app):
    defaults = DEFAULT_SETTINGS.to_dict()
    at = datetime(2026, 11, 28, tzinfo=timezone.utc)
    history = [  # newest first, as settings_history returns them
        {"version": 3, "values": defaults, "created_by": "admin", "created_at": at, "note": "sama saja"},
        {"version": 2, "values": {**defaults, "weight_nnc": 4, "p0_fallback": 0.01}, "created_by": "admin",
         "created_at": at, "note": "Surat Kepala No. 12"},
        # saved before p0_fallback existed: it scored with the default, so version 2 moved it from 0,005
        {"version": 1, "values": {k: v for k, v in defaults.items() if k != "p0_fallback"}, "created_by": "system",
         "created_at": at, "note": None},
    ]
    with app.server.test_request_context():
        rows = history_table(history, "Asia/Jakarta").children[1].children
        newest, changed, oldest = (_text(row) for row in rows)
    assert "weight_nnc=" not in changed and "prior_m" not in changed
    # version 2 against version 1: the two settings it moved, labelled as the form labels them, decimals as written
    assert "NNC: " in changed and "p0 cadangan: " in changed
    assert "qc-before" in changed and '"3"' in changed and '"4"' in changed and '"0,005"' in changed
    assert '"0,01"' in changed and "Semua nilai (20)" in changed
    assert "Penahanan" not in changed.split("Semua nilai")[0]  # only what moved comes before the full list
    # version 3 put the defaults back: what moved back is listed the other way round
    assert '"4"' in newest and '"3"' in newest
    # the oldest shown has nothing to differ from: its values behind "Semua nilai"
    assert "qc-before" not in oldest and "Semua nilai (20)" in oldest


def test_a_version_the_portal_saved_itself_names_it_sistem_not_its_english_account(app):
    at = datetime(2026, 11, 28, tzinfo=timezone.utc)
    history = [{"version": 2, "values": DEFAULT_SETTINGS.to_dict(), "created_by": "admin", "created_at": at,
                "note": "Surat Kepala No. 12"},
               {"version": 1, "values": DEFAULT_SETTINGS.to_dict(), "created_by": "system", "created_at": at,
                "note": "Nilai bawaan aturan kepatuhan"}]
    with app.server.test_request_context():
        rows = history_table(history, "Asia/Jakarta").children[1].children
        who = [row.children[2].children for row in rows]
    assert who == ["admin", "Sistem"]
