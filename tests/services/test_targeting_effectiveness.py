"""Does targeting find more than chance: hits, hit rates and savings per month and section, worked by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from portal.security.scope import scope_of
from portal.services.targeting.effectiveness import clean_months, effectiveness, kpi_figures
from portal.validation import Forbidden, InvalidInput
from support.factories import gen_action, gen_application, gen_service_user, office_id, section_id
from support.targeting_data import gen_decision

UTC = timezone.utc
TZ = "Asia/Jakarta"
MARCH = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
HIT = ("submitted", "verified", "detained")
PENDING = ("submitted",)
CERTIFIED = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified")


def _scope(session, role, section=None):
    return scope_of(SimpleNamespace(id=1, username=role, role=role, office_id=office_id(session),
                                    section_code=section, section_id=section_id(session, section) if section else None))


@pytest.fixture
def decided(session):
    """March, plant: A B I flagged (hit, clean, pending), C D E F in the random sample (draw under 5 %, the lowest
    rate in use: one hit), G reduced and not selected (clean), H normal not selected (pending). March, animal: J by the draw, a 3P record only (hit).
    February 28, 23:30 WIB, plant: K by the draw, a hit (local month February though UTC says the 28th too)."""
    company = gen_service_user(session, name="PT Efektif")

    def one(stages, *, section="plant", at=MARCH, **decision):
        application = gen_application(session, company, section=section, submitted_at=at, stages=stages)
        gen_decision(session, application, decided_at=at + timedelta(minutes=5), **decision)
        return application

    one(HIT, draw=0.9, flags=("recent_nnc",))                       # A
    one(CERTIFIED, draw=0.9, flags=("new_company",))                # B
    one(PENDING, draw=0.9, flags=("recent_nnc", "new_country"))     # I
    one(HIT, draw=0.01)                                              # C
    for _ in range(3):
        one(CERTIFIED, draw=0.01)                                    # D E F
    one(CERTIFIED, level="reduced", draw=0.5)                       # G
    one(PENDING, draw=0.9)                                          # H
    j = one(PENDING, section="animal", draw=0.01)                    # J
    gen_action(session, j, "detention")
    one(HIT, draw=0.01, at=datetime(2026, 2, 28, 16, 25, tzinfo=UTC))  # K: 23:30 WIB on 28 February
    session.commit()


def test_plant_march_counts_rates_ratio_and_savings_as_worked_by_hand(session, decided):
    result = effectiveness(session, _scope(session, "enforcement"), date(2026, 2, 1), date(2026, 3, 1), tz=TZ)
    rows = {(row["month"], row["section"]): row for row in result["rows"]}
    plant = rows[("2026-03", "plant")]

    assert (plant["decisions"], plant["inspected"], plant["hits"], plant["pending"], plant["saved"]) == (9, 7, 2, 2, 1)
    assert (plant["targeted"], plant["targeted_known"], plant["targeted_hits"]) == (3, 2, 1)
    assert (plant["random"], plant["random_known"], plant["random_hits"]) == (4, 4, 1)
    assert (plant["targeted_rate"], plant["random_rate"], plant["ratio"]) == (0.5, 0.25, 2.0)
    assert rows[("2026-03", "animal")]["hits"] == 1  # a 3P record without its stage event is a hit
    assert rows[("2026-02", "plant")]["decisions"] == 1  # the office's local month, not UTC's
    assert result["total"]["decisions"] == 11 and result["months"] == ["2026-02", "2026-03"]
    flags = {flag["code"]: flag for flag in result["flags"]}
    assert (flags["recent_nnc"]["decisions"], flags["recent_nnc"]["known"], flags["recent_nnc"]["hits"]) == (2, 1, 1)


def test_the_random_share_is_the_draws_under_the_lowest_rate_not_every_consignment_the_draw_selected(session):
    """A tightened company's consignments are all selected by the draw (rate 100 %) and a normal one's under 25 %:
    counting those as "chance" would measure the tightened companies. Only draws under every rate in use (here the
    reduced 5 %) are a uniform sample, inspected whatever the level."""
    company = gen_service_user(session, name="PT Sampel")

    def one(stages, **decision):
        application = gen_application(session, company, section="plant", submitted_at=MARCH, stages=stages)
        gen_decision(session, application, decided_at=MARCH + timedelta(minutes=5), **decision)

    for _ in range(3):
        one(HIT, level="tightened", draw=0.6)      # selected by the draw at 100 %: not the sample
    one(HIT, level="normal", draw=0.2)             # selected by the draw at 25 %: not the sample either
    one(CERTIFIED, level="tightened", draw=0.03)   # under 5 %: the sample
    one(CERTIFIED, level="normal", draw=0.04)      # the sample
    one(HIT, level="reduced", draw=0.02)           # the sample
    one(CERTIFIED, level="reduced", draw=0.5)      # not selected: the lowest rate in use is 5 %
    session.commit()

    total = effectiveness(session, _scope(session, "enforcement"), date(2026, 3, 1), date(2026, 3, 1), tz=TZ)["total"]

    assert (total["random"], total["random_known"], total["random_hits"]) == (3, 3, 1)
    assert total["random_rate"] == pytest.approx(1 / 3)


def test_a_coordinator_sees_only_their_section_and_others_are_refused(session, decided):
    result = effectiveness(session, _scope(session, "coordinator", "animal"), date(2026, 3, 1), date(2026, 3, 1),
                           tz=TZ, section="plant")
    assert {row["section"] for row in result["rows"]} == {"animal"}
    for role in ("operator", "service_user"):
        with pytest.raises(Forbidden):
            effectiveness(session, _scope(session, role), date(2026, 3, 1), date(2026, 3, 1), tz=TZ)


def test_kpi_figures_give_the_share_inspected_and_the_ratio_for_the_days(session, decided):
    figures = kpi_figures(session, office_id(session), date(2026, 3, 1), date(2026, 3, 31), TZ, section="plant")
    assert (figures["decisions"], figures["inspected"]) == (9, 7)
    assert figures["inspected_share"] == pytest.approx(7 / 9) and figures["ratio"] == 2.0


def test_months_default_to_the_last_six_and_a_reversed_or_long_period_is_refused():
    assert clean_months(None, None, date(2026, 3, 15)) == (date(2025, 10, 1), date(2026, 3, 1))
    with pytest.raises(InvalidInput):
        clean_months("2026-03", "2026-01", date(2026, 3, 15))
    with pytest.raises(InvalidInput):
        clean_months("2023-01", "2026-01", date(2026, 3, 15))
