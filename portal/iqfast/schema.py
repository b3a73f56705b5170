"""Tables of the IQFast simulator, shaped like IQFast's own database (not like Q-Corner's).

IQFast is a MySQL application: Indonesian table and column names, DATETIME columns holding
naive WIB (server) times, codes resolved through ``m_*`` lookup tables, and no foreign-key
constraints (references are plain id or code columns). The simulator supplies every primary
key itself, so the same seed gives the same ids on SQLite, MariaDB and PostgreSQL.

Every IQFast table has an integer primary key and a ``tgl_update`` column, so an incremental
reader can page on (tgl_update, primary key). ``sim_state`` is the simulator's own bookkeeping
and is not part of IQFast: a connector must ignore it.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-numbers INTEGER PRIMARY KEY; BIGINT elsewhere, as IQFast's big tables use.
BigId = BigInteger().with_variant(Integer, "sqlite")


def _updated() -> Column:
    """The row's last-change time (naive WIB), the cursor column for incremental reads."""
    return Column("tgl_update", DateTime, nullable=False)


def _code_list(name: str, key: str, code: Column, title: str, title_length: int, *extra: Column) -> Table:
    """An ``m_*`` code list: an id, a unique code, its name, then the list's own columns."""
    return Table(
        name,
        metadata,
        Column(key, Integer, primary_key=True),
        code,
        Column(title, String(title_length), nullable=False),
        *extra,
        _updated(),
    )


def _code(name: str, type_) -> Column:
    """A code list's code column: required and unique."""
    return Column(name, type_, nullable=False, unique=True)


def _party(name: str, title: str, *columns: Column) -> Table:
    """A service user or forwarder (PPJK): an id, its home UPT, NPWP and name, then its own columns."""
    return Table(
        name,
        metadata,
        Column(f"id_{name}", Integer, primary_key=True),
        Column("id_upt", Integer, nullable=False),
        Column("npwp", String(20), nullable=False),
        Column(title, String(150), nullable=False),
        *columns,
        _updated(),
    )


def _contact() -> tuple[Column, Column]:
    """A party's e-mail and telephone, both optional."""
    return Column("email", String(150)), Column("telepon", String(30))


def _of_ptk(name: str, key: str, *columns: Column, cursor_index: bool = True) -> Table:
    """A table of rows that belong to one PTK (id_ptk, no foreign key: IQFast declares none), indexed by it and,
    for the big ones an incremental reader pages through, by tgl_update."""
    return Table(
        name,
        metadata,
        Column(key, BigId, primary_key=True),
        Column("id_ptk", BigInteger, nullable=False),
        *columns,
        _updated(),
        Index(f"ix_{name}_id_ptk", "id_ptk"),
        *([Index(f"ix_{name}_tgl_update", "tgl_update")] if cursor_index else []),
    )


def _addressee(role: str) -> tuple[Column, Column]:
    """The consignor's or consignee's name and address on a PTK (``pengirim`` / ``penerima``)."""
    return Column(f"nama_{role}", String(150), nullable=False), Column(f"alamat_{role}", String(255), nullable=False)


def _place(end: str) -> tuple[Column, Column, Column]:
    """A PTK's origin or destination (``asal`` / ``tujuan``): country, city and port."""
    return (Column(f"kode_negara_{end}", String(2), nullable=False), Column(f"kota_{end}", String(100), nullable=False),
            Column(f"id_pelabuhan_{end}", Integer, nullable=False))


# ---------------------------------------------------------------- lookup tables (m_*)

m_upt = _code_list(
    "m_upt", "id_upt", _code("kode_upt", String(4)), "nama_upt", 150,
    Column("zona_waktu", String(4), nullable=False),  # WIB / WITA / WIT
    Column("kota", String(100), nullable=False),
    Column("id_pelabuhan", Integer, nullable=False),  # the station's own airport
)
m_jenis_permohonan = _code_list(
    "m_jenis_permohonan", "id_jenis_permohonan", _code("kode", String(2)), "nama", 50)  # EX / IM / DK / DM
m_status = _code_list(
    "m_status", "id_status", _code("kode_status", SmallInteger), "nama_status", 100, Column("keterangan", String(255)))
m_satuan = _code_list("m_satuan", "id_satuan", _code("kode_satuan", String(5)), "nama_satuan", 50)
m_negara = _code_list(
    "m_negara", "id_negara", _code("kode_negara", String(2)), "nama_negara", 100)  # ISO 3166 alpha-2
m_pelabuhan = _code_list(
    "m_pelabuhan", "id_pelabuhan", _code("kode_pelabuhan", String(5)), "nama_pelabuhan", 150,  # UN/LOCODE
    Column("kota", String(100), nullable=False),
    Column("kode_negara", String(2), nullable=False),
    Column("jenis", String(1), nullable=False),  # U = udara (airport)
)
m_komoditas = _code_list(
    "m_komoditas", "id_komoditas", _code("kode_komoditas", String(10)), "nama_komoditas", 150,
    Column("nama_latin", String(150)),
    Column("kode_hs", String(12), nullable=False),
    Column("jenis_karantina", String(1), nullable=False),  # H = hewan, T = tumbuhan
    Column("kelompok", String(5), nullable=False),
    Column("kode_satuan", String(5), nullable=False),
)
m_jenis_dokumen = _code_list(
    "m_jenis_dokumen", "id_jenis_dokumen", _code("kode_dokumen", String(10)), "nama_dokumen", 150,
    Column("jenis_karantina", String(1), nullable=False),
    Column("berlaku_mulai", Date, nullable=False),
    Column("berlaku_sampai", Date),
)

# ---------------------------------------------------------------- parties

pengguna_jasa = _party(
    "pengguna_jasa", "nama",
    Column("jenis_usaha", String(20), nullable=False),  # PT / CV / UD / PERORANGAN
    Column("alamat", String(255), nullable=False),
    Column("kota", String(100), nullable=False),
    *_contact(),
    Column("diblokir", SmallInteger, nullable=False),
    Column("tgl_daftar", DateTime, nullable=False),
)
ppjk = _party("ppjk", "nama_ppjk", Column("alamat", String(255), nullable=False), *_contact())

# ---------------------------------------------------------------- applications (PTK)

ptk = Table(
    "ptk",
    metadata,
    Column("id_ptk", BigId, primary_key=True),
    Column("no_ptk", String(40), nullable=False, unique=True),
    Column("id_upt", Integer, nullable=False),
    Column("jenis_karantina", String(1), nullable=False),
    Column("jenis_permohonan", String(2), nullable=False),
    Column("id_pengguna_jasa", Integer, nullable=False),
    Column("id_ppjk", Integer),  # NULL: the service user handles its own documents
    *_addressee("pengirim"),
    *_addressee("penerima"),
    *_place("asal"),
    *_place("tujuan"),
    Column("alat_angkut", String(30), nullable=False),
    Column("nama_alat_angkut", String(100), nullable=False),
    Column("no_penerbangan", String(10), nullable=False),
    Column("no_awb", String(15), nullable=False),
    Column("tgl_pengajuan", DateTime, nullable=False),
    Column("kemasan", String(50), nullable=False),
    Column("jumlah_kemasan", Integer, nullable=False),
    Column("tanda_khusus", String(100)),
    Column("peruntukan", String(50), nullable=False),
    Column("pernyataan", Text),
    _updated(),
    Index("ix_ptk_tgl_update", "tgl_update"),
    Index("ix_ptk_tgl_pengajuan", "tgl_pengajuan"),
    Index("ix_ptk_id_pengguna_jasa", "id_pengguna_jasa"),
)

ptk_komoditas = _of_ptk(
    "ptk_komoditas", "id_ptk_komoditas",
    Column("urut", SmallInteger, nullable=False),
    Column("id_komoditas", Integer, nullable=False),
    Column("kode_hs", String(12), nullable=False),
    Column("jumlah", Numeric(14, 3), nullable=False),
    Column("kode_satuan", String(5), nullable=False),
    Column("netto_kg", Numeric(14, 3), nullable=False),
    Column("kemasan", String(50), nullable=False),
)

riwayat_ptk = _of_ptk(
    "riwayat_ptk", "id_riwayat",
    Column("kode_status", SmallInteger, nullable=False),
    Column("waktu", DateTime, nullable=False),
    Column("nama_petugas", String(100)),  # NULL for steps the service user takes online
    Column("nip_petugas", String(18)),
    Column("keterangan", String(255)),
)

# ---------------------------------------------------------------- 3P actions


def _action_table(name: str, number_column: str, date_column: str, *extra: Column) -> Table:
    """A detention, refusal or destruction register: one row per action on one PTK."""
    return _of_ptk(
        name,
        f"id_{name}",
        Column(number_column, String(40), nullable=False),
        Column(date_column, DateTime, nullable=False),
        Column("alasan", String(255), nullable=False),
        *extra,
        Column("nama_petugas", String(100), nullable=False),
        Column("nip_petugas", String(18), nullable=False),
        cursor_index=False,
    )


penahanan = _action_table(
    "penahanan",
    "no_penahanan",
    "tgl_penahanan",
    Column("hasil", String(20)),  # NULL while detained; DIBEBASKAN / DITOLAK / DIMUSNAHKAN
    Column("tgl_selesai", DateTime),
)
penolakan = _action_table(
    "penolakan", "no_penolakan", "tgl_penolakan", Column("tindak_lanjut", String(100), nullable=False)
)
pemusnahan = _action_table(
    "pemusnahan", "no_berita_acara", "tgl_pemusnahan", Column("metode", String(50), nullable=False)
)

# ---------------------------------------------------------------- billing and certificates

billing = _of_ptk(
    "billing", "id_billing",
    Column("no_kuitansi", String(40), nullable=False),
    Column("kode_billing", String(15), nullable=False),
    Column("nilai_pnbp", Numeric(15, 2), nullable=False),
    Column("tgl_billing", DateTime, nullable=False),
    Column("status_bayar", SmallInteger, nullable=False),  # 0 belum bayar, 1 lunas
    Column("tgl_bayar", DateTime),
    Column("ntpn", String(16)),
)

sertifikat = _of_ptk(
    "sertifikat", "id_sertifikat",
    Column("kode_dokumen", String(10), nullable=False),
    Column("no_sertifikat", String(50)),  # NULL on a draft: the number comes with the signature
    Column("is_draft", SmallInteger, nullable=False),
    Column("tgl_terbit", DateTime, nullable=False),
    Column("metode_perlakuan", String(100)),
    Column("tgl_perlakuan", Date),
    Column("dosis_perlakuan", String(50)),
    Column("deklarasi_tambahan", Text),
    Column("nama_penandatangan", String(100)),
    Column("nip_penandatangan", String(18)),
)

# ---------------------------------------------------------------- the simulator's own state

sim_state = Table(
    "sim_state",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", String(255), nullable=False),
)
