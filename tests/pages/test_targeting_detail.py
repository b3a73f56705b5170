"""The application page shows officers the inspection decision and how it was reached, or why there is none."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from support.factories import gen_application, gen_service_user
from support.targeting_data import gen_decision
from support.web import dash_callback
from portal.services.targeting import decide_new_applications, decision_for

UTC = timezone.utc


def _detail(client, application_id):
    return dash_callback(client, "application-detail-body.children",
                         inputs=[{"id": "application-detail-id", "property": "data", "value": application_id}])


def test_the_page_shows_the_decision_with_its_level_draw_rate_and_flags(logged_in, session):
    company = gen_service_user(session)
    application = gen_application(session, company, submitted_at=datetime(2026, 3, 2, 1, tzinfo=UTC))
    decide_new_applications(session, [application.id])
    session.commit()
    decision = decision_for(session, application.id)
    body = _detail(logged_in("operator"), application.id).get_data(as_text=True)
    for text in ("Keputusan pemeriksaan", "Dipilih untuk diperiksa", "Diperketat", "100%", "Perusahaan baru",
                 f"{math.floor(decision['draw'] * 1_000_000) / 1_000_000:.6f}".replace(".", ","), "kunci v1"):
        assert text in body, text
    assert "100 %" not in body  # the rate as every page writes a percent: the sign right after the number


def test_a_draw_reads_cut_like_the_queues_percent_never_rounded_up_to_its_rate(logged_in, session):
    """0.8849996 read "0,885000" here beside the queue's "88,4%"; and a draw a hair under 0.9 never reads 0,900000
    beside "< 0,90"."""
    from callbacks.targeting_queue import reasons
    company = gen_service_user(session)
    near, under = (gen_application(session, company, submitted_at=datetime(2026, 3, 2, hour, tzinfo=UTC))
                   for hour in (1, 2))
    gen_decision(session, near, level="tightened", draw=0.8849996)
    gen_decision(session, under, level="normal", draw=0.8999999999, rate=0.9)
    session.commit()
    client = logged_in("operator")
    assert "0,884999" in _detail(client, near.id).get_data(as_text=True)
    assert "88,4%" in reasons({"flag_codes": [], "draw": 0.8849996, "rate": 1.0, "random_selected": True,
                               "selected": True})
    shown = _detail(client, under.id).get_data(as_text=True)
    assert "0,899999" in shown and "0,900000" not in shown


def test_an_application_synced_before_targeting_says_it_has_no_decision(logged_in, session):
    application = gen_application(session, gen_service_user(session))
    session.commit()
    body = _detail(logged_in("coordinator", "plant"), application.id).get_data(as_text=True)
    assert "Tidak ada keputusan: aplikasi ini disinkronkan sebelum penargetan berlaku" in body


def test_how_to_check_the_draw_is_folded_under_its_own_summary_not_among_the_reasons(logged_in, session):
    """The HMAC and the command are for whoever audits a decision: an officer reads the outcome and its reasons."""
    from support.web import components
    application = gen_application(session, gen_service_user(session), submitted_at=datetime(2026, 3, 2, 1, tzinfo=UTC))
    decide_new_applications(session, [application.id])
    session.commit()
    drawn = list(components(_detail(logged_in("head"), application.id).json))
    check = next(props for kind, props in drawn if props.get("id") == "application-detail-targeting-check")
    folded = " ".join(str(props.get("children")) for _kind, props in components(check["children"]))
    assert "Cara memeriksa keputusan ini" in folded and "HMAC-SHA256" in folded and "kunci v1" in folded
    facts = next(props for kind, props in drawn if kind == "Dl" and "qca-facts" in (props.get("className") or ""))
    assert "HMAC" not in str(facts) and "kunci v1" not in str(facts)


def test_a_decision_made_after_the_application_completed_says_it_chose_no_inspection(logged_in, session):
    """A first load decides every application of the history once, when Q-Corner first copies it (DOMAIN): under
    "Selesai 19 Okt · Ditolak" the card said "Diputuskan 7 Des" and nothing else, an order an auditor reads as
    impossible. A decision made before the application completed says nothing more."""
    from datetime import timedelta

    company = gen_service_user(session)
    submitted = datetime(2026, 3, 2, 1, tzinfo=UTC)
    late, timely = (gen_application(session, company, submitted_at=submitted + timedelta(hours=hour),
                                    stages=("submitted", "verified", "inspected", "refused")) for hour in (1, 2))
    gen_decision(session, late, decided_at=submitted + timedelta(days=40))
    gen_decision(session, timely, decided_at=submitted + timedelta(hours=2, minutes=5))
    session.commit()
    client = logged_in("operator")
    assert "Q-Corner baru menyalinnya dari IQFast saat itu" in _detail(client, late.id).get_data(as_text=True)
    assert "Q-Corner baru menyalinnya" not in _detail(client, timely.id).get_data(as_text=True)
