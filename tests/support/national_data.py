"""Two offices sharing a company (matched by NPWP), for the national compliance tests."""
from __future__ import annotations

from datetime import timedelta

from models import Office
from portal.domain.periods import today_in
from portal.services.compliance import rollup as compliance_rollup
from support.compliance_data import series
from support.factories import gen_action, gen_service_user, office_id


def build_two_offices(session) -> dict:
    """Exporter X ships from Soekarno-Hatta (10 clean) and Surabaya (10, two detained), its NPWP written two ways;
    Y ships from Soekarno-Hatta only (10 clean), Z from Surabaya only (20 clean). All within the last months."""
    far = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
    session.add(far)
    session.flush()
    start = today_in("Asia/Jakarta") - timedelta(days=200)
    x_home = gen_service_user(session, name="PT Xenia Ekspor", tax_id="01.234.567.8-901.000")
    x_far = gen_service_user(session, name="PT XENIA EKSPOR", tax_id="012345678901000", office_id=far.id)
    y = gen_service_user(session, name="PT Yasa Tani", tax_id="09.876.543.2-100.000")
    z = gen_service_user(session, name="PT Zamrud Laut", tax_id="05.555.555.5-555.000", office_id=far.id)
    series(session, x_home, 10, start, 9)
    detained = series(session, x_far, 10, start, 9)
    for app in detained[2:4]:
        gen_action(session, app, "detention", action_at=app.submitted_at + timedelta(hours=2))
    series(session, y, 10, start, 9)
    series(session, z, 20, start, 5)
    compliance_rollup.recompute_all(session)
    session.commit()
    assert x_home.company_id == x_far.company_id != y.company_id
    return {"home": office_id(session), "far": far.id, "x_home": x_home.id, "x_far": x_far.id, "y": y.id,
            "z": z.id, "x": x_home.company_id}
