"""The demo complaints: a complaint names only an application already submitted when it came, and a rerun adds none."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from support.factories import gen_application, gen_service_user
from models import Application, Complaint
from models.base import utcnow
from portal.demo.complaints import build_demo_complaints


def test_demo_complaints_name_only_applications_submitted_before_they_were_received(database, make_user):
    make_user("operator", "operator")
    now = utcnow()
    with database.session() as s:
        company = gen_service_user(s)
        # one a day, oldest first as a sync brings them, over the demo's 40 days of complaints and before them
        for days_ago in range(59, -1, -1):
            gen_application(s, company, direction=("export", "import", "domestic_out")[days_ago % 3],
                            submitted_at=now - timedelta(days=days_ago, hours=1))
    with database.session() as s:
        count = build_demo_complaints(s)
    with database.session() as s:
        assert build_demo_complaints(s) == 0  # a rerun adds nothing
        assert s.scalar(select(func.count()).select_from(Complaint)) == count
        linked = s.execute(select(Complaint.received_at, Application.submitted_at)
                           .join(Application, Application.id == Complaint.application_id)).all()
    assert linked
    assert all(submitted <= received for received, submitted in linked)
