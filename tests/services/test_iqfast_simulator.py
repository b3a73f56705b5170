"""The IQFast simulator: deterministic, shaped like the design, the same on every backend."""

import hashlib
import shutil
import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import psycopg2
import pymysql
import pytest
from sqlalchemy import Numeric, create_engine, func, select

from portal.iqfast import schema
from iqfast_sim.simulator import (
    NEXT_STAGES,
    STAGE_CODES,
    detention_risk,
    init_simulator,
    repeat_offenders,
    simulator_clock,
    tick,
)

END = datetime(2026, 3, 2, 10, 0)  # a Monday morning, WIB
TERMINAL = {STAGE_CODES[name] for name in ("handed_over", "refused", "destroyed")}


# ---------------------------------------------------------------- helpers


def table_checksums(url: str) -> dict[str, str]:
    """A digest of each table's content, equal across backends when the data are equal."""
    engine = create_engine(url)
    sums = {}
    try:
        with engine.connect() as conn:
            for table in schema.metadata.sorted_tables:
                rows = sorted(
                    tuple(_normal(value, column) for value, column in zip(row, table.columns))
                    for row in conn.execute(select(table))
                )
                sums[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    finally:
        engine.dispose()
    return sums


def _normal(value, column) -> str:
    """Backends return the same value in different shapes: Decimal scale, float, None."""
    if value is None:
        return "NULL"
    if isinstance(column.type, Numeric):
        return str(Decimal(value).quantize(Decimal(10) ** -column.type.scale))
    return repr(value)


def query(url: str, statement):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(statement).all()
    finally:
        engine.dispose()


def sqlite_url(path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def clean_database():
    """Override tests/conftest.py's cleanup: these tests never touch Q-Corner's own database,
    so they should not make the suite create, migrate and truncate one for them."""
    yield


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory):
    """Fourteen days of one station, shared read-only by the shape tests."""
    url = sqlite_url(tmp_path_factory.mktemp("iqfast") / "fortnight.db")
    summary = init_simulator(url, days=14, seed=7, end=END)
    return url, summary


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """Two days plus an hour's tick on SQLite: what every other backend must reproduce."""
    url = sqlite_url(tmp_path_factory.mktemp("iqfast") / "reference.db")
    init_simulator(url, days=2, seed=11, end=END)
    tick(url, minutes=60)
    return table_checksums(url)


# ---------------------------------------------------------------- determinism


def test_same_seed_and_end_give_identical_tables(tmp_path):
    first, second, other = (sqlite_url(tmp_path / f"{name}.db") for name in ("a", "b", "c"))
    init_simulator(first, days=3, seed=5, end=END)
    init_simulator(second, days=3, seed=5, end=END)
    init_simulator(other, days=3, seed=6, end=END)

    reference = table_checksums(first)
    assert table_checksums(second) == reference
    differing = {name for name, digest in table_checksums(other).items() if digest != reference[name]}
    assert {"ptk", "riwayat_ptk", "pengguna_jasa", "billing"} <= differing


def test_tick_is_deterministic_given_the_state(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    init_simulator(sqlite_url(first), days=2, seed=5, end=END)
    shutil.copy(first, second)

    results = [tick(sqlite_url(path), minutes=240) for path in (first, second)]

    assert results[0] == results[1]
    assert table_checksums(sqlite_url(first)) == table_checksums(sqlite_url(second))


# ---------------------------------------------------------------- shape of the history


def test_volumes_and_shares_follow_the_design(fortnight):
    url, summary = fortnight
    p = schema.ptk
    applications = summary["ptk"]
    sections = dict(query(url, select(p.c.jenis_karantina, func.count()).group_by(p.c.jenis_karantina)))
    directions = dict(query(url, select(p.c.jenis_permohonan, func.count()).group_by(p.c.jenis_permohonan)))
    per_user = sorted(
        (n for _, n in query(url, select(p.c.id_pengguna_jasa, func.count()).group_by(p.c.id_pengguna_jasa))),
        reverse=True,
    )

    assert 0.85 * 300 * 14 < applications < 1.15 * 300 * 14
    assert 0.35 < sections["H"] / applications < 0.45
    assert 0.50 < directions["EX"] / applications < 0.60
    assert 0.25 < directions["IM"] / applications < 0.35
    assert 0.11 < (directions["DK"] + directions["DM"]) / applications < 0.19
    assert 1.3 < summary["ptk_komoditas"] / applications < 1.7
    assert 7.0 < summary["riwayat_ptk"] / applications < 8.5
    assert sum(per_user[:10]) / applications > 0.3  # a handful of users make most applications
    assert summary["pengguna_jasa"] == 3000
    assert 200 <= summary["ppjk"] <= 400


def assert_histories_follow_the_graph(url: str) -> None:
    """Every application starts submitted, moves along NEXT_STAGES, with naive times in id order."""
    h = schema.riwayat_ptk
    events: dict[int, list] = {}
    for id_ptk, code, moment in query(url, select(h.c.id_ptk, h.c.kode_status, h.c.waktu).order_by(h.c.id_riwayat)):
        events.setdefault(id_ptk, []).append((code, moment))

    assert events
    for id_ptk, history in events.items():
        codes = [code for code, _ in history]
        times = [moment for _, moment in history]
        assert codes[0] == STAGE_CODES["submitted"], id_ptk
        assert all(moment.tzinfo is None and moment.microsecond == 0 for moment in times)
        assert times == sorted(times), id_ptk
        # A duplicated event (an error a later tick deletes) repeats the stage just recorded,
        # within half a minute; anything else repeated means init and tick planned differently.
        repeats = [i for i in range(1, len(codes)) if codes[i] == codes[i - 1]]
        assert all(times[i] - times[i - 1] <= timedelta(seconds=30) for i in repeats), id_ptk
        stages = [code for i, code in enumerate(codes) if i not in repeats]
        for before, after in zip(stages, stages[1:]):
            assert after in NEXT_STAGES[before], (id_ptk, stages)


def test_stage_sequences_follow_the_graph_with_naive_monotonic_times(fortnight):
    assert_histories_follow_the_graph(fortnight[0])


def test_recent_applications_are_still_open_at_various_stages(fortnight):
    url, _ = fortnight
    h = schema.riwayat_ptk
    last = {}
    for id_ptk, code in query(url, select(h.c.id_ptk, h.c.kode_status).order_by(h.c.id_riwayat)):
        last[id_ptk] = code
    open_stages = Counter(code for code in last.values() if code not in TERMINAL)

    assert 0.85 < sum(code in TERMINAL for code in last.values()) / len(last) < 0.99
    assert len(open_stages) >= 5


def test_bills_and_certificates_follow_the_stages(fortnight):
    url, _ = fortnight
    h, bill, cert = schema.riwayat_ptk, schema.billing, schema.sertifikat
    reached = {}
    for id_ptk, code, moment in query(url, select(h.c.id_ptk, h.c.kode_status, h.c.waktu).order_by(h.c.id_riwayat)):
        reached.setdefault((id_ptk, code), moment)
    bills = {row.id_ptk: row for row in query(url, select(bill))}
    drafts = {row.id_ptk for row in query(url, select(cert).where(cert.c.is_draft == 1))}
    finals = {row.id_ptk: row for row in query(url, select(cert).where(cert.c.is_draft == 0))}

    assert set(bills) == {id_ptk for id_ptk, code in reached if code == STAGE_CODES["billed"]}
    paid = {id_ptk: moment for (id_ptk, code), moment in reached.items() if code == STAGE_CODES["paid"]}
    assert {i for i, row in bills.items() if row.status_bayar == 1} == set(paid)
    assert all(bills[i].tgl_bayar == moment and len(bills[i].ntpn) == 16 for i, moment in paid.items())
    assert drafts == {id_ptk for id_ptk, code in reached if code == STAGE_CODES["draft_certificate"]}
    assert set(finals) == {id_ptk for id_ptk, code in reached if code == STAGE_CODES["certified"]}
    assert all(row.no_sertifikat for row in finals.values())


def test_3p_records_match_their_stage_events_and_concentrate_in_repeat_offenders(fortnight):
    url, _ = fortnight
    h, p = schema.riwayat_ptk, schema.ptk
    offenders = set(repeat_offenders(url))
    for table, stage in ((schema.penahanan, "detained"), (schema.penolakan, "refused"), (schema.pemusnahan, "destroyed")):
        recorded = {row.id_ptk for row in query(url, select(table.c.id_ptk))}
        staged = {row.id_ptk for row in query(url, select(h.c.id_ptk).where(h.c.kode_status == STAGE_CODES[stage]))}
        assert recorded == staged, stage
    detained_users = [row.id_pengguna_jasa for row in query(
        url, select(p.c.id_pengguna_jasa).join(schema.penahanan, schema.penahanan.c.id_ptk == p.c.id_ptk))]

    assert 3 <= len(offenders) <= 10
    assert detained_users
    assert sum(user in offenders for user in detained_users) / len(detained_users) >= 0.5


def test_risky_user_and_commodity_pairs_are_detained_far_more_often_than_the_rest(fortnight):
    """The hidden risk sits on (service user, main commodity) pairs, so history predicts the next 3P."""
    url, _ = fortnight
    p, line, commodity = schema.ptk, schema.ptk_komoditas, schema.m_komoditas
    rows = query(url, select(p.c.id_ptk, p.c.id_pengguna_jasa, commodity.c.kode_komoditas)
                 .join(line, (line.c.id_ptk == p.c.id_ptk) & (line.c.urut == 1))
                 .join(commodity, commodity.c.id_komoditas == line.c.id_komoditas))
    detained = {row.id_ptk for row in query(url, select(schema.penahanan.c.id_ptk))}
    risk = detention_risk(url, sorted({(row.id_pengguna_jasa, row.kode_komoditas) for row in rows}))
    counts = {"risky": [0, 0], "other": [0, 0]}  # [applications, detained]
    for row in rows:
        kind = "risky" if risk[(row.id_pengguna_jasa, row.kode_komoditas)] >= 0.03 else "other"
        counts[kind][0] += 1
        counts[kind][1] += row.id_ptk in detained

    rate = {kind: detained_count / applications for kind, (applications, detained_count) in counts.items()}
    assert counts["risky"][1] >= 5
    assert rate["risky"] >= 10 * rate["other"]
    assert counts["risky"][0] < 0.05 * (counts["risky"][0] + counts["other"][0])


def test_more_offices_add_smaller_stations_in_other_time_zones(tmp_path):
    url = sqlite_url(tmp_path / "offices.db")
    init_simulator(url, days=2, seed=2, offices=3, end=END)
    office, p = schema.m_upt, schema.ptk

    zones = [row.zona_waktu for row in query(url, select(office.c.zona_waktu).order_by(office.c.id_upt))]
    volumes = dict(query(url, select(p.c.id_upt, func.count()).group_by(p.c.id_upt)))
    result = tick(url, minutes=120)

    assert zones == ["WIB", "WITA", "WIT"]
    assert volumes[1] > volumes[2] > volumes[3] > 0
    assert result["inserted"]["ptk"] > 0
    assert {1, 2, 3} == {row.id_upt for row in query(url, select(schema.pengguna_jasa.c.id_upt).distinct())}


# ---------------------------------------------------------------- ticks


def test_tick_advances_the_clock_and_moves_applications_on(tmp_path):
    url = sqlite_url(tmp_path / "tick.db")
    init_simulator(url, days=3, seed=3, end=END)
    h = schema.riwayat_ptk
    before = {row.id_ptk for row in query(url, select(h.c.id_ptk))}

    result = tick(url, minutes=60)

    assert result["clock"] == END + timedelta(minutes=60) == simulator_clock(url)
    assert result["inserted"]["ptk"] > 0
    progressed = query(url, select(h.c.id_ptk).where(h.c.tgl_update > END).where(h.c.kode_status != STAGE_CODES["submitted"]))
    assert {row.id_ptk for row in progressed} & before  # applications open before the tick moved on
    for table in schema.metadata.sorted_tables:
        if "tgl_update" in table.c:
            (latest,) = query(url, select(func.max(table.c.tgl_update)))[0]
            assert latest is None or latest <= result["clock"], table.name
    # The tick continued each plan where init stopped: no stage repeated, skipped or reordered.
    tick(url, minutes=24 * 60)
    assert_histories_follow_the_graph(url)


CORRECTED_TABLES = {
    "consignee_address": schema.ptk,
    "commodity_volume": schema.ptk_komoditas,
    "stage_time": schema.riwayat_ptk,
    "bill_amount": schema.billing,
    "service_user_contact": schema.pengguna_jasa,
}


def test_corrections_bump_the_update_time_of_older_rows(tmp_path):
    url = sqlite_url(tmp_path / "day.db")
    init_simulator(url, days=5, seed=3, end=END)
    newest_before = {kind: query(url, select(func.max(table.primary_key.columns[0])))[0][0]
                     for kind, table in CORRECTED_TABLES.items()}

    result = tick(url, minutes=24 * 60)

    assert sum(result["corrections"].values()) > 0
    for kind in result["corrections"]:
        table = CORRECTED_TABLES[kind]
        key = table.primary_key.columns[0]
        touched = query(url, select(key).where(key <= newest_before[kind], table.c.tgl_update > END))
        assert touched, kind
        assert result["updated"][table.name] >= result["corrections"][kind]


def test_deleted_duplicates_leave_gaps_and_ids_are_never_reused(tmp_path):
    url = sqlite_url(tmp_path / "day.db")
    init_simulator(url, days=5, seed=3, end=END)
    h = schema.riwayat_ptk

    result = tick(url, minutes=24 * 60)
    tick(url, minutes=5)

    deleted = result["deleted"]["riwayat_ptk"]
    rows, highest = query(url, select(func.count(), func.max(h.c.id_riwayat)))[0]
    assert deleted > 0
    assert highest - rows == deleted  # no gap but the deleted rows, none refilled by the next tick


def test_tick_needs_an_initialised_database(tmp_path):
    with pytest.raises(RuntimeError, match="init_simulator"):
        tick(sqlite_url(tmp_path / "empty.db"))


# ---------------------------------------------------------------- other backends


def _postgresql_server():
    server = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    server.autocommit = True
    return server


# backend → (a connection to its server, CREATE DATABASE, the database's URL, DROP DATABASE), each with the name.
SERVERS = {
    "mariadb": (lambda: pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True),
                "CREATE DATABASE {} CHARACTER SET utf8mb4", "mysql+pymysql://root@127.0.0.1:3306/{}?charset=utf8mb4",
                "DROP DATABASE IF EXISTS {}"),
    "postgresql": (_postgresql_server, "CREATE DATABASE {}", "postgresql+psycopg2://postgres@127.0.0.1:5432/{}",
                   "DROP DATABASE IF EXISTS {} WITH (FORCE)"),
}


@pytest.mark.parametrize("backend", SERVERS)
def test_other_backends_give_the_same_data_as_sqlite(reference_run, backend):
    connect, create, url, drop = SERVERS[backend]
    name = f"iqfast_sim_{uuid.uuid4().hex[:12]}"
    server = connect()
    try:
        with server.cursor() as cursor:
            cursor.execute(create.format(name))
        init_simulator(url.format(name), days=2, seed=11, end=END)
        tick(url.format(name), minutes=60)
        assert table_checksums(url.format(name)) == reference_run
    finally:
        with server.cursor() as cursor:
            cursor.execute(drop.format(name))
        server.close()


def test_a_foreign_trading_partner_never_repeats_its_name_s_word():
    """"Green Valley Green Valley Joint Stock Company", "Eastern Eastern Trading Est." on a service user's card: two
    draws of the same word."""
    from iqfast_sim import simulator

    foreign = [port[0] for port in simulator.PORTS if port[3] != "ID"]
    names = [simulator._partner(seed, user, port, number)[0] for seed in range(40) for user in range(5)
             for port in foreign[:3] for number in range(3)]
    assert names and not [name for name in names if any(f"{word} {word}" in name for word in simulator.FOREIGN_WORDS)]


def test_a_domestic_certificates_additional_declaration_is_in_indonesian(tmp_path):
    """A KT-3 draft for a consignment within Indonesia carried "The consignment is free from soil and plant debris."."""
    import sqlite3

    from iqfast_sim.simulator import ADDITIONAL_DECLARATIONS, DOMESTIC_DECLARATIONS, init_simulator

    path = tmp_path / "sim.db"
    init_simulator(f"sqlite:///{path}", days=20, seed=3, offices=1)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT p.jenis_permohonan, s.deklarasi_tambahan FROM sertifikat s "
                          "JOIN ptk p ON p.id_ptk = s.id_ptk WHERE s.deklarasi_tambahan IS NOT NULL").fetchall()
    english = {text for texts in ADDITIONAL_DECLARATIONS.values() for text in texts}
    indonesian = {text for texts in DOMESTIC_DECLARATIONS.values() for text in texts}
    domestic = [text for kind, text in rows if kind in ("DK", "DM")]
    abroad = [text for kind, text in rows if kind in ("EX", "IM")]
    assert domestic and abroad
    assert set(domestic) <= indonesian and set(abroad) <= english
