"""Each risk flag fires from the company's history strictly before the application, on its own evidence only."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from models import ApplicationCommodity, Commodity, ComplianceScore, TargetingDecision
from models.compliance import ALL_SECTIONS
from portal.services.targeting import decide_new_applications, decision_for
from portal.services.targeting import deciding, settings as targeting_settings
from support.compliance_data import gen_nnc
from support.factories import gen_application, gen_handler, gen_service_user

UTC = timezone.utc


def _commodity(session, code: str, name: str) -> Commodity:
    row = Commodity(code=code, name=name)
    session.add(row)
    session.flush()
    return row


def _app(session, company, day: date, commodity: Commodity, quantity: int = 1000, **overrides):
    application = gen_application(session, company, stages=("submitted",), commodity=commodity.name,
                                  submitted_at=datetime(day.year, day.month, day.day, 1, tzinfo=UTC), **overrides)
    session.execute(update(ApplicationCommodity).where(ApplicationCommodity.application_id == application.id)
                    .values(commodity_id=commodity.id, quantity=Decimal(quantity)))
    return application


def _history(session, company, commodity, count=10):
    for i in range(count):
        _app(session, company, date(2026, 1, 1) + timedelta(days=i), commodity)


def _codes(session, application) -> list[str]:
    return sorted(f["code"] for f in decision_for(session, application.id)["flags"])


@pytest.fixture(params=["per_application", "whole_histories"])
def history_path(request, monkeypatch):
    """Both ways of reading the history give the same flags: PostgreSQL's per-application questions (a usual
    run) and the whole histories walked in Python (a first load; always on SQLite)."""
    if request.param == "whole_histories":
        monkeypatch.setattr(deciding, "SMALL_BATCH", 0)
    return request.param


def test_each_flag_fires_on_its_own_evidence_and_a_familiar_consignment_raises_none(session, history_path):
    manggis, salak = _commodity(session, "T-MGS", "Manggis"), _commodity(session, "T-SLK", "Salak")
    known = gen_service_user(session)
    _history(session, known, manggis)
    plain = _app(session, known, date(2026, 3, 20), manggis)
    new_commodity = _app(session, known, date(2026, 3, 21), salak)
    new_country = _app(session, known, date(2026, 3, 22), manggis, destination_country="Jepang")
    same_country = _app(session, known, date(2026, 3, 22), manggis, destination_country=" china")
    outlier = _app(session, known, date(2026, 3, 23), manggis, quantity=3500)
    at_three = _app(session, known, date(2026, 3, 24), manggis, quantity=3000)
    newcomer = gen_service_user(session)
    _history(session, newcomer, manggis, count=2)
    new_company = _app(session, newcomer, date(2026, 3, 20), manggis)
    named = gen_service_user(session)
    _history(session, named, manggis)
    gen_nnc(session, named, notice_date=date(2026, 3, 1))
    recent = _app(session, named, date(2026, 3, 20), manggis)
    long_after = _app(session, named, date(2026, 6, 1), manggis)  # 92 days after the notice
    handler = gen_handler(session)
    for _ in range(3):
        bad = gen_service_user(session)
        gen_application(session, bad, handler=handler, stages=("submitted",))
        session.add(ComplianceScore(service_user_id=bad.id, section_id=ALL_SECTIONS, office_id=bad.office_id,
                                    as_of=date(2026, 3, 1), window_from=date(2025, 3, 1), window_to=date(2026, 3, 1),
                                    score=Decimal("50"), tier="D", intervention="tightened", clean_streak=0,
                                    settings_version=1))
    handled = _app(session, known, date(2026, 3, 25), manggis, handler=handler)
    decided = [plain, new_commodity, new_country, same_country, outlier, at_three, new_company, recent, long_after, handled]
    assert decide_new_applications(session, [a.id for a in decided]) == len(decided)

    assert _codes(session, plain) == []
    assert _codes(session, new_commodity) == ["new_commodity"]
    assert decision_for(session, new_commodity.id)["flags"][0]["evidence"]["commodity"] == "Salak"
    assert _codes(session, new_country) == ["new_country"]
    assert _codes(session, same_country) == []
    assert _codes(session, outlier) == ["quantity_outlier"]
    assert decision_for(session, outlier.id)["flags"][0]["evidence"]["median"] == 1000.0
    assert _codes(session, at_three) == []
    assert _codes(session, new_company) == ["new_company"]
    assert decision_for(session, new_company.id)["flags"][0]["evidence"]["prior_consignments"] == 2
    assert _codes(session, recent) == ["recent_nnc"]
    assert _codes(session, long_after) == []
    assert _codes(session, handled) == ["handler_flagged"]
    assert decision_for(session, handled.id)["flags"][0]["evidence"]["tier_d_companies"] == 3
    # Flagged ones are selected whatever the draw; the level of a company without a score is tightened.
    assert all(decision_for(session, a.id)["selected"] for a in (new_commodity, recent, handled))
    assert decision_for(session, plain.id)["level"] == "tightened"


def _line(session, application, **values) -> None:
    session.execute(update(ApplicationCommodity).where(ApplicationCommodity.application_id == application.id)
                    .values(**values))


def test_the_outlier_median_is_of_the_earlier_live_quantities_in_the_lines_unit_odd_or_even(session, history_path):
    """Both paths take the same median: PostgreSQL's middle values of a usual run and the whole-history walk."""
    durian = _commodity(session, "T-DRN", "Durian")
    company = gen_service_user(session)
    for day, quantity in ((1, 100), (2, 300), (3, 200)):
        _app(session, company, date(2026, 3, day), durian, quantity=quantity)
    _line(session, _app(session, company, date(2026, 3, 4), durian, quantity=1), unit="ton")  # another unit
    _line(session, _app(session, company, date(2026, 3, 5), durian), quantity=None)  # no quantity
    _line(session, _app(session, company, date(2026, 3, 6), durian, quantity=5),  # a deleted line
          deleted_at=datetime(2026, 3, 7, tzinfo=UTC))
    # Three earlier kg lines (100, 200, 300): the median 200; the line at the same instant does not count.
    odd = _app(session, company, date(2026, 3, 10), durian, quantity=700)
    same_instant = _app(session, company, date(2026, 3, 10), durian, quantity=650)
    # Five earlier (the two above too): 100, 200, 300, 650, 700 → 300; then six → (300 + 650) / 2.
    after_two = _app(session, company, date(2026, 3, 11), durian, quantity=901)
    even = _app(session, company, date(2026, 3, 12), durian, quantity=1426)
    assert decide_new_applications(session, [a.id for a in (odd, same_instant, after_two, even)]) == 4

    def outlier(application):
        flags = [f for f in decision_for(session, application.id)["flags"] if f["code"] == "quantity_outlier"]
        return (flags[0]["evidence"]["median"], flags[0]["evidence"]["prior_lines"]) if flags else None

    assert outlier(odd) == (200.0, 3)
    assert outlier(same_instant) == (200.0, 3)
    assert outlier(after_two) == (300.0, 5)
    assert outlier(even) == (475.0, 6)


def test_a_switched_off_flag_is_not_raised_and_the_decision_names_the_settings_version(session):
    manggis = _commodity(session, "T-MGS2", "Manggis")
    newcomer = gen_service_user(session)
    application = _app(session, newcomer, date(2026, 3, 20), manggis)
    values = targeting_settings.current_settings(session)[1].to_dict()
    saved = targeting_settings.save_settings(session, None, "admin", {**values, "new_company": False,
                                                                      "new_commodity": False, "new_country": False})
    decide_new_applications(session, [application.id])
    decision = decision_for(session, application.id)
    assert decision["flags"] == [] and decision["settings_version"] == saved["version"]


def test_deciding_again_never_changes_a_decision(session):
    manggis = _commodity(session, "T-MGS3", "Manggis")
    application = _app(session, gen_service_user(session), date(2026, 3, 20), manggis)
    decide_new_applications(session, [application.id])
    first = decision_for(session, application.id)
    assert decide_new_applications(session, [application.id]) == 0
    assert decision_for(session, application.id) == first
    assert session.scalar(select(TargetingDecision.id).where(TargetingDecision.application_id == application.id))


def test_deciding_leaves_the_transactions_planner_settings_as_it_found_them(session):
    # A usual run's history questions switch bitmap scans off for their one statement (deciding.py); the rest of
    # the sync's transaction must plan as before.
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    application = _app(session, gen_service_user(session), date(2026, 3, 20), _commodity(session, "T-MGS4", "Manggis"))
    before = session.scalar(text("SELECT current_setting('enable_bitmapscan')"))
    assert decide_new_applications(session, [application.id]) == 1
    assert session.scalar(text("SELECT current_setting('enable_bitmapscan')")) == before
