"""A small office for the compliance tests, built with the gen_* factories; expected figures are in the tests."""
from __future__ import annotations

from hypothesis import strategies as st

import itertools
from datetime import date, datetime, timedelta, timezone

import time_machine

from sqlalchemy import select

from support.factories import gen_action, gen_application, gen_handler, gen_service_user, office_id, section_id
from models import ApplicationCommodity, Commodity, Nnc, Office
from portal.services.compliance import rollup as compliance_rollup

UTC = timezone.utc
AS_OF = date(2026, 6, 15)
SHORT = ("submitted", "handed_over")  # a consignment's stages, for the random companies
_numbers = itertools.count(1)


def clock_at_as_of():
    """The clock on AS_OF (noon in WIB), for code that works back from "today" (the pages, the daily recompute):
    the fixture's data is built around AS_OF, so the test does not depend on the real date."""
    return time_machine.travel(datetime(AS_OF.year, AS_OF.month, AS_OF.day, 5, 0, tzinfo=UTC), tick=True)


def gen_nnc(session, service_user, *, notice_date: date, section: str = "plant", status: str = "received",
            application=None, **overrides) -> Nnc:
    """An NNC naming a service user (received from an importing country about our export)."""
    n = next(_numbers)
    values = {"office_id": service_user.office_id, "number": f"NNC/TEST/{n:05d}", "notice_date": notice_date,
              "received_date": notice_date + timedelta(days=3), "flow": "received",
              "notifying_authority": "GACC", "notifying_country": "China", "notified_authority": "Barantin",
              "notified_country": "Indonesia", "service_user_id": service_user.id,
              "section_id": section_id(session, section), "commodity": "Manggis", "category": "pest",
              "action_taken": "destruction", "status": status,
              "application_id": application.id if application is not None else None}
    values.update(overrides)
    record = Nnc(**values)
    session.add(record)
    session.flush()
    return record


def series(session, service_user, count: int, start: date, every_days: int, **kwargs):
    """`count` applications of one service user, submitted `every_days` apart from `start` (01:00 UTC)."""
    result = []
    for index in range(count):
        day = start + timedelta(days=index * every_days)
        result.append(gen_application(session, service_user, submitted_at=datetime(
            day.year, day.month, day.day, 1, 0, tzinfo=UTC), **kwargs))
    return result


def build_ranked_office(session) -> dict:
    """``build_office`` with its rollups and scores computed and committed, as the ranking pages read them."""
    data = build_office(session)
    compliance_rollup.recompute_all(session)
    session.commit()
    return data


def build_office(session) -> dict:
    """Alpha (clean, big), Beta (detained then refused), Gamma (one NNC, one void NNC), Delta (animal only).

    As of 15 June 2026 with the default 12-month window (16 June 2025 – 15 June 2026):
    plant: Alpha n 25 V 0 · Beta n 10 d 1 r 1 V 3 · Gamma n 5 k 1 V 3; animal: Delta n 4 V 0.
    """
    handler = gen_handler(session, name="PPJK Satu Pintu")
    alpha = gen_service_user(session, name="PT Alpha Buah Segar", tax_id="01.111.111.1-111.000")
    beta = gen_service_user(session, name="PT Beta Tani", tax_id="02.222.222.2-222.000")
    gamma = gen_service_user(session, name="CV Gamma Agro", tax_id="03.333.333.3-333.000")
    delta = gen_service_user(session, name="PT Delta Satwa", tax_id="04.444.444.4-444.000")

    # Alpha: a detention 30 months ago (outside the window and the 24 months of tier A), then 25 clean ones.
    old = gen_application(session, alpha, submitted_at=datetime(2023, 12, 10, 1, 0, tzinfo=UTC), handler=handler)
    gen_action(session, old, "detention", action_at=datetime(2023, 12, 10, 2, 0, tzinfo=UTC))
    alpha_apps = series(session, alpha, 25, date(2025, 7, 5), 13, handler=handler)
    # A detention deleted at the source never counts.
    deleted = gen_action(session, alpha_apps[3], "detention")
    deleted.deleted_at = datetime(2026, 1, 1, tzinfo=UTC)
    # An application deleted at the source is no consignment.
    gone = gen_application(session, alpha, submitted_at=datetime(2026, 2, 2, 1, 0, tzinfo=UTC))
    gone.deleted_at = datetime(2026, 3, 1, tzinfo=UTC)

    # Beta: 10 consignments; the 6th detained, then refused (both records count).
    beta_apps = []
    start = date(2025, 8, 1)
    for index in range(10):
        day = start + timedelta(days=20 * index)
        when = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
        if index == 5:
            app = gen_application(session, beta, submitted_at=when, handler=handler,
                                  stages=("submitted", "verified", "detained", "refused"))
            gen_action(session, app, "detention", action_at=when + timedelta(hours=6))
            gen_action(session, app, "refusal", action_at=when + timedelta(hours=9))
        else:
            app = gen_application(session, beta, submitted_at=when, handler=handler)
        beta_apps.append(app)

    # Gamma: 5 consignments, an NNC on 15 Nov 2025 (after the third), a void NNC later.
    gamma_apps = series(session, gamma, 5, date(2025, 9, 1), 30)
    gen_nnc(session, gamma, notice_date=date(2025, 11, 15), application=gamma_apps[1])
    void = gen_nnc(session, gamma, notice_date=date(2026, 1, 10), status="void", void_reason="salah perusahaan")

    delta_apps = series(session, delta, 4, date(2025, 10, 1), 30, section="animal", commodity="Sarang walet")
    # Alpha and Beta ship mangosteen (a commodity of the reference list); Gamma's lines name none.
    mangosteen = Commodity(code="T001", name="Manggis", section_id=section_id(session, "plant"))
    session.add(mangosteen)
    session.flush()
    for app in alpha_apps + beta_apps:
        session.query(ApplicationCommodity).filter_by(application_id=app.id).update({"commodity_id": mangosteen.id})
    session.flush()
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "handler": handler,
            "alpha_apps": alpha_apps, "beta_apps": beta_apps, "gamma_apps": gamma_apps, "delta_apps": delta_apps,
            "void_nnc": void, "office_id": office_id(session), "mangosteen": mangosteen}


def build_random_companies(session, companies) -> int | None:
    """The companies' consignments (the home office's, and a far office's in another zone), the rollups and
    snapshots rebuilt; the home office's id (None when every company is far). `companies`: (in the far office,
    [(section, direction, "Manggis" or "Kopi", days before AS_OF, None or a 3P action's kind or "nnc")])."""
    far = Office(code="0951", name="Karantina Uji Jauh", timezone="Asia/Makassar")
    kinds = {name: Commodity(code=f"T-{name.upper()}", name=name) for name in ("Manggis", "Kopi")}
    session.add_all([far, *kinds.values()])
    session.flush()
    home = None
    for index, (in_far, consignments) in enumerate(companies):
        su = gen_service_user(session, name=f"PT Acak {index % 3}{index}",
                              **({"office_id": far.id} if in_far else {}))
        home = home if in_far else su.office_id
        for section, direction, commodity, days_before, befell in consignments:
            when = datetime.combine(AS_OF, datetime.min.time(), UTC) - timedelta(days=days_before, hours=-3)
            if befell == "nnc":
                gen_nnc(session, su, notice_date=when.date(), section=section)
                continue
            app = gen_application(session, su, section=section, direction=direction, commodity=commodity,
                                  submitted_at=when, stages=SHORT)
            session.scalar(select(ApplicationCommodity).where(ApplicationCommodity.application_id == app.id)
                           ).commodity_id = kinds[commodity].id
            if befell:
                gen_action(session, app, befell)
    with clock_at_as_of():  # the snapshots are of the day they are taken: AS_OF, the day ranked
        compliance_rollup.recompute_all(session)
    return home


# Hypothesis strategies for build_random_companies. One consignment: section, direction, commodity, days before
# AS_OF (some before a window, some in its edge months), and what befell it (nothing, a 3P action, an NNC on its day).
consignment = st.tuples(st.sampled_from(["plant", "animal"]), st.sampled_from(["export", "import"]),
                        st.sampled_from(["Manggis", "Kopi"]), st.integers(0, 500),
                        st.sampled_from([None, None, None, "detention", "refusal", "destruction", "nnc"]))
company = st.tuples(st.booleans(), st.lists(consignment, min_size=0, max_size=8))  # (in the far office, …)
