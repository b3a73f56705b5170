"""The heaviest users, built fast with bulk inserts: a company with thousands of applications across every stage
(with its handlers over the years, its 3P actions and NNCs), a small company beside it to compare with, and a year
of sync runs as the scheduler leaves them.

The gen_* factories write one ORM object at a time (~5 ms an application); 5,000 applications that way would take
half a minute, so this module inserts plain rows in batches (the ids come back through RETURNING, in order).
Used by the long-task browser tests and the page benchmark.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select

from models import (Application, ApplicationCommodity, Bill, Certificate, Company, Handler, Nnc, QuarantineAction,
                    ServiceUser, StageEvent)
from portal.demo.sync_history import EVERY as SYNC_EVERY, insert_sync_runs, sync_run_rows
from portal.domain.npwp import normalize
from support.factories import office_id as office_id_of, section_id as section_id_of

UTC = timezone.utc
HAPPY = ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid", "certified", "handed_over")
COMMODITIES = (("Manggis", "Garcinia mangostana", "0804.50.30"), ("Kopi biji", "Coffea arabica", "0901.11.10"),
               ("Sarang burung walet", "Aerodramus fuciphagus", "0410.90.10"), ("Salak", "Salacca zalacca", "0810.90.99"),
               ("Benih jagung", "Zea mays", "1005.10.00"), ("Daging sapi beku", "Bos taurus", "0202.30.00"))
REASONS = ("Dokumen fitosanitari tidak sesuai", "Ditemukan OPTK", "Label tidak sesuai", "Suhu kontainer tidak sesuai")


@dataclass(frozen=True)
class HeavyCompany:
    id: int
    name: str
    applications: int
    handler_ids: list[int]
    application_ids: list[int]


def _bulk(session, model, rows: list[dict], returning: bool = False, batch: int = 2000) -> list[int]:
    """Insert ``rows`` into ``model``'s table in batches; the new ids in the rows' order when asked."""
    table, ids = model.__table__, []
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        if returning:
            ids += session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk).all()
        else:
            session.execute(insert(table), chunk)
    return ids


def _next_source_id(session) -> int:
    """Source ids above every synced record's, so built rows never collide with a test's own."""
    return max(session.scalar(select(func.max(model.source_id))) or 0
               for model in (Application, StageEvent, ServiceUser, Handler, ApplicationCommodity)) + 10_000_000


def build_heavy_company(session, *, applications: int = 5000, handlers: int = 108, days: int = 365,
                        name: str = "PT Sinar Jaya Ekspor Impor", now: datetime | None = None, seed: int = 14,
                        nncs: int = 12, office: str = "0300") -> HeavyCompany:
    """A company with ``applications`` over the last ``days`` across every stage (most handed over, some still
    moving, some detained, refused or destroyed), served by ``handlers`` handlers in turn, with its 3P actions,
    NNCs, bills and certificates. Flushed, not committed."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    office_id = office_id_of(session, office)
    sections = {code: section_id_of(session, code) for code in ("plant", "animal")}
    source = _next_source_id(session)
    tax_id = f"01.777.555.3-{seed:03d}.000"  # one NPWP per company built: a shared one would make them one company
    company = _bulk(session, Company, [{"npwp": normalize(tax_id), "name": name, "created_at": now, "version": 1}],
                    returning=True)[0]
    company_id = _bulk(session, ServiceUser, [{
        "source_id": source, "office_id": office_id, "name": name, "tax_id": tax_id, "company_id": company,
        "email": "ekspor@sinarjaya.invalid", "phone": "021-5550140", "address": "Jl. Raya Perancis No. 14",
        "city": "Tangerang", "registered_at": now - timedelta(days=days + 400), "synced_at": now}], returning=True)[0]
    handler_ids = _bulk(session, Handler, [{
        "source_id": source + 1 + i, "office_id": office_id, "name": f"PPJK {rng.choice(('Cepat', 'Mitra', 'Prima'))} "
        f"Urus {i + 1:03d}", "tax_id": f"02.{i:03d}.555.1-014.000", "synced_at": now} for i in range(handlers)],
        returning=True)
    source += 1 + handlers
    start = now - timedelta(days=days)
    app_rows, plans = [], []
    for index in range(applications):
        submitted = start + timedelta(seconds=(days * 86400 - 7200) * index / applications + rng.randint(0, 3000))
        age = now - submitted
        roll = rng.random()
        if age < timedelta(days=3) and roll < 0.7:
            stages = HAPPY[:rng.randint(1, len(HAPPY) - 1)]                  # still moving
        elif roll < 0.025:
            stages = ("submitted", "verified", "inspected", "detained", "refused")
        elif roll < 0.035:
            stages = ("submitted", "verified", "inspected", "detained", "destroyed")
        elif roll < 0.06:
            stages = ("submitted", "verified", "inspected", "detained", "released") + HAPPY[3:]
        else:
            stages = HAPPY
        step = timedelta(minutes=rng.randint(20, 240))
        section = "plant" if rng.random() < 0.75 else "animal"
        # One handler at a time, changing every few weeks (the profile's "handlers over time").
        handler = handler_ids[min(len(handler_ids) - 1, index * len(handler_ids) // applications)] \
            if rng.random() < 0.92 else None
        last_at = submitted + step * (len(stages) - 1)
        completed = stages[-1] in ("handed_over", "refused", "destroyed") and last_at <= now
        app_rows.append({
            "source_id": source + index, "number": f"2026.1.0300.{'T' if section == 'plant' else 'H'}.K11.E."
            f"{source + index:08d}", "office_id": office_id, "service_user_id": company_id, "handler_id": handler,
            "section_id": sections[section], "direction": rng.choices(("export", "import", "domestic_out"),
                                                                      (70, 25, 5))[0],
            "submitted_at": submitted, "consignor_name": name, "consignee_name": "Fresh Fruits Trading Ltd",
            "destination_country": rng.choice(("China", "Jepang", "Singapura", "Belanda")),
            "conveyance": "Pesawat udara", "voyage_number": f"GA {rng.randint(800, 899)}",
            "current_stage": stages[-1], "current_stage_at": last_at,
            "completed_at": last_at if completed else None, "completion_stage": stages[-1] if completed else None,
            "synced_at": now})
        plans.append((submitted, stages, step, section))
    app_ids = _bulk(session, Application, app_rows, returning=True)
    source += applications

    events, lines, actions, bills, certificates = [], [], [], [], []
    for app_id, (submitted, stages, step, section), app_row in zip(app_ids, plans, app_rows):
        commodity = rng.choice(COMMODITIES)
        lines.append({"source_id": source, "application_id": app_id, "line_no": 1, "commodity_name": commodity[0],
                      "scientific_name": commodity[1], "hs_code": commodity[2], "quantity": Decimal("1200"),
                      "unit": "kg", "net_weight_kg": Decimal("1200"), "synced_at": now,
                      # the copies the sync keeps of the application's (inspection targeting's history)
                      "service_user_id": app_row["service_user_id"], "submitted_at": submitted})
        source += 1
        for position, stage in enumerate(stages):
            at = submitted + step * position
            events.append({"source_id": source, "application_id": app_id, "stage": stage, "occurred_at": at,
                           "officer_name": "Petugas Uji", "synced_at": now})
            source += 1
            kind = {"detained": "detention", "refused": "refusal", "destroyed": "destruction"}.get(stage)
            if kind:
                actions.append({"kind": kind, "source_id": source, "application_id": app_id,
                                "service_user_id": company_id, "office_id": office_id, "section_id": sections[section],
                                "action_at": at, "reason": rng.choice(REASONS), "synced_at": now})
                source += 1
            if stage == "billed":
                paid = "paid" in stages
                bills.append({"source_id": source, "application_id": app_id, "receipt_number": f"KW-0300-{source}",
                              "billing_code": f"8202{source:011d}", "amount": Decimal(rng.choice((175000, 250000))),
                              "issued_at": at, "paid": paid, "paid_at": at + step if paid else None,
                              "synced_at": now})
                source += 1
            if stage in ("draft_certificate", "certified"):
                certificates.append({"source_id": source, "application_id": app_id, "form_code": "KT-1",
                                     "is_draft": stage == "draft_certificate", "issued_at": at, "synced_at": now})
                source += 1
    _bulk(session, ApplicationCommodity, lines)
    _bulk(session, StageEvent, events, batch=5000)
    _bulk(session, QuarantineAction, actions)
    _bulk(session, Bill, bills)
    _bulk(session, Certificate, certificates)
    _bulk(session, Nnc, [{
        "office_id": office_id, "number": f"NNC/{company_id}/{n + 1:04d}", "notice_date": (now - timedelta(days=20 + 27 * n)).date(),
        "received_date": (now - timedelta(days=17 + 27 * n)).date(), "flow": "received", "notifying_authority": "GACC",
        "notifying_country": "China", "notified_authority": "Barantin", "notified_country": "Indonesia",
        "service_user_id": company_id, "application_id": app_ids[-(1 + 30 * n) % len(app_ids)],
        "section_id": sections["plant"], "commodity": "Manggis", "category": "pest", "action_taken": "destruction",
        "status": "received"} for n in range(nncs)])
    session.flush()
    return HeavyCompany(company_id, name, applications, handler_ids, app_ids)


def build_sync_year(session, *, now: datetime | None = None, days: float = 365, every: timedelta = SYNC_EVERY,
                    source: str = "mysql+pymysql://qcorner_ro@10.30.0.15:3306/iqfast", seed: int = 14) -> int:
    """A year of the scheduler's runs before ``now`` (the demo's own generator, portal.demo.sync_history): an
    incremental run every ``every``, a nightly reconciliation, now and then a failure. Returns how many."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return insert_sync_runs(session, sync_run_rows(now - timedelta(days=days), now, source, every, seed))
