"""Small builders for test records: gen_<thing>(session, **overrides) → the ORM object (flushed).

They write through the ORM the way the sync does, so tests arrange data without the simulator.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from models import (Application, ApplicationCommodity, Bill, Certificate, Handler, Office, QuarantineAction,
                    Section, ServiceUser, StageEvent)

_ids = itertools.count(1_000_000)
UTC = timezone.utc
HAPPY_PATH = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified",
              "handed_over")


def _added(session, model, values: dict, overrides: dict):
    """One row of `model` from the defaults with the test's overrides on top, flushed so it has its id."""
    record = model(**{**values, **overrides})
    session.add(record)
    session.flush()
    return record


def office_id(session, code: str = "0300") -> int:
    return session.scalar(select(Office.id).where(Office.code == code))


def section_id(session, code: str) -> int:
    return session.scalar(select(Section.id).where(Section.code == code))


def gen_service_user(session, **overrides) -> ServiceUser:
    n = next(_ids)
    values = {"source_id": n, "office_id": office_id(session), "name": f"PT Contoh Ekspor {n}",
              "tax_id": f"01.234.567.8-{n % 1000:03d}.000", "email": f"ekspor{n}@contoh.invalid",
              "phone": "0812000000", "address": "Jl. Raya Bandara No. 1, Tangerang", "city": "Tangerang"}
    return _added(session, ServiceUser, values, overrides)


def gen_handler(session, **overrides) -> Handler:
    n = next(_ids)
    values = {"source_id": n, "office_id": office_id(session), "name": f"PPJK Cepat Urus {n}"}
    return _added(session, Handler, values, overrides)


def gen_application(session, service_user: ServiceUser, *, section: str = "plant", direction: str = "export",
                    submitted_at: datetime | None = None, stages=HAPPY_PATH, step=timedelta(hours=3),
                    handler: Handler | None = None, commodity: str = "Manggis", **overrides) -> Application:
    """An application with one commodity line and stage events along `stages`, `step` apart."""
    n = next(_ids)
    submitted_at = submitted_at or datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    values = {"source_id": n, "number": f"2026.1.0300.0.K11.E.{n:06d}", "office_id": service_user.office_id,
              "service_user_id": service_user.id, "handler_id": handler.id if handler else None,
              "section_id": section_id(session, section), "direction": direction, "submitted_at": submitted_at,
              "consignor_name": service_user.name, "consignee_name": "Fresh Fruits Trading Ltd",
              "destination_country": "China", "conveyance": "Pesawat udara", "voyage_number": "GA 890"}
    values.update(overrides)
    application = Application(**values)
    session.add(application)
    session.flush()
    session.add(ApplicationCommodity(source_id=n, application_id=application.id, line_no=1, commodity_name=commodity,
                                     scientific_name="Garcinia mangostana", hs_code="0804.50.30",
                                     quantity=Decimal("1200"), unit="kg", net_weight_kg=Decimal("1200"),
                                     # the copies the sync keeps of the application's (inspection targeting)
                                     service_user_id=application.service_user_id,
                                     submitted_at=application.submitted_at,
                                     application_deleted_at=application.deleted_at))
    when = submitted_at
    for stage in stages:
        session.add(StageEvent(source_id=next(_ids), application_id=application.id, stage=stage, occurred_at=when,
                               officer_name="Petugas Uji"))
        application.current_stage, application.current_stage_at = stage, when
        if stage in ("handed_over", "refused", "destroyed") and application.completed_at is None:
            application.completed_at, application.completion_stage = when, stage
        when += step
    session.flush()
    return application


def gen_action(session, application: Application, kind: str = "detention", action_at: datetime | None = None,
               **overrides) -> QuarantineAction:
    values = {"kind": kind, "source_id": next(_ids), "application_id": application.id,
              "service_user_id": application.service_user_id, "office_id": application.office_id,
              "section_id": application.section_id, "action_at": action_at or application.submitted_at,
              "reason": "Dokumen tidak lengkap"}
    return _added(session, QuarantineAction, values, overrides)


def gen_bill(session, application: Application, **overrides) -> Bill:
    values = {"source_id": next(_ids), "application_id": application.id, "receipt_number": "KW-0300-000001",
              "billing_code": "820260000012345", "amount": Decimal("175000"),
              "issued_at": application.submitted_at + timedelta(hours=12)}
    return _added(session, Bill, values, overrides)


def gen_certificate(session, application: Application, **overrides) -> Certificate:
    values = {"source_id": next(_ids), "application_id": application.id, "form_code": "KT-1", "is_draft": True,
              "issued_at": application.submitted_at + timedelta(hours=9)}
    return _added(session, Certificate, values, overrides)
