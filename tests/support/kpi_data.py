"""A small known fixture for the KPI panel and the survey results: every expected figure is worked out by hand
in tests/test_kpi.py from the times written here.

Office 0300 (Asia/Jakarta, UTC+7). March 2026 is the period; 29 Jan – 28 Feb 2026 the previous one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from support.factories import gen_action, gen_application, gen_bill, gen_certificate, gen_service_user, office_id, section_id
from models import Complaint, Nnc, SurveyResponse, SyncRun

UTC = timezone.utc


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def gen_nnc(session, number: str, flow: str, notice_date: date, section: str, status: str = "received") -> Nnc:
    record = Nnc(office_id=office_id(session), number=number, notice_date=notice_date, received_date=notice_date,
                 flow=flow, notifying_authority="GACC", notifying_country="China", notified_authority="Barantin",
                 notified_country="Indonesia", section_id=section_id(session, section), commodity="Manggis",
                 category="documentation", action_taken="none", status=status)
    session.add(record)
    session.flush()
    return record


def gen_response(session, answers, submitted_on: date, section: str | None = "plant", comment=None, **profile):
    record = SurveyResponse(office_id=office_id(session),
                            section_id=section_id(session, section) if section else None,
                            submitted_on=submitted_on, comment=comment, **profile,
                            **{f"element_{n}": answers[n - 1] for n in range(1, 10)})
    session.add(record)
    session.flush()
    return record


def gen_complaint(session, code: str, status: str, received_at: datetime, due: date, answered_at=None):
    record = Complaint(office_id=office_id(session), tracking_code=code, channel="email", category="service",
                       subject="Lama", text="Terlalu lama", status=status, received_at=received_at, due_date=due,
                       first_response_due=due, first_response_at=answered_at if status != "new" else None,
                       answered_at=answered_at, updated_at=received_at)
    session.add(record)
    session.flush()
    return record


HAPPY = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified", "handed_over")
SURVEY_ANSWERS = (  # four answers in March; hand-worked: NRR 3.5 3.0 2.75 4.0 3.25 3.75 4.0 3.25 2.75 → IKM 84.03 B
    (4, 3, 3, 4, 3, 4, 4, 3, 3),
    (3, 3, 2, 4, 3, 3, 4, 3, 3),
    (4, 4, 3, 4, 4, 4, 4, 4, 3),
    (3, 2, 3, 4, 3, 4, 4, 3, 2),
)


def build(session) -> dict:
    """Applications with known stage times, their bills, certificates, 3P records; NNCs, answers, complaints."""
    company = gen_service_user(session)
    # A1 plant export, 3 h a stage: certified 18 h after submission, handed over 3 March 05:00 WIB.
    a1 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 3, 2, 1),
                         stages=HAPPY, step=timedelta(hours=3))
    # A2 plant export, 1 h a stage: certified after 6 h.
    a2 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 3, 10, 0),
                         stages=HAPPY, step=timedelta(hours=1))
    # A3 animal import, 5 h a stage: certified after 30 h.
    a3 = gen_application(session, company, section="animal", direction="import", submitted_at=at(2026, 3, 20, 0),
                         stages=HAPPY, step=timedelta(hours=5))
    # A4 plant export, still in progress.
    a4 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 3, 25, 0),
                         stages=("submitted", "verified"), step=timedelta(hours=2))
    # A5 plant export, detained and refused on 5 March (2 h a stage): completed, never certified.
    a5 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 3, 5, 0),
                         stages=("submitted", "verified", "inspected", "detained", "refused"),
                         step=timedelta(hours=2))
    # A6 plant export in the previous period, 2 h a stage: certified after 12 h.
    a6 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 2, 10, 0),
                         stages=HAPPY, step=timedelta(hours=2))
    # A7 plant export handed over 31 March 17:00 UTC = 1 April 00:00 WIB: April's, so in progress at March's end.
    a7 = gen_application(session, company, section="plant", direction="export", submitted_at=at(2026, 3, 31, 10),
                         stages=HAPPY, step=timedelta(hours=1))
    for app in (a1, a2, a3, a6):
        gen_certificate(session, app, is_draft=True, issued_at=app.submitted_at + timedelta(minutes=30))
        gen_certificate(session, app, is_draft=False, issued_at=app.submitted_at + timedelta(hours=2))
    gen_bill(session, a1, amount=175000, issued_at=at(2026, 3, 2, 5), paid=True, paid_at=at(2026, 3, 2, 6))
    gen_bill(session, a2, amount=250000, issued_at=at(2026, 3, 10, 3), paid=True, paid_at=at(2026, 3, 10, 4))
    gen_bill(session, a3, amount=1000000, issued_at=at(2026, 3, 20, 12), paid=False)
    gen_bill(session, a6, amount=100000, issued_at=at(2026, 2, 10, 5), paid=True, paid_at=at(2026, 2, 10, 6))
    gen_action(session, a5, "detention", action_at=at(2026, 3, 5, 6))
    gen_action(session, a5, "refusal", action_at=at(2026, 3, 5, 8))
    gen_nnc(session, "NNC/1", "received", date(2026, 3, 12), "plant")
    gen_nnc(session, "NNC/2", "issued", date(2026, 3, 15), "animal")
    gen_nnc(session, "NNC/3", "received", date(2026, 3, 16), "plant", status="void")
    gen_nnc(session, "NNC/4", "received", date(2026, 2, 20), "plant")
    for index, answers in enumerate(SURVEY_ANSWERS):
        gen_response(session, answers, date(2026, 3, 3 + index), "plant" if index < 3 else "animal",
                     comment=["Pelayanan cepat", None, "Ruang tunggu panas", "Petugas ramah"][index],
                     gender=["male", "female", "female", None][index], age_group="25_34", education="s1",
                     occupation="private_employee")
    gen_complaint(session, "PG-1", "new", at(2026, 3, 3, 2), date(2026, 3, 10))
    gen_complaint(session, "PG-2", "answered", at(2026, 3, 4, 2), date(2026, 3, 11), at(2026, 3, 4, 8))
    gen_complaint(session, "PG-3", "closed", at(2026, 3, 5, 2), date(2026, 3, 12), at(2026, 3, 5, 12))
    session.add(SyncRun(kind="incremental", source="test", started_at=at(2026, 3, 31, 9, 50),
                        finished_at=at(2026, 3, 31, 10), status="success"))
    session.flush()
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6, "a7": a7}


def build_committed(session) -> dict:
    """`build`, with the KPI rollups the panel reads refreshed and everything committed (what a page sees)."""
    from portal.services.kpi.rollup import refresh_kpi_rollups

    built = build(session)
    refresh_kpi_rollups(session)
    session.commit()
    return built


def build_recent(session, today: date, applications: int = 240, seed: int = 7) -> None:
    """A busier, realistic-looking year up to `today` (for the browser test and its screenshots)."""
    import random

    rng = random.Random(seed)
    companies = [gen_service_user(session) for _ in range(12)]
    start = datetime.combine(today - timedelta(days=400), datetime.min.time(), tzinfo=UTC)
    for index in range(applications):
        submitted = start + timedelta(days=400 * index / applications, hours=rng.randint(0, 23))
        direction = rng.choices(["export", "import", "domestic_out", "domestic_in"], [55, 30, 8, 7])[0]
        section = "plant" if rng.random() < 0.6 else "animal"
        refused = rng.random() < 0.03
        stages = ("submitted", "verified", "inspected", "detained", "refused") if refused else HAPPY
        if submitted > datetime.now(UTC) - timedelta(days=2):
            stages = HAPPY[:3]
        app = gen_application(session, rng.choice(companies), section=section, direction=direction,
                              submitted_at=submitted, stages=stages, step=timedelta(minutes=rng.randint(30, 400)))
        if refused:
            gen_action(session, app, "detention", action_at=submitted + timedelta(hours=3))
            gen_action(session, app, "refusal", action_at=submitted + timedelta(hours=8))
        elif len(stages) == len(HAPPY):
            gen_certificate(session, app, is_draft=False, issued_at=submitted + timedelta(hours=10))
            gen_bill(session, app, amount=rng.choice([75000, 125000, 175000, 350000, 1250000]),
                     issued_at=submitted + timedelta(hours=4), paid=True, paid_at=submitted + timedelta(hours=6))
            if rng.random() < 0.25:
                answers = [min(4, max(1, round(rng.gauss(3.3, 0.6)))) for _ in range(9)]
                answers[1] = min(answers[1], 3)
                gen_response(session, answers, submitted.date() + timedelta(days=1), section,
                             comment=rng.choice([None, None, "Pelayanan cepat dan ramah",
                                                 "Prosedur masih membingungkan", "Ruang tunggu panas"]),
                             gender=rng.choice(["male", "female", None]), age_group=rng.choice(["25_34", "35_44"]),
                             education=rng.choice(["sma", "s1", "s2"]), occupation="private_employee")
        if rng.random() < 0.02:
            gen_nnc(session, f"NNC/R/{index}", rng.choice(["received", "issued"]), submitted.date(), section)
    for index in range(6):
        received = datetime.combine(today - timedelta(days=3 * index + 1), datetime.min.time(), tzinfo=UTC)
        gen_complaint(session, f"PG-R{index}", "answered" if index % 2 else "new", received,
                      today - timedelta(days=3 * index - 5), received + timedelta(hours=5 + index))
    session.add(SyncRun(kind="incremental", source="test", started_at=datetime.now(UTC) - timedelta(minutes=9),
                        finished_at=datetime.now(UTC) - timedelta(minutes=8), status="success"))
    session.flush()
