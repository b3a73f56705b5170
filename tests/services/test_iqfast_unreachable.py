"""When IQFast cannot be reached or read, the run's error says why in the officers' words before the driver's own:
"timed out" or "Connection refused" alone left an officer unable to tell a network fault from a wrong password."""
from __future__ import annotations

import sqlite3

import pytest

from portal.iqfast.sql_source import SourceUnavailable, SqlSource, explained


def _refusal(url: str) -> str:
    source = SqlSource(url)
    try:
        with pytest.raises(SourceUnavailable) as refused:
            source.check()
    finally:
        source.close()
    return str(refused.value)


def test_a_closed_port_is_said_to_refuse_the_connection_and_the_drivers_words_are_kept():
    message = _refusal("mysql+pymysql://qcorner_ro@127.0.0.1:1/iqfast")
    assert message.startswith("IQFast tidak dapat dihubungi (")
    assert "koneksi ditolak: server IQFast mati atau alamat/port salah — (2003," in message
    assert "refused" in message  # the driver's line, for whoever fixes it


def test_a_wrong_user_on_mariadb_is_said_to_be_refused_its_name_or_password():
    message = _refusal("mysql+pymysql://qcorner_tidak_ada:salah@127.0.0.1:3306/iqfast")
    assert "nama pengguna atau kata sandi IQFast ditolak — (1045," in message


def test_a_file_without_iqfasts_tables_is_said_to_be_the_wrong_database(tmp_path):
    path = tmp_path / "bukan-iqfast.db"
    sqlite3.connect(path).execute("CREATE TABLE catatan (id INTEGER)").connection.close()
    assert "tabel IQFast tidak ditemukan (basis data yang salah?) — no such table: m_upt" in _refusal(
        f"sqlite:///{path}")


@pytest.mark.parametrize("driver_line, cause", [
    ("(2003, \"Can't connect to MySQL server on '10.30.0.15' (timed out)\")", "waktu tunggu habis"),
    ("connection to server at \"10.30.0.15\", port 5432 failed: timeout expired", "waktu tunggu habis"),
    ("could not translate host name \"iqfast.lokal\" to address: Name or service not known",
     "nama server IQFast tidak dikenal"),
    ("(2013, 'Lost connection to MySQL server during query')", "koneksi ke IQFast terputus"),
    ("FATAL:  database \"iqfast\" does not exist", "basis data IQFast tidak ada di server itu"),
])
def test_the_usual_causes_are_named_before_the_drivers_line(driver_line, cause):
    assert explained(driver_line) == f"{explained(driver_line).split(' — ')[0]} — {driver_line}"
    assert explained(driver_line).startswith(cause)


def test_an_unusual_error_is_left_as_the_driver_said_it():
    assert explained("(1205, 'Lock wait timeout exceeded')").startswith("(1205")  # no guess at a cause
