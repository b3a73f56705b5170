"""Helpers for the sync tests: a small simulator, and our tables and IQFast's compared row for row.

The expected rows are computed here from IQFast's rows with this file's own small translation tables
(written by hand, not imported from portal.iqfast.mapping), so a mapping mistake cannot hide itself.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, delete, select, text

from portal.iqfast import schema as iq

END = datetime(2026, 3, 2, 10, 0)  # simulated "now", naive WIB (a Monday morning)
WIB = timedelta(hours=7)
STAGE = {10: "submitted", 20: "verified", 30: "inspected", 40: "treated", 50: "draft_certificate", 60: "billed",
         70: "paid", 80: "certified", 90: "handed_over", 31: "detained", 32: "released", 33: "refused",
         34: "destroyed"}
SECTION = {"H": "animal", "T": "plant"}
DIRECTION = {"EX": "export", "IM": "import", "DK": "domestic_out", "DM": "domestic_in"}
SYNCED_TABLES = ("stage_events", "quarantine_actions", "bills", "certificates", "application_commodities",
                 "applications", "handlers", "service_users")


# Where this run keeps each small simulator it has built (tests/conftest.py makes it and removes it at the end): the
# same (days, seed, offices, daily) is built once per run and copied after, as the simulator's output depends on those
# alone (its "now" is END). Dozens of tests build the same few; the longest took 3–7 s each.
SIMULATOR_CACHE = "QCORNER_TEST_SIMULATOR_CACHE"


def small_simulator(url: str, days: int, seed: int, offices: int = 1, daily: int | None = None) -> dict:
    """A simulator with a tenth of a station's registered companies and handlers (the tests need few;
    a full station registers 3,000, which would dominate every test's rows). ``daily``: applications a day at a
    full-size station instead of the simulator's 300, for a test that needs months of history but not its volume."""
    cache = os.environ.get(SIMULATOR_CACHE)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if not cache or path is None or path.exists():
        return _build_small_simulator(url, days, seed, offices, daily)
    built = Path(cache) / f"{days}-{seed}-{offices}-{daily or 'full'}.db"
    with open(built.with_suffix(".lock"), "w") as lock:  # the other test worker may be building the same one
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            building = built.with_suffix(".building")
            building.unlink(missing_ok=True)
            summary = _build_small_simulator(f"sqlite:///{building}", days, seed, offices, daily)
            built.with_suffix(".json").write_text(json.dumps(summary))
            building.replace(built)
    shutil.copyfile(built, path)
    return json.loads(built.with_suffix(".json").read_text())


def _build_small_simulator(url: str, days: int, seed: int, offices: int, daily: int | None = None) -> dict:
    from iqfast_sim import simulator

    saved = simulator.USERS_PER_STATION, simulator.HANDLERS_PER_STATION, simulator.DAILY_APPLICATIONS
    simulator.USERS_PER_STATION, simulator.HANDLERS_PER_STATION = 300, 30
    simulator.DAILY_APPLICATIONS = daily or simulator.DAILY_APPLICATIONS
    try:
        return simulator.init_simulator(url, days=days, seed=seed, offices=offices, end=END)
    finally:
        simulator.USERS_PER_STATION, simulator.HANDLERS_PER_STATION, simulator.DAILY_APPLICATIONS = saved


def own_station_simulator(url: str, offset: int, seed: int = 7) -> None:
    """A simulated IQFast database of one station's own: the simulator's second station (2000, Denpasar) alone, its
    record ids moved up by ``offset`` (0: the same id series as a one-station simulator's — overlapping)."""
    small_simulator(url, days=1, seed=seed, offices=2)
    engine = create_engine(url)
    with engine.begin() as c:
        first = [row[0] for row in c.execute(select(iq.ptk.c.id_ptk).where(iq.ptk.c.id_upt == 1))]
        for table in iq.metadata.sorted_tables:
            if table.name.startswith("m_") or table.name == "sim_state":
                continue
            if "id_upt" in table.c:
                c.execute(delete(table).where(table.c.id_upt == 1))
            elif "id_ptk" in table.c:
                c.execute(delete(table).where(table.c.id_ptk.in_(first)))
            moved = {name for name in ("id_ptk", "id_pengguna_jasa", "id_ppjk") if name in table.c}
            moved.add(table.primary_key.columns[0].name)
            c.execute(table.update().values({name: table.c[name] + offset for name in moved}))
    engine.dispose()


def copied_simulator(template, folder) -> str:
    """A test's own copy of a simulator built once per module (`template`, a file), as a URL: a sync test may tick it
    or change it without touching the next test's."""
    import shutil

    path = folder / "iqfast.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def utc(naive_wib: datetime | None) -> str | None:
    """IQFast's naive WIB time as the UTC text the comparison uses."""
    return None if naive_wib is None else (naive_wib - WIB).strftime("%Y-%m-%d %H:%M:%S")


def as_text(aware: datetime | None) -> str | None:
    return None if aware is None else aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def money(value) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.001")))


def iqfast_rows(url: str) -> dict[str, list[tuple]]:
    """What our tables should hold for IQFast's rows at ``url`` (key columns, per our table)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            get = lambda t: c.execute(select(t)).mappings().all()  # noqa: E731
            return {
                "service_users": [(r["id_pengguna_jasa"], r["nama"], r["npwp"], r["email"], r["telepon"],
                                   bool(r["diblokir"]), utc(r["tgl_daftar"])) for r in get(iq.pengguna_jasa)],
                "handlers": [(r["id_ppjk"], r["nama_ppjk"], r["npwp"], r["telepon"]) for r in get(iq.ppjk)],
                "applications": [(r["id_ptk"], r["no_ptk"], SECTION[r["jenis_karantina"]],
                                  DIRECTION[r["jenis_permohonan"]], r["id_pengguna_jasa"], r["id_ppjk"],
                                  utc(r["tgl_pengajuan"]), r["alamat_penerima"]) for r in get(iq.ptk)],
                "application_commodities": [(r["id_ptk_komoditas"], r["id_ptk"], r["urut"], money(r["jumlah"]),
                                             money(r["netto_kg"])) for r in get(iq.ptk_komoditas)],
                "stage_events": [(r["id_riwayat"], r["id_ptk"], STAGE[r["kode_status"]], utc(r["waktu"]))
                                 for r in get(iq.riwayat_ptk)],
                "quarantine_actions": (
                    [("detention", r["id_penahanan"], r["id_ptk"], utc(r["tgl_penahanan"])) for r in get(iq.penahanan)]
                    + [("refusal", r["id_penolakan"], r["id_ptk"], utc(r["tgl_penolakan"])) for r in get(iq.penolakan)]
                    + [("destruction", r["id_pemusnahan"], r["id_ptk"], utc(r["tgl_pemusnahan"]))
                       for r in get(iq.pemusnahan)]),
                "bills": [(r["id_billing"], r["id_ptk"], money(r["nilai_pnbp"]), bool(r["status_bayar"]),
                           utc(r["tgl_bayar"])) for r in get(iq.billing)],
                "certificates": [(r["id_sertifikat"], r["id_ptk"], r["kode_dokumen"], r["no_sertifikat"],
                                  bool(r["is_draft"]), utc(r["tgl_terbit"])) for r in get(iq.sertifikat)],
            }
    finally:
        engine.dispose()


def our_rows(database, include_deleted: bool = False) -> dict[str, list[tuple]]:
    """The same key columns from our tables, references as IQFast ids."""
    alive = "" if include_deleted else " AND x.deleted_at IS NULL"
    queries = {
        "service_users": "SELECT source_id, name, tax_id, email, phone, blocked, registered_at FROM service_users x "
                         "WHERE 1=1" + alive,
        "handlers": "SELECT source_id, name, tax_id, phone FROM handlers x WHERE 1=1" + alive,
        "applications": "SELECT x.source_id, x.number, s.code, x.direction, u.source_id, h.source_id, x.submitted_at, "
                        "x.consignee_address FROM applications x JOIN sections s ON s.id = x.section_id "
                        "JOIN service_users u ON u.id = x.service_user_id LEFT JOIN handlers h ON h.id = x.handler_id "
                        "WHERE 1=1" + alive,
        "application_commodities": "SELECT x.source_id, a.source_id, x.line_no, x.quantity, x.net_weight_kg "
                                   "FROM application_commodities x JOIN applications a ON a.id = x.application_id "
                                   "WHERE 1=1" + alive,
        "stage_events": "SELECT x.source_id, a.source_id, x.stage, x.occurred_at FROM stage_events x "
                        "JOIN applications a ON a.id = x.application_id WHERE 1=1" + alive,
        "quarantine_actions": "SELECT x.kind, x.source_id, a.source_id, x.action_at FROM quarantine_actions x "
                              "JOIN applications a ON a.id = x.application_id WHERE 1=1" + alive,
        "bills": "SELECT x.source_id, a.source_id, x.amount, x.paid, x.paid_at FROM bills x "
                 "JOIN applications a ON a.id = x.application_id WHERE 1=1" + alive,
        "certificates": "SELECT x.source_id, a.source_id, x.form_code, x.number, x.is_draft, x.issued_at "
                        "FROM certificates x JOIN applications a ON a.id = x.application_id WHERE 1=1" + alive,
    }
    from models.base import UTCDateTime  # noqa: F401 - dates come back raw from text(): normalise below

    result = {}
    with database.engine.connect() as c:
        for name, sql in queries.items():
            rows = []
            for row in c.execute(text(sql)):
                rows.append(tuple(_normal(name, i, value) for i, value in enumerate(row)))
            result[name] = rows
    return result


_MONEY_COLUMNS = {"application_commodities": (3, 4), "bills": (2,)}


def _normal(table: str, index: int, value):
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite keeps UTC without a zone
            value = value.replace(tzinfo=timezone.utc)
        return as_text(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T" and value[13] == ":":
        return value[:19].replace("T", " ")
    if index in _MONEY_COLUMNS.get(table, ()):
        return money(value)
    if isinstance(value, int) and not isinstance(value, bool) and table in ("service_users", "bills",
                                                                            "certificates") and index in (5, 3, 4):
        return bool(value)  # SQLite booleans come back as 0/1 from text()
    return value


def checksums(rows: dict[str, list[tuple]]) -> dict[str, tuple[int, str]]:
    """(count, digest) per table: equal when the content is equal, whatever the order."""
    return {name: (len(values), hashlib.sha256(repr(sorted(values, key=repr)).encode()).hexdigest()[:16])
            for name, values in rows.items()}


def derived_stages(database) -> dict[int, tuple]:
    """Each application's derived stage columns, by IQFast id."""
    with database.engine.connect() as c:
        return {row[0]: (row[1], _normal("applications", 9, row[2]), _normal("applications", 9, row[3]), row[4])
                for row in c.execute(text("SELECT source_id, current_stage, current_stage_at, completed_at, "
                                          "completion_stage FROM applications"))}


def expected_stages(url: str) -> dict[int, tuple]:
    """Derived stage columns as DOMAIN.md defines them, computed here from IQFast's events."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            events = c.execute(select(iq.riwayat_ptk.c.id_ptk, iq.riwayat_ptk.c.kode_status, iq.riwayat_ptk.c.waktu,
                                      iq.riwayat_ptk.c.id_riwayat)).all()
            applications = [row[0] for row in c.execute(select(iq.ptk.c.id_ptk))]
    finally:
        engine.dispose()
    by_application: dict[int, list] = {a: [] for a in applications}
    for id_ptk, code, when, event_id in events:
        by_application[id_ptk].append((when, event_id, STAGE[code]))
    result = {}
    for id_ptk, items in by_application.items():
        items.sort()
        latest = items[-1] if items else None
        done = next((item for item in items if item[2] in ("handed_over", "refused", "destroyed")), None)
        result[id_ptk] = (latest[2] if latest else None, utc(latest[0]) if latest else None,
                          utc(done[0]) if done else None, done[2] if done else None)
    return result


def wipe_synced(database) -> None:
    """Empty everything the sync writes (between a clean run and a crashed one in the same test)."""
    from sqlalchemy import MetaData

    metadata = MetaData()
    metadata.reflect(database.engine, only=list(SYNCED_TABLES) + ["commodities", "source_lookups", "sync_cursors",
                                                                   "sync_requests", "sync_runs", "offices"])
    with database.engine.begin() as c:
        for name in SYNCED_TABLES + ("commodities", "source_lookups", "sync_cursors", "sync_requests", "sync_runs"):
            c.execute(delete(metadata.tables[name]))
        c.execute(delete(metadata.tables["offices"]).where(metadata.tables["offices"].c.code != "0300"))
