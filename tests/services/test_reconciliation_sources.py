"""A station read from its own IQFast database is that database's (docs/sync.md, holdings.py): the nightly
reconciliation compares each source with the stations it holds — the configured IQFast every station's but those
with a database of their own — and a source writes only records of the stations it holds, so a database whose ids
overlap the national series, or a national copy of such a station, overwrites nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, delete, func, select, text

from jobs.context import JobContext
from jobs.sync_jobs import reconcile_job
from portal.iqfast import mapping
from portal.iqfast import schema as iq
from portal.services import offices
from portal.services.sync import export_files
from portal.services.sync import runs as sync
from support.sync_helpers import derived_stages, expected_stages, own_station_simulator, small_simulator

OFFSET = 5_000_000  # the own database's ids above the national series, as the operations guide requires


def _deleted_by_office(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return dict(c.execute(text(
            "SELECT o.code, count(*) FILTER (WHERE a.deleted_at IS NOT NULL) FROM applications a "
            "JOIN offices o ON o.id = a.office_id GROUP BY o.code")).all())


def _station_with_its_own_database(session, url: str) -> None:
    offices.add_office(session, None, "admin", {"code": "2000", "name": "BBKP Denpasar",
                                                "timezone": "Asia/Makassar", "iqfast_url": url})
    session.commit()


def _records_of(database, code: str) -> list[tuple]:
    """Every synced record of a station, with what names it (a fingerprint of the station's copy)."""
    with database.engine.connect() as c:
        return c.execute(text(
            "SELECT a.source_id, a.number, a.service_user_id, a.submitted_at, e.source_id, e.stage, e.occurred_at "
            "FROM applications a JOIN offices o ON o.id = a.office_id "
            "LEFT JOIN stage_events e ON e.application_id = a.id WHERE o.code = :code "
            "ORDER BY a.source_id, e.source_id"), {"code": code}).all()


def _crossed(database) -> int:
    """Records naming a company, handler or application of another station than their own."""
    with database.engine.connect() as c:
        return c.execute(text(
            "SELECT (SELECT count(*) FROM applications a JOIN service_users u ON u.id = a.service_user_id "
            "        WHERE u.office_id <> a.office_id)"
            "     + (SELECT count(*) FROM applications a JOIN handlers h ON h.id = a.handler_id "
            "        WHERE h.office_id <> a.office_id)")).scalar_one()


def _synced_with_an_own_database(database, settings, session, tmp_path):
    """A national IQFast of station 0300 and station 2000's own database (ids offset), both synced once: their URLs
    and the settings naming the national one."""
    national, own = f"sqlite:///{tmp_path / 'national.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    small_simulator(national, days=1, seed=7, offices=1)
    own_station_simulator(own, OFFSET)
    _station_with_its_own_database(session, own)
    settings = settings.model_copy(update={"iqfast_url": national, "iqfast_export_dir": ""})
    assert [r["status"] for r in sync.sync_from_settings(database, settings)] == ["success", "success"]
    return national, own, settings


def test_the_nightly_reconciliation_leaves_a_station_read_from_its_own_database_alone(
        database, settings, session, tmp_path):
    national, own, settings = _synced_with_an_own_database(database, settings, session, tmp_path)
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}

    nightly = JobContext(settings=settings, database=database, scheduler=None, name="reconcile",
                         interval=timedelta(days=1))
    reconcile_job(nightly)
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}

    # Each database deletes an application: each deletion is found by the comparison with its own source.
    for url in (national, own):
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(delete(iq.ptk).where(iq.ptk.c.id_ptk == select(iq.ptk.c.id_ptk).order_by(iq.ptk.c.id_ptk)
                                           .limit(1).scalar_subquery()))
        engine.dispose()
    reconcile_job(nightly)
    assert _deleted_by_office(database) == {"0300": 1, "2000": 1}
    with database.engine.connect() as c:
        runs = c.execute(text("SELECT source, status FROM sync_runs WHERE kind = 'reconcile' ORDER BY id")).all()
    assert len(runs) == 4 and {status for _source, status in runs} == {"success"}


def test_a_station_database_whose_ids_overlap_the_national_series_overwrites_nothing(
        database, settings, session, tmp_path):
    national, own = f"sqlite:///{tmp_path / 'national.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    small_simulator(national, days=1, seed=7, offices=1)
    own_station_simulator(own, 0)  # restarted its ids: PTK 1 there is not PTK 1 here
    assert sync.run_sync(database, national)["status"] == "success"
    before = _records_of(database, "0300")
    _station_with_its_own_database(session, own)

    result = sync.run_sync(database, own, cursor_scope="2000:")
    assert _records_of(database, "0300") == before
    assert _crossed(database) == 0
    assert result["rows_rejected"] > 0
    reasons = [error["reason"] for error in result["errors"]]
    assert any("sudah dipakai catatan UPT 0300" in reason and "bertumpang tindih" in reason for reason in reasons)


def _rows_of_station(url: str, code: str) -> dict[str, int]:
    """IQFast table → its rows of one station (its own, or its application's)."""
    engine = create_engine(url)
    with engine.connect() as c:
        station = c.execute(select(iq.m_upt.c.id_upt).where(iq.m_upt.c.kode_upt == code)).scalar_one()
        applications = select(iq.ptk.c.id_ptk).where(iq.ptk.c.id_upt == station)
        counts = {}
        for name in mapping.SOURCE_TABLES:
            table = iq.metadata.tables[name]
            if "id_upt" in table.c and name != "m_upt":
                counts[name] = c.execute(select(func.count()).where(table.c.id_upt == station)).scalar_one()
            elif "id_ptk" in table.c:
                counts[name] = c.execute(select(func.count()).where(table.c.id_ptk.in_(applications))).scalar_one()
    engine.dispose()
    return counts


def _rows_of_source(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as c:
        counts = {name: c.execute(select(func.count()).select_from(iq.metadata.tables[name])).scalar_one()
                  for name in mapping.SOURCE_TABLES}
    engine.dispose()
    return counts


def test_the_national_database_does_not_read_a_station_read_from_its_own(database, settings, session, tmp_path):
    # The national IQFast holds a copy of station 2000 (its own ids); the station's records come from its own
    # database only. The national copy is not read at all — not refused row by row at every run, nor fetched
    # again to be refused by every night's comparison (a station-year each night).
    national, own = f"sqlite:///{tmp_path / 'national.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    small_simulator(national, days=1, seed=7, offices=2)
    own_station_simulator(own, OFFSET)
    _station_with_its_own_database(session, own)
    settings = settings.model_copy(update={"iqfast_url": national, "iqfast_export_dir": ""})
    first, second = sync.sync_from_settings(database, settings)
    assert (first["status"], first["rows_rejected"], first["errors"]) == ("success", 0, [])
    skipped = _rows_of_station(national, "2000")
    assert skipped["ptk"] and skipped["riwayat_ptk"] and skipped["pengguna_jasa"]
    everything = _rows_of_source(national)
    assert first["rows_read"] == {name: everything[name] - skipped.get(name, 0) for name in mapping.SOURCE_TABLES}
    assert (second["status"], second["rows_rejected"]) == ("success", 0)
    station = _records_of(database, "2000")
    assert station and all(row[0] > OFFSET for row in station)  # its own database's records only
    assert _records_of(database, "0300") and _crossed(database) == 0
    with database.engine.connect() as c:  # its companies and handlers too
        for parties in ("service_users", "handlers"):
            assert c.execute(text(f"SELECT count(*) FROM {parties} p JOIN offices o ON o.id = p.office_id "
                                  f"WHERE o.code = '2000' AND p.source_id <= {OFFSET}")).scalar_one() == 0

    nightly = sync.run_reconcile(database, national, configured_url=national)
    assert (nightly["status"], nightly["rows_rejected"], nightly["errors"]) == ("success", 0, [])
    fetched = {name: count for name, count in nightly["rows_read"].items() if name not in mapping.LOOKUP_TABLES}
    assert not any(fetched.values()), fetched
    assert _records_of(database, "2000") == station


def _companies_of_nobody(database) -> int:
    with database.engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM companies co WHERE NOT EXISTS "
                              "(SELECT 1 FROM service_users u WHERE u.company_id = co.id)")).scalar_one()


def test_a_refused_service_user_makes_no_company(database, settings, session, tmp_path):
    # A station database whose ids overlap the national series: its service users whose ids are the national
    # station's are refused before their companies are found or made by NPWP, so neither the sync nor each night's
    # reconciliation (which fetches them again) leaves a company nobody belongs to.
    national, own = f"sqlite:///{tmp_path / 'national.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    small_simulator(national, days=1, seed=7, offices=1)
    own_station_simulator(own, 0)
    assert sync.run_sync(database, national, configured_url=national)["status"] == "success"
    with database.engine.connect() as c:
        taken = set(c.execute(text("SELECT source_id FROM service_users")).scalars())
    refused = min(taken)
    engine = create_engine(own)
    with engine.begin() as c:  # one of its companies takes that id, with no valid NPWP: a company of its own each time
        first = select(func.min(iq.pengguna_jasa.c.id_pengguna_jasa)).scalar_subquery()
        c.execute(iq.ptk.update().where(iq.ptk.c.id_pengguna_jasa == first).values(id_pengguna_jasa=refused))
        c.execute(iq.pengguna_jasa.update().where(iq.pengguna_jasa.c.id_pengguna_jasa == first)
                  .values(id_pengguna_jasa=refused, npwp="-"))
    engine.dispose()
    _station_with_its_own_database(session, own)
    before = _companies_of_nobody(database)
    result = sync.run_sync(database, own, cursor_scope="2000:", configured_url=national)
    assert result["status"] == "success" and any(
        f"id {refused} sudah dipakai catatan UPT 0300" in error["reason"] for error in result["errors"])
    assert _companies_of_nobody(database) == before == 0
    for _night in range(2):
        assert sync.run_reconcile(database, own, configured_url=national)["status"] == "success"
    assert _companies_of_nobody(database) == 0


def test_a_station_pointed_at_the_configured_iqfast_is_the_configured_iqfast_s(database, settings, session, tmp_path):
    # An office whose own database is the configured IQFast itself (read once, as the configured source): that URL
    # still holds every station's records, not only that office's.
    national = f"sqlite:///{tmp_path / 'national.db'}"
    small_simulator(national, days=1, seed=7, offices=2)
    _station_with_its_own_database(session, national)
    settings = settings.model_copy(update={"iqfast_url": national, "iqfast_export_dir": ""})
    [result] = sync.sync_from_settings(database, settings)
    assert result["status"] == "success" and result["rows_rejected"] == 0, result["errors"][:3]
    assert _records_of(database, "0300") and _records_of(database, "2000")
    [nightly] = sync.reconcile_from_settings(database, settings)
    assert nightly["status"] == "success" and nightly["rows_rejected"] == 0


def test_an_export_file_writes_a_station_pointed_at_the_configured_iqfast(database, settings, session, tmp_path):
    # The station's own database is the configured IQFast: an export file of its records fills that source's.
    national = f"sqlite:///{tmp_path / 'national.db'}"
    small_simulator(national, days=1, seed=7, offices=2)
    _station_with_its_own_database(session, national)
    settings = settings.model_copy(update={"iqfast_url": national, "iqfast_export_dir": ""})
    assert [r["status"] for r in sync.sync_from_settings(database, settings)] == ["success"]
    engine = create_engine(national)
    with engine.connect() as c:
        row = c.execute(select(iq.pengguna_jasa).where(iq.pengguna_jasa.c.id_upt == 2)
                        .order_by(iq.pengguna_jasa.c.id_pengguna_jasa).limit(1)).mappings().one()
    engine.dispose()
    corrected = {**row, "alamat": "Jl. Bypass Ngurah Rai 1", "tgl_update": row["tgl_update"] + timedelta(days=1)}
    path = tmp_path / "pengguna_jasa.csv"
    path.write_text(",".join(corrected) + "\n" + ",".join(
        "" if v is None else v.strftime("%Y-%m-%d %H:%M:%S") if hasattr(v, "strftime") else str(v)
        for v in corrected.values()) + "\n", encoding="utf-8")
    result = export_files.import_export_file(database, str(path), path.name, "test", configured_url=national)
    assert (result["status"], result["rows_loaded"], result["errors"]) == ("success", 1, [])


def test_a_station_its_own_database_does_not_name_fails_the_run_and_nothing_is_deleted(database, settings, session,
                                                                                       tmp_path):
    # Reads of an office's own database keep to its station's code: were the code missing there (mistyped when the
    # office was added, renamed in IQFast), they would find nothing and the nightly comparison would take every
    # record of the station as deleted. The runs fail instead, saying why.
    national, own, settings = _synced_with_an_own_database(database, settings, session, tmp_path)
    station = _records_of(database, "2000")
    engine = create_engine(own)
    with engine.begin() as c:
        c.execute(iq.m_upt.update().where(iq.m_upt.c.kode_upt == "2000").values(kode_upt="2999"))
    engine.dispose()

    failed = sync.run_sync(database, own, cursor_scope="2000:", configured_url=national)
    nightly = sync.run_reconcile(database, own, configured_url=national)
    for result in (failed, nightly):
        assert result["status"] == "failed" and "UPT 2000 tidak ada di m_upt" in result["error"], result
    assert _records_of(database, "2000") == station
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}


def test_each_sources_first_load_derives_the_stages_of_its_own_stations_applications_from_their_events(
        database, settings, session, tmp_path):
    # Each source's run derives the stage columns of the applications it wrote: the national IQFast every station's
    # but 2000's, station 2000's own database only its own, each from its own events.
    national, own, _settings = _synced_with_an_own_database(database, settings, session, tmp_path)
    ours = derived_stages(database)
    from_national = {key: value for key, value in expected_stages(national).items() if key in ours}
    from_own = expected_stages(own)
    assert from_own and from_national and set(from_own) | set(from_national) == set(ours)
    assert ours == {**from_national, **from_own}


def test_the_nightly_reconciliation_leaves_a_station_the_configured_iqfast_has_no_application_of_alone(
        database, settings, session, tmp_path):
    # A station fed by export files only, or held by another IQFast: the configured IQFast lists it in m_upt (a
    # national code list) but holds none of its applications. Compared with nothing, every record of it was marked
    # deleted each night; a deletion at a station it does hold is still found.
    national = f"sqlite:///{tmp_path / 'national.db'}"
    small_simulator(national, days=1, seed=7, offices=2)
    assert sync.run_sync(database, national)["status"] == "success"
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}
    engine = create_engine(national)
    with engine.begin() as c:
        station = select(iq.m_upt.c.id_upt).where(iq.m_upt.c.kode_upt == "2000").scalar_subquery()
        theirs = select(iq.ptk.c.id_ptk).where(iq.ptk.c.id_upt == station)
        for table in iq.metadata.sorted_tables:  # the station's applications and what hangs on them leave it
            if "id_ptk" in table.c and table.name != "ptk":
                c.execute(delete(table).where(table.c.id_ptk.in_(theirs)))
        c.execute(delete(iq.ptk).where(iq.ptk.c.id_upt == station))
        first_of_0300 = select(func.min(iq.ptk.c.id_ptk)).where(iq.ptk.c.id_upt != station).scalar_subquery()
        c.execute(delete(iq.ptk).where(iq.ptk.c.id_ptk == first_of_0300))
    engine.dispose()
    result = sync.run_reconcile(database, national, configured_url=national)
    assert result["status"] == "success"
    assert _deleted_by_office(database) == {"0300": 1, "2000": 0}
    # Said on the sync page's run ("Keterangan"): a station IQFast purged whole must not go unseen.
    assert "UPT 2000: sumber ini tidak memuat satu pun permohonannya" in result["error"]
    assert result["rows_rejected"] == 0
