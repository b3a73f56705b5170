"""One company across offices (issue #19): records matched by NPWP, the sync's linking, and the admin's audited,
reversible, version-checked merge/split."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text

from models import AuditLog, Company, CompanyLinkChange, Office, ServiceUser
from portal.migrate import alembic_config
from portal.services import companies
from portal.iqfast.mapping import mappings_for
from portal.services.sync.store import Writer
from portal.validation import InvalidInput, StaleEdit
from support.factories import gen_service_user


def _second_office(session, code: str = "2000") -> int:
    office = Office(code=code, name="Balai Besar Karantina Pertanian Denpasar", timezone="Asia/Makassar")
    session.add(office)
    session.flush()
    return office.id


def test_records_with_one_npwp_at_two_offices_are_one_company(session):
    denpasar = _second_office(session)
    jakarta = gen_service_user(session, tax_id="01.234.567.8-901.000")
    bali = gen_service_user(session, tax_id="012345678901000", office_id=denpasar)
    other = gen_service_user(session, tax_id="01.234.567.8-901.001", office_id=denpasar)
    assert companies.company_of(session, jakarta.id) == companies.company_of(session, bali.id)
    assert companies.company_of(session, other.id) != jakarta.company_id
    records = companies.records_of(session, jakarta.company_id)
    assert [(r.service_user_id, r.office_code) for r in records] == [(jakarta.id, "0300"), (bali.id, "2000")]


def test_an_invalid_npwp_is_never_matched_across_offices(session):
    denpasar = _second_office(session)
    first = gen_service_user(session, tax_id="01.234.567.8-90.000")  # 14 digits
    second = gen_service_user(session, tax_id="01.234.567.8-90.000", office_id=denpasar)
    assert first.company_id != second.company_id
    assert session.get(Company, first.company_id).npwp is None


def _write_users(session, rows):
    """Rows through the sync's own writer, as a batch of pengguna_jasa: (source id, office id, name, NPWP)."""
    spec = next(s for s in mappings_for("pengguna_jasa") if s.target == "service_users")
    columns = spec.row_columns
    mapped = []
    for source_id, office_id, name, npwp in rows:
        values = dict.fromkeys(columns)
        values.update(source_id=source_id, office_id=office_id, name=name, tax_id=npwp, blocked=False)
        mapped.append(tuple(values[c] for c in columns))
    writer = Writer(session.connection())
    result = writer.write(spec, mapped)
    session.expire_all()
    return result


def test_sync_links_a_batch_by_npwp_and_relinks_when_the_npwp_changes(session):
    denpasar = _second_office(session)
    jakarta = session.scalar(select(Office.id).where(Office.code == "0300"))
    _write_users(session, [(501, jakarta, "PT Sari Buah", "01.234.567.8-901.000"),
                           (502, denpasar, "PT SARI BUAH", "01 234 567 8 901 000"),
                           (503, denpasar, "CV Lain", "3201234567890123")])
    by_source = {u.source_id: u for u in session.scalars(select(ServiceUser))}
    assert by_source[501].company_id == by_source[502].company_id != by_source[503].company_id
    assert session.get(Company, by_source[501].company_id).npwp == "0012345678901000"

    _write_users(session, [(502, denpasar, "PT SARI BUAH", "3201.2345.6789.0123")])  # corrected in IQFast
    assert session.get(ServiceUser, by_source[502].id).company_id == by_source[503].company_id
    change = session.scalars(select(CompanyLinkChange)).one()
    assert (change.service_user_id, change.from_company_id, change.to_company_id) == (
        by_source[502].id, by_source[501].company_id, by_source[503].company_id)


def test_sync_keeps_a_record_an_admin_moved_while_its_npwp_stays(session):
    denpasar = _second_office(session)
    jakarta = session.scalar(select(Office.id).where(Office.code == "0300"))
    _write_users(session, [(601, jakarta, "PT Kopi", "01.111.222.3-444.000"),
                           (602, denpasar, "PT Kopi", "01.111.222.3-44.000")])  # a digit lost at Denpasar
    first, typo = (session.scalar(select(ServiceUser).where(ServiceUser.source_id == n)) for n in (601, 602))
    assert first.company_id != typo.company_id
    opened = companies.company_summary(session, typo.company_id)
    companies.move_record(session, None, "admin", service_user_id=typo.id, to_company_id=first.company_id,
                          version=opened["version"], reason="NPWP salah ketik di IQFast Denpasar")
    _write_users(session, [(602, denpasar, "PT Kopi Bali", "01.111.222.3-44.000")])  # renamed, same NPWP
    assert session.get(ServiceUser, typo.id).company_id == first.company_id


def test_move_split_and_undo_are_audited_and_reversible(session):
    denpasar = _second_office(session)
    a = gen_service_user(session, tax_id="01.234.567.8-901.000")
    b = gen_service_user(session, tax_id="012345678901000", office_id=denpasar)
    shared = a.company_id
    version = companies.company_summary(session, shared)["version"]
    split = companies.split_record(session, None, "admin", service_user_id=b.id, version=version,
                                   reason="Perusahaan berbeda, NPWP dipakai ulang")
    assert session.get(ServiceUser, b.id).company_id == split["to_company_id"] != shared
    changes, total = companies.history(session, shared)
    assert total == 1 and changes[0].reason == "Perusahaan berbeda, NPWP dipakai ulang" and not changes[0].undone

    undone = companies.undo_change(session, None, "admin", change_id=split["change_id"],
                                   version=companies.company_summary(session, split["to_company_id"])["version"])
    assert session.get(ServiceUser, b.id).company_id == shared
    assert undone["from_company_id"] == split["to_company_id"]
    changes, total = companies.history(session, shared)
    assert total == 2 and changes[1].undone and changes[0].undo_of == split["change_id"]
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "service_user")
                              .order_by(AuditLog.id)).all()
    assert actions == ["company_record_split", "company_change_undone"]
    with pytest.raises(InvalidInput) as refused:  # an undo is done once
        companies.undo_change(session, None, "admin", change_id=split["change_id"],
                              version=companies.company_summary(session, shared)["version"])
    assert "change" in refused.value.errors


def test_a_save_from_a_form_opened_before_another_change_is_refused(session):
    denpasar = _second_office(session)
    a = gen_service_user(session, tax_id="01.234.567.8-901.000")
    b = gen_service_user(session, tax_id="012345678901000", office_id=denpasar)
    c = gen_service_user(session, tax_id="01.999.999.9-999.000", office_id=denpasar)
    stale_version = companies.company_summary(session, a.company_id)["version"]
    companies.split_record(session, None, "admin1", service_user_id=b.id, version=stale_version,
                           reason="bukan perusahaan yang sama")
    with pytest.raises(StaleEdit):
        companies.move_record(session, None, "admin2", service_user_id=a.id, to_company_id=c.company_id,
                              version=stale_version, reason="salah gabung")
    assert session.get(ServiceUser, a.id).company_id != c.company_id


def test_a_change_needs_a_reason_and_a_real_target(session):
    a = gen_service_user(session, tax_id="01.234.567.8-901.000")
    version = companies.company_summary(session, a.company_id)["version"]
    with pytest.raises(InvalidInput) as refused:
        companies.move_record(session, None, "admin", service_user_id=a.id, to_company_id="999999",
                              version=version, reason="  ")
    assert set(refused.value.errors) == {"to_company", "reason"}
    with pytest.raises(InvalidInput) as alone:
        companies.split_record(session, None, "admin", service_user_id=a.id, version=version, reason="x")
    assert set(alone.value.errors) == {"service_user"}


def test_search_finds_a_company_by_any_writing_of_its_npwp_or_a_record_name(session):
    a = gen_service_user(session, tax_id="01.234.567.8-901.000", name="PT Mangga Manis")
    found, total = companies.search_companies(session, "01 234 567 8 901 000")
    assert total == 1 and found[0]["id"] == a.company_id and found[0]["records"] == 1
    assert companies.search_companies(session, "mangga")[0][0]["id"] == a.company_id


def test_migration_backfills_one_company_per_npwp(tmp_path):
    """On a scratch SQLite file at the revision before: records of several offices, then the upgrade."""
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0020n").down_revision
    command.upgrade(config, before)
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO offices (id, code, name, timezone, active) VALUES (2, '2000', 'Denpasar', "
                       "'Asia/Makassar', 1)"))
        for source_id, office, npwp in [(1, 1, "01.234.567.8-901.000"), (2, 2, "012345678901000"),
                                        (3, 2, "3201 2345 6789 0123"), (4, 1, "01.234.567.8-90.000"),
                                        (5, 2, "01.234.567.8-90.000")]:
            c.execute(text("INSERT INTO service_users (source_id, office_id, name, tax_id, blocked, synced_at) "
                           "VALUES (:s, :o, :n, :t, 0, '2026-01-01 00:00:00')"),
                      {"s": source_id, "o": office, "n": f"PT {source_id}", "t": npwp})
    command.upgrade(config, "heads")
    with engine.connect() as c:
        company = dict(c.execute(text("SELECT source_id, company_id FROM service_users")).all())
        npwps = dict(c.execute(text("SELECT id, npwp FROM companies")).all())
        nullable = {row[1]: row[3] for row in c.execute(text("PRAGMA table_info(service_users)"))}
    assert company[1] == company[2] and npwps[company[1]] == "0012345678901000"
    assert len({company[1], company[3], company[4], company[5]}) == 4
    assert npwps[company[4]] is None and npwps[company[5]] is None
    assert nullable["company_id"] == 1  # NOT NULL after the backfill
    command.downgrade(config, before)
    with engine.connect() as c:
        columns = {row[1] for row in c.execute(text("PRAGMA table_info(service_users)"))}
    assert "company_id" not in columns
    engine.dispose()


def test_sync_of_two_simulated_stations_links_their_shared_companies(database, tmp_path):
    from iqfast_sim.simulator import SHARED_COMPANY_SHARE
    from portal.services.sync import runs as sync
    from support.sync_helpers import small_simulator

    url = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(url, days=1, seed=7, offices=2)
    assert sync.run_sync(database, url)["status"] == "success"
    with database.engine.connect() as c:
        at_both = c.execute(text(
            "SELECT c.npwp, count(*) FROM companies c JOIN service_users u ON u.company_id = c.id "
            "JOIN offices o ON o.id = u.office_id GROUP BY c.id, c.npwp HAVING count(DISTINCT o.code) = 2")).all()
        second = c.execute(text("SELECT count(*) FROM service_users u JOIN offices o ON o.id = u.office_id "
                                "WHERE o.code = '2000'")).scalar()
        typed = c.execute(text("SELECT u.tax_id FROM service_users u JOIN companies c ON c.id = u.company_id "
                               "JOIN offices o ON o.id = u.office_id WHERE o.code = '2000'")).scalars().all()
    shared = round(second * SHARED_COMPANY_SHARE)
    assert len(at_both) == shared - 1  # one was typed with a digit lost: left for an admin to merge
    assert all(len(npwp) == 16 for npwp, _count in at_both)
    assert any(" " in npwp for npwp in typed) and any("." in npwp for npwp in typed)
