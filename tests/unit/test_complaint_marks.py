"""The complaints list's marks say what they mean on hover: a bare "⚠" beside "Baru" said nothing of why."""
from __future__ import annotations

from datetime import date, datetime, timezone

from callbacks.complaints import grid_row


def _row(**overrides):
    row = {"id": 1, "tracking_code": "PGD-AAAA-BBBB", "received_at": datetime(2026, 12, 1, 2, tzinfo=timezone.utc),
           "channel": "portal", "category": "service", "subject": "Antrean lama", "status": "new",
           "first_response_late": False, "first_response_due": date(2026, 12, 3), "due_date": date(2026, 12, 10),
           "overdue": False}
    return {**row, **overrides}


def test_a_complaint_past_its_first_response_date_says_so_where_its_mark_is():
    late = grid_row(_row(first_response_late=True), "Asia/Jakarta")
    assert late["status"].endswith("⚠") and late["status_tip"] == \
        "Belum ditanggapi, lewat batas tanggapan pertama (3 Des 2026)"
    overdue = grid_row(_row(overdue=True, status="in_progress"), "Asia/Jakarta")
    assert overdue["due"].endswith("⚠") and overdue["due_tip"] == "Lewat batas jawab dan belum selesai"
    plain = grid_row(_row(), "Asia/Jakarta")
    assert plain["status_tip"] is None and plain["due_tip"] is None
