"""The IQFast sync: a copy that agrees with the source row for row, survives crashes, and follows corrections."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text, update

from models import SyncRequest, SyncRun
from portal.iqfast import schema as iq
from iqfast_sim.simulator import tick
from portal.services.sync import requests as sync_requests, run_log, runs as sync
from support.sync_helpers import (END, checksums, copied_simulator, derived_stages, expected_stages, iqfast_rows,
                                  our_rows, small_simulator, utc, wipe_synced)


@pytest.fixture(scope="module")
def simulator_template(tmp_path_factory):
    """A day of two stations (seed 7; the second in WITA), built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("sim") / "template.db"
    small_simulator(f"sqlite:///{path}", days=1, seed=7, offices=2)
    return path


@pytest.fixture
def simulator(simulator_template, tmp_path):
    return copied_simulator(simulator_template, tmp_path)


def iqfast_execute(url: str, statement) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(statement)
    engine.dispose()


def test_sync_copies_the_simulator_row_for_row(database, simulator):
    result = sync.run_sync(database, simulator, chunk_size=2000)
    assert result["status"] == "success", result["error"]
    assert result["rows_rejected"] == 0
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)
    assert result["events_read"] == result["events_written"] == len(iqfast_rows(simulator)["stage_events"])
    with database.engine.connect() as c:
        offices = dict(c.execute(text("SELECT code, timezone FROM offices")).all())
    assert offices == {"0300": "Asia/Jakarta", "2000": "Asia/Makassar"}  # the WITA station joined by its code


def test_the_reader_thread_maps_and_encodes_the_next_chunks_and_the_copy_still_agrees(database, simulator,
                                                                                      monkeypatch):
    # The chunks after each table's first are mapped, deduplicated and CSV-encoded in the reader thread while
    # PostgreSQL writes the one before (the first waits for the lookups, loaded in the run's transaction).
    prepared_in: list[tuple[str, str, bool]] = []
    prepare_batch = sync.prepare_batch

    def recorded(source_table, columns, rows, lookups, dialect):
        batch = prepare_batch(source_table, columns, rows, lookups, dialect)
        prepared_in.append((source_table, threading.current_thread().name,
                            any(item.prepared and item.prepared.encoded for item in batch.mapped)))
        return batch

    monkeypatch.setattr(sync, "prepare_batch", recorded)
    result = sync.run_sync(database, simulator, chunk_size=100)  # a day's events in some twenty chunks
    assert result["status"] == "success" and result["rows_rejected"] == 0
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)
    ahead = {table for table, thread, _encoded in prepared_in if thread == "iqfast-reader"}
    assert "riwayat_ptk" in ahead  # the tables of a few chunks may all be read before the lookups are
    encoded = {table for table, thread, was in prepared_in if thread == "iqfast-reader" and was}
    assert encoded == (ahead - {"pengguna_jasa"} if database.engine.dialect.name == "postgresql" else set())


def test_second_run_reads_the_overlap_but_writes_nothing(database, simulator):
    sync.run_sync(database, simulator)
    again = sync.run_sync(database, simulator)
    assert again["status"] == "success"
    assert again["events_read"] > 0  # the overlap window re-reads the last minutes
    assert sum(again["rows_written"].values()) == 0


def test_new_and_changed_rows_arrive_with_the_next_run(database, simulator):
    sync.run_sync(database, simulator)
    changes = tick(simulator, 180)
    assert changes["inserted"].get("riwayat_ptk")
    result = sync.run_sync(database, simulator)
    assert result["events_written"] >= changes["inserted"]["riwayat_ptk"]
    if changes["deleted"]:  # IQFast hard-deleted a duplicated event: only the reconciliation sees that
        assert sync.run_reconcile(database, simulator)["rows_written"]["stage_events_deleted"] == sum(
            changes["deleted"].values())
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)


def test_a_run_loads_the_code_lists_once_when_none_of_them_changed(database, simulator, monkeypatch):
    # An incremental run reads a chunk of nearly every table (the overlap); each used to load the code lists again.
    # A code list that writes something has them loaded again for the tables after it (the handwritten-rows test
    # above adds a station and its rows in one run).
    sync.run_sync(database, simulator)
    changes = tick(simulator, 180)
    loads = []
    load_lookups = sync.Writer.load_lookups

    def counted(writer):
        loads.append(1)
        return load_lookups(writer)

    monkeypatch.setattr(sync.Writer, "load_lookups", counted)
    result = sync.run_sync(database, simulator)
    assert result["status"] == "success" and result["events_written"] > 0
    assert len(loads) == 1
    if changes["deleted"]:  # IQFast hard-deleted a duplicated event: only the reconciliation sees that
        sync.run_reconcile(database, simulator)
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))


@pytest.mark.parametrize("where, stop_at", [("after_batch", 1), ("in_batch", 2)])
def test_a_run_killed_midway_then_rerun_equals_a_clean_run(database, simulator, monkeypatch, where, stop_at):
    sync.run_sync(database, simulator, chunk_size=500)
    clean = _state(database)
    wipe_synced(database)

    class Killed(Exception):
        pass

    def stop(point, table, batch):
        if point == where and table == "riwayat_ptk" and batch == stop_at:
            raise Killed(f"stopped {point} {table} #{batch}")

    monkeypatch.setattr(sync, "_checkpoint", stop)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=500)
    monkeypatch.setattr(sync, "_checkpoint", lambda *args: None)
    with database.engine.connect() as c:
        events = c.execute(text("SELECT COUNT(*) FROM stage_events")).scalar()
    assert events == 500 * (stop_at + (1 if where == "after_batch" else 0))  # whole batches only
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    assert _state(database) == clean


def _state(database) -> tuple:
    """Everything a run leaves behind, keyed by IQFast ids (our own ids may differ between runs)."""
    rows = {name: sorted(values, key=repr) for name, values in our_rows(database, include_deleted=True).items()}
    with database.engine.connect() as c:
        cursors = dict((row[0], (row[1], row[2])) for row in c.execute(
            text("SELECT source_table, updated_at, last_id FROM sync_cursors")))
    return rows, derived_stages(database), cursors


def test_a_failed_run_is_recorded_as_failed(database, simulator, monkeypatch, session):
    def boom(point, table, batch):
        if point == "in_batch" and table == "ptk":
            raise RuntimeError("disk full")

    monkeypatch.setattr(sync, "_checkpoint", boom)
    with pytest.raises(RuntimeError):
        sync.run_sync(database, simulator)
    run = session.scalars(select(SyncRun)).one()
    assert run.status == "failed" and "disk full" in run.error and run.finished_at is not None


def test_a_corrected_source_record_replaces_ours(database, simulator, session):
    sync.run_sync(database, simulator)
    later = END + timedelta(minutes=30)
    iqfast_execute(simulator, iq.ptk.update().where(iq.ptk.c.id_ptk == 5).values(
        alamat_penerima="Jl. Koreksi No. 9, Jakarta", tgl_update=later))
    first_event = select(iq.riwayat_ptk.c.id_riwayat).where(iq.riwayat_ptk.c.id_ptk == 5).order_by(
        iq.riwayat_ptk.c.id_riwayat).limit(1).scalar_subquery()
    iqfast_execute(simulator, iq.riwayat_ptk.update().where(iq.riwayat_ptk.c.id_riwayat == first_event).values(
        waktu=datetime(2026, 2, 27, 8, 0), tgl_update=later))
    result = sync.run_sync(database, simulator)
    assert result["applications_written"] == 1 and result["events_written"] == 1
    with database.engine.connect() as c:
        address = c.execute(text("SELECT consignee_address FROM applications WHERE source_id = 5")).scalar()
    assert address == "Jl. Koreksi No. 9, Jakarta"
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)


def test_an_older_copy_never_overwrites_a_newer_one(database, simulator):
    """An overlap re-read or a stale export file carries an older tgl_update: ours stays."""
    sync.run_sync(database, simulator)
    iqfast_execute(simulator, iq.ptk.update().where(iq.ptk.c.id_ptk == 7).values(
        alamat_penerima="Alamat lama", tgl_update=datetime(2020, 1, 1)))
    with database.engine.begin() as c:
        c.execute(text("DELETE FROM sync_cursors WHERE source_table = 'ptk'"))  # force a full re-read
    sync.run_sync(database, simulator)
    with database.engine.connect() as c:
        address = c.execute(text("SELECT consignee_address FROM applications WHERE source_id = 7")).scalar()
    assert address != "Alamat lama"


def test_reconciliation_marks_what_the_source_deleted_and_restores_what_came_back(database, simulator):
    sync.run_sync(database, simulator)
    engine = create_engine(simulator)
    with engine.begin() as c:
        last = c.execute(select(iq.riwayat_ptk).order_by(iq.riwayat_ptk.c.id_riwayat.desc()).limit(1)).mappings().one()
        c.execute(iq.riwayat_ptk.delete().where(iq.riwayat_ptk.c.id_riwayat == last["id_riwayat"]))
        c.execute(iq.billing.delete().where(iq.billing.c.id_billing == 3))
    result = sync.run_reconcile(database, simulator)
    assert result["status"] == "success", result["error"]
    assert {k: v for k, v in result["rows_written"].items() if v} == {"stage_events_deleted": 1, "bills_deleted": 1}
    with database.engine.connect() as c:
        deleted = c.execute(text("SELECT source_id FROM stage_events WHERE deleted_at IS NOT NULL")).scalars().all()
    assert deleted == [last["id_riwayat"]]
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)  # the deleted event no longer counts
    with engine.begin() as c:
        c.execute(iq.riwayat_ptk.insert().values(**last))
    engine.dispose()
    again = sync.run_reconcile(database, simulator)
    assert again["rows_written"].get("stage_events") == 1
    assert checksums(our_rows(database, include_deleted=False)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)


def test_reconciliation_fills_a_gap_the_cursor_missed(database, simulator):
    sync.run_sync(database, simulator)
    engine = create_engine(simulator)
    with engine.begin() as c:  # a row committed late with an old tgl_update, far behind every cursor
        row = c.execute(select(iq.riwayat_ptk).where(iq.riwayat_ptk.c.id_riwayat == 10)).mappings().one()
        c.execute(iq.riwayat_ptk.insert().values(**{**row, "id_riwayat": 999_999, "kode_status": 20,
                                                    "tgl_update": row["tgl_update"]}))
    engine.dispose()
    assert sync.run_sync(database, simulator)["events_written"] == 0
    result = sync.run_reconcile(database, simulator)
    assert result["rows_written"].get("stage_events") == 1
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))


def test_unreachable_iqfast_is_recorded_as_failed_and_the_next_run_catches_up(database, simulator, tmp_path,
                                                                               session):
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'iqfast.db'}"
    failed = sync.run_sync(database, missing)
    assert failed["status"] == "failed" and "IQFast" in failed["error"]
    refused = sync.run_sync(database, "postgresql+psycopg2://iqfast:rahasia@127.0.0.1:9/iqfast")
    assert refused["status"] == "failed" and "rahasia" not in refused["error"] + refused["source"]
    assert run_log.last_successful_sync(session) is None
    caught_up = sync.run_sync(database, simulator)
    assert caught_up["status"] == "success"
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert run_log.last_successful_sync(session) == caught_up["finished_at"]


def test_a_young_event_whose_application_is_missing_is_read_again(database, simulator):
    """Its PTK may still be committing: the cursor stays before it, and the next run loads it."""
    sync.run_sync(database, simulator)
    engine = create_engine(simulator)
    later = END + timedelta(minutes=1)
    with engine.begin() as c:
        template = c.execute(select(iq.ptk).where(iq.ptk.c.id_ptk == 1)).mappings().one()
        c.execute(iq.riwayat_ptk.insert().values(id_riwayat=900_001, id_ptk=800_001, kode_status=10, waktu=later,
                                                 keterangan="PTK baru", tgl_update=later))
    first = sync.run_sync(database, simulator)
    assert first["events_written"] == 0 and first["rows_rejected"] == 0
    with engine.begin() as c:
        c.execute(iq.ptk.insert().values(**{**template, "id_ptk": 800_001, "no_ptk": "2026.1.0300.0.K21.E.999999",
                                            "tgl_pengajuan": later, "tgl_update": later}))
    engine.dispose()
    second = sync.run_sync(database, simulator)
    assert second["applications_written"] == 1 and second["events_written"] == 1
    assert derived_stages(database)[800_001][0] == "submitted"


def test_handwritten_iqfast_rows_map_to_the_rows_we_expect(database, tmp_path):
    url = f"sqlite:///{tmp_path / 'tiny.db'}"
    engine = create_engine(url)
    iq.metadata.create_all(engine)
    t0 = datetime(2026, 3, 1, 8, 0)
    with engine.begin() as c:
        c.execute(iq.m_upt.insert(), [
            {"id_upt": 1, "kode_upt": "0300", "nama_upt": "BBKP Soekarno-Hatta", "zona_waktu": "WIB",
             "kota": "Tangerang", "id_pelabuhan": 1, "tgl_update": t0},
            {"id_upt": 2, "kode_upt": "3000", "nama_upt": "BKP Kelas I Jayapura", "zona_waktu": "WIT",
             "kota": "Jayapura", "id_pelabuhan": 2, "tgl_update": t0}])
        c.execute(iq.m_negara.insert(), [
            {"id_negara": 1, "kode_negara": "ID", "nama_negara": "Indonesia", "tgl_update": t0},
            {"id_negara": 2, "kode_negara": "JP", "nama_negara": "Jepang", "tgl_update": t0}])
        c.execute(iq.m_pelabuhan.insert(), [
            {"id_pelabuhan": 1, "kode_pelabuhan": "IDCGK", "nama_pelabuhan": "Bandara Soekarno-Hatta",
             "kota": "Tangerang", "kode_negara": "ID", "jenis": "U", "tgl_update": t0},
            {"id_pelabuhan": 2, "kode_pelabuhan": "JPNRT", "nama_pelabuhan": "Narita", "kota": "Tokyo",
             "kode_negara": "JP", "jenis": "U", "tgl_update": t0}])
        c.execute(iq.m_satuan.insert(), [{"id_satuan": 1, "kode_satuan": "KG", "nama_satuan": "Kilogram",
                                          "tgl_update": t0}])
        c.execute(iq.m_komoditas.insert(), [
            {"id_komoditas": 7, "kode_komoditas": "T001", "nama_komoditas": "Manggis",
             "nama_latin": "Garcinia mangostana", "kode_hs": "0804.50.20", "jenis_karantina": "T", "kelompok": "HT",
             "kode_satuan": "KG", "tgl_update": t0}])
        c.execute(iq.pengguna_jasa.insert(), [
            {"id_pengguna_jasa": 11, "id_upt": 2, "npwp": "01.234.567.8-901.000", "nama": "PT Buah Papua",
             "jenis_usaha": "PT", "alamat": "Jl. Sentani 1", "kota": "Jayapura", "email": "buah@papua.id",
             "telepon": "0967-1", "diblokir": 0, "tgl_daftar": datetime(2020, 5, 1, 9, 30), "tgl_update": t0}])
        c.execute(iq.ppjk.insert(), [{"id_ppjk": 21, "id_upt": 2, "npwp": "02.000.000.0-000.000",
                                      "nama_ppjk": "CV Urus Cepat", "alamat": "Jl. Bandara", "tgl_update": t0}])
        c.execute(iq.ptk.insert(), [{
            "id_ptk": 31, "no_ptk": "2026.1.3000.0.K21.E.000001", "id_upt": 2, "jenis_karantina": "T",
            "jenis_permohonan": "EX", "id_pengguna_jasa": 11, "id_ppjk": 21, "nama_pengirim": "PT Buah Papua",
            "alamat_pengirim": "Jl. Sentani 1", "nama_penerima": "Tokyo Fruits", "alamat_penerima": "Tokyo",
            "kode_negara_asal": "ID", "kota_asal": "Jayapura", "id_pelabuhan_asal": 1, "kode_negara_tujuan": "JP",
            "kota_tujuan": "Tokyo", "id_pelabuhan_tujuan": 2, "alat_angkut": "PESAWAT UDARA",
            "nama_alat_angkut": "Garuda Indonesia", "no_penerbangan": "GA 880", "no_awb": "126-12345675",
            "tgl_pengajuan": datetime(2026, 3, 1, 6, 30), "kemasan": "Karton", "jumlah_kemasan": 10,
            "peruntukan": "Konsumsi", "tgl_update": t0}])
        c.execute(iq.ptk_komoditas.insert(), [{
            "id_ptk_komoditas": 41, "id_ptk": 31, "urut": 1, "id_komoditas": 7, "kode_hs": "0804.50.20",
            "jumlah": 250, "kode_satuan": "KG", "netto_kg": 250, "kemasan": "Karton", "tgl_update": t0}])
        events = [
            {"id_riwayat": 51, "id_ptk": 31, "kode_status": 10, "waktu": datetime(2026, 3, 1, 6, 30),
             "tgl_update": t0},
            {"id_riwayat": 52, "id_ptk": 31, "kode_status": 20, "waktu": datetime(2026, 3, 1, 7, 0),
             "nama_petugas": "Agus", "nip_petugas": "198001012005011001", "tgl_update": t0},
            {"id_riwayat": 53, "id_ptk": 31, "kode_status": 31, "waktu": datetime(2026, 3, 1, 7, 40),
             "keterangan": "Dokumen tidak lengkap", "tgl_update": t0},
            {"id_riwayat": 54, "id_ptk": 31, "kode_status": 33, "waktu": datetime(2026, 3, 2, 1, 15),
             "tgl_update": t0}]
        for event in events:  # one by one: an executemany takes its columns from the first row only
            c.execute(iq.riwayat_ptk.insert().values(**event))
        c.execute(iq.penahanan.insert(), [{
            "id_penahanan": 61, "id_ptk": 31, "no_penahanan": "TAHAN/3000/2026/000001",
            "tgl_penahanan": datetime(2026, 3, 1, 7, 40), "alasan": "Dokumen tidak lengkap", "hasil": "DITOLAK",
            "tgl_selesai": datetime(2026, 3, 2, 1, 15), "nama_petugas": "Agus", "nip_petugas": "198001012005011001",
            "tgl_update": t0}])
        c.execute(iq.penolakan.insert(), [{
            "id_penolakan": 61, "id_ptk": 31, "no_penolakan": "TOLAK/3000/2026/000001",
            "tgl_penolakan": datetime(2026, 3, 2, 1, 15), "alasan": "Tidak dapat dilengkapi",
            "tindak_lanjut": "Dikembalikan kepada pengirim", "nama_petugas": "Agus",
            "nip_petugas": "198001012005011001", "tgl_update": t0}])
    engine.dispose()

    result = sync.run_sync(database, url)
    assert result["status"] == "success" and result["rows_rejected"] == 0, result

    with database.engine.connect() as c:
        one = lambda sql: c.execute(text(sql)).mappings().one()  # noqa: E731
        office = one("SELECT id, name, timezone FROM offices WHERE code = '3000'")
        assert (office["name"], office["timezone"]) == ("BKP Kelas I Jayapura", "Asia/Jayapura")
        user = one("SELECT * FROM service_users WHERE source_id = 11")
        assert (user["name"], user["tax_id"], user["office_id"], bool(user["blocked"])) == (
            "PT Buah Papua", "01.234.567.8-901.000", office["id"], False)
        assert str(user["registered_at"])[:19] == "2020-05-01 02:30:00"  # 09:30 WIB
        app = one("SELECT a.*, s.code AS section FROM applications a JOIN sections s ON s.id = a.section_id "
                  "WHERE a.source_id = 31")
        assert app["number"] == "2026.1.3000.0.K21.E.000001"
        assert (app["section"], app["direction"], app["office_id"]) == ("plant", "export", office["id"])
        assert (app["origin_country"], app["destination_country"], app["destination_port"]) == (
            "Indonesia", "Jepang", "Narita")
        assert app["voyage_number"] == "GA 880" and app["transport_document"] == "126-12345675"
        assert str(app["submitted_at"])[:19] == "2026-02-28 23:30:00"  # 06:30 WIB on 1 March
        assert app["handler_id"] == c.execute(text("SELECT id FROM handlers WHERE source_id = 21")).scalar()
        assert (app["current_stage"], app["completion_stage"]) == ("refused", "refused")
        assert str(app["current_stage_at"])[:19] == str(app["completed_at"])[:19] == "2026-03-01 18:15:00"
        line = one("SELECT * FROM application_commodities WHERE source_id = 41")
        assert (line["commodity_name"], line["scientific_name"], line["unit"], float(line["quantity"])) == (
            "Manggis", "Garcinia mangostana", "Kilogram", 250.0)
        assert line["commodity_id"] == c.execute(text("SELECT id FROM commodities WHERE code = 'T001'")).scalar()
        events = c.execute(text("SELECT source_id, stage, occurred_at, officer_name FROM stage_events "
                                "ORDER BY source_id")).all()
        assert [(e[0], e[1], str(e[2])[:19], e[3]) for e in events] == [
            (51, "submitted", "2026-02-28 23:30:00", None), (52, "verified", "2026-03-01 00:00:00", "Agus"),
            (53, "detained", "2026-03-01 00:40:00", None), (54, "refused", "2026-03-01 18:15:00", None)]
        actions = c.execute(text("SELECT kind, source_id, outcome, follow_up, service_user_id, office_id, "
                                 "section_id, action_at FROM quarantine_actions ORDER BY kind")).all()
        assert [(a[0], a[1], a[2], a[3], str(a[7])[:19]) for a in actions] == [
            ("detention", 61, "refused", None, "2026-03-01 00:40:00"),
            ("refusal", 61, None, "Dikembalikan kepada pengirim", "2026-03-01 18:15:00")]
        assert {(a[4], a[5], a[6]) for a in actions} == {(user["id"], office["id"], app["section_id"])}


def test_quarantine_actions_follow_a_corrected_application(database, simulator):
    stamp = END - timedelta(hours=2)
    iqfast_execute(simulator, iq.penahanan.insert().values(
        id_penahanan=70_001, id_ptk=5, no_penahanan="TAHAN/0300/2026/000005", tgl_penahanan=stamp,
        alasan="Dokumen persyaratan tidak lengkap", nama_petugas="Agus", nip_petugas="198001012005011001",
        tgl_update=stamp))
    sync.run_sync(database, simulator)
    iqfast_execute(simulator, iq.ptk.update().where(iq.ptk.c.id_ptk == 5).values(
        id_pengguna_jasa=2, tgl_update=END + timedelta(minutes=5)))
    sync.run_sync(database, simulator)
    with database.engine.connect() as c:
        owners = c.execute(text("SELECT u.source_id FROM quarantine_actions q "
                                "JOIN service_users u ON u.id = q.service_user_id WHERE q.source_id = 70001")
                           ).scalars().all()
    assert owners == [2]


def test_a_sync_request_is_picked_once(database, session, make_user):
    admin = make_user("admin_sync", "admin")
    request_id = sync_requests.record_sync_request(session, admin["id"])
    session.commit()
    assert session.get(SyncRequest, request_id).picked_at is None
    assert sync_requests.pick_sync_requests(database) == [request_id]
    assert sync_requests.pick_sync_requests(database) == []  # picked once only


def test_cli_sync_once_prints_the_run_as_json(database_url, database, simulator):
    runner = CliRunner()
    result = runner.invoke(__import__("portal.cli.main", fromlist=["main"]).main, ["sync", "--once", "--json"],
                           env={"QCORNER_DATABASE_URL": database_url, "QCORNER_IQFAST_URL": simulator})
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["status"] == "success"
    assert record["events_read"] == record["events_written"] > 0 and record["applications_written"] > 0
    bad = runner.invoke(__import__("portal.cli.main", fromlist=["main"]).main, ["sync", "--once", "--json", "--url",
                                                                           "sqlite:////nonexistent/iqfast.db"],
                        env={"QCORNER_DATABASE_URL": database_url})
    assert bad.exit_code == 1 and json.loads(bad.output)["status"] == "failed"


def test_cli_iqfast_sim_init_and_tick(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli-sim.db'}"
    main = __import__("portal.cli.main", fromlist=["main"]).main
    created = CliRunner().invoke(main, ["iqfast-sim", "init", "--url", url, "--days", "1", "--seed", "3",
                                        "--end", "2026-03-02 10:00", "--json"])
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["ptk"] > 0
    ticked = CliRunner().invoke(main, ["iqfast-sim", "tick", "--url", url, "--minutes", "30", "--json"])
    assert ticked.exit_code == 0, ticked.output
    assert json.loads(ticked.output)["clock"].startswith("2026-03-02T10:30")


def test_times_are_converted_from_wib_to_utc():
    assert utc(datetime(2026, 3, 1, 6, 30)) == "2026-02-28 23:30:00"


def test_the_sqlite_source_is_opened_read_only(simulator):
    from portal.iqfast.sql_source import SqlSource

    source = SqlSource(simulator)
    try:
        with source.engine.connect() as connection:
            with pytest.raises(Exception, match="readonly|read-only|query_only"):
                connection.execute(text("DELETE FROM riwayat_ptk"))
    finally:
        source.close()
