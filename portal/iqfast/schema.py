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


# ---------------------------------------------------------------- lookup tables (m_*)

m_upt = Table(
    "m_upt",
    metadata,
    Column("id_upt", Integer, primary_key=True),
    Column("kode_upt", String(4), nullable=False, unique=True),
    Column("nama_upt", String(150), nullable=False),
    Column("zona_waktu", String(4), nullable=False),  # WIB / WITA / WIT
    Column("kota", String(100), nullable=False),
    Column("id_pelabuhan", Integer, nullable=False),  # the station's own airport
    _updated(),
)

m_jenis_permohonan = Table(
    "m_jenis_permohonan",
    metadata,
    Column("id_jenis_permohonan", Integer, primary_key=True),
    Column("kode", String(2), nullable=False, unique=True),  # EX / IM / DK / DM
    Column("nama", String(50), nullable=False),
    _updated(),
)

m_status = Table(
    "m_status",
    metadata,
    Column("id_status", Integer, primary_key=True),
    Column("kode_status", SmallInteger, nullable=False, unique=True),
    Column("nama_status", String(100), nullable=False),
    Column("keterangan", String(255)),
    _updated(),
)

m_satuan = Table(
    "m_satuan",
    metadata,
    Column("id_satuan", Integer, primary_key=True),
    Column("kode_satuan", String(5), nullable=False, unique=True),
    Column("nama_satuan", String(50), nullable=False),
    _updated(),
)

m_negara = Table(
    "m_negara",
    metadata,
    Column("id_negara", Integer, primary_key=True),
    Column("kode_negara", String(2), nullable=False, unique=True),  # ISO 3166 alpha-2
    Column("nama_negara", String(100), nullable=False),
    _updated(),
)

m_pelabuhan = Table(
    "m_pelabuhan",
    metadata,
    Column("id_pelabuhan", Integer, primary_key=True),
    Column("kode_pelabuhan", String(5), nullable=False, unique=True),  # UN/LOCODE
    Column("nama_pelabuhan", String(150), nullable=False),
    Column("kota", String(100), nullable=False),
    Column("kode_negara", String(2), nullable=False),
    Column("jenis", String(1), nullable=False),  # U = udara (airport)
    _updated(),
)

m_komoditas = Table(
    "m_komoditas",
    metadata,
    Column("id_komoditas", Integer, primary_key=True),
    Column("kode_komoditas", String(10), nullable=False, unique=True),
    Column("nama_komoditas", String(150), nullable=False),
    Column("nama_latin", String(150)),
    Column("kode_hs", String(12), nullable=False),
    Column("jenis_karantina", String(1), nullable=False),  # H = hewan, T = tumbuhan
    Column("kelompok", String(5), nullable=False),
    Column("kode_satuan", String(5), nullable=False),
    _updated(),
)

m_jenis_dokumen = Table(
    "m_jenis_dokumen",
    metadata,
    Column("id_jenis_dokumen", Integer, primary_key=True),
    Column("kode_dokumen", String(10), nullable=False, unique=True),
    Column("nama_dokumen", String(150), nullable=False),
    Column("jenis_karantina", String(1), nullable=False),
    Column("berlaku_mulai", Date, nullable=False),
    Column("berlaku_sampai", Date),
    _updated(),
)

# ---------------------------------------------------------------- parties

pengguna_jasa = Table(
    "pengguna_jasa",
    metadata,
    Column("id_pengguna_jasa", Integer, primary_key=True),
    Column("id_upt", Integer, nullable=False),
    Column("npwp", String(20), nullable=False),
    Column("nama", String(150), nullable=False),
    Column("jenis_usaha", String(20), nullable=False),  # PT / CV / UD / PERORANGAN
    Column("alamat", String(255), nullable=False),
    Column("kota", String(100), nullable=False),
    Column("email", String(150)),
    Column("telepon", String(30)),
    Column("diblokir", SmallInteger, nullable=False),
    Column("tgl_daftar", DateTime, nullable=False),
    _updated(),
)

ppjk = Table(
    "ppjk",
    metadata,
    Column("id_ppjk", Integer, primary_key=True),
    Column("id_upt", Integer, nullable=False),
    Column("npwp", String(20), nullable=False),
    Column("nama_ppjk", String(150), nullable=False),
    Column("alamat", String(255), nullable=False),
    Column("email", String(150)),
    Column("telepon", String(30)),
    _updated(),
)

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
    Column("nama_pengirim", String(150), nullable=False),
    Column("alamat_pengirim", String(255), nullable=False),
    Column("nama_penerima", String(150), nullable=False),
    Column("alamat_penerima", String(255), nullable=False),
    Column("kode_negara_asal", String(2), nullable=False),
    Column("kota_asal", String(100), nullable=False),
    Column("id_pelabuhan_asal", Integer, nullable=False),
    Column("kode_negara_tujuan", String(2), nullable=False),
    Column("kota_tujuan", String(100), nullable=False),
    Column("id_pelabuhan_tujuan", Integer, nullable=False),
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

ptk_komoditas = Table(
    "ptk_komoditas",
    metadata,
    Column("id_ptk_komoditas", BigId, primary_key=True),
    Column("id_ptk", BigInteger, nullable=False),
    Column("urut", SmallInteger, nullable=False),
    Column("id_komoditas", Integer, nullable=False),
    Column("kode_hs", String(12), nullable=False),
    Column("jumlah", Numeric(14, 3), nullable=False),
    Column("kode_satuan", String(5), nullable=False),
    Column("netto_kg", Numeric(14, 3), nullable=False),
    Column("kemasan", String(50), nullable=False),
    _updated(),
    Index("ix_ptk_komoditas_id_ptk", "id_ptk"),
    Index("ix_ptk_komoditas_tgl_update", "tgl_update"),
)

riwayat_ptk = Table(
    "riwayat_ptk",
    metadata,
    Column("id_riwayat", BigId, primary_key=True),
    Column("id_ptk", BigInteger, nullable=False),
    Column("kode_status", SmallInteger, nullable=False),
    Column("waktu", DateTime, nullable=False),
    Column("nama_petugas", String(100)),  # NULL for steps the service user takes online
    Column("nip_petugas", String(18)),
    Column("keterangan", String(255)),
    _updated(),
    Index("ix_riwayat_ptk_id_ptk", "id_ptk"),
    Index("ix_riwayat_ptk_tgl_update", "tgl_update"),
)

# ---------------------------------------------------------------- 3P actions


def _action_table(name: str, number_column: str, date_column: str, *extra: Column) -> Table:
    """A detention, refusal or destruction register: one row per action on one PTK."""
    return Table(
        name,
        metadata,
        Column(f"id_{name}", BigId, primary_key=True),
        Column("id_ptk", BigInteger, nullable=False),
        Column(number_column, String(40), nullable=False),
        Column(date_column, DateTime, nullable=False),
        Column("alasan", String(255), nullable=False),
        *extra,
        Column("nama_petugas", String(100), nullable=False),
        Column("nip_petugas", String(18), nullable=False),
        _updated(),
        Index(f"ix_{name}_id_ptk", "id_ptk"),
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

billing = Table(
    "billing",
    metadata,
    Column("id_billing", BigId, primary_key=True),
    Column("id_ptk", BigInteger, nullable=False),
    Column("no_kuitansi", String(40), nullable=False),
    Column("kode_billing", String(15), nullable=False),
    Column("nilai_pnbp", Numeric(15, 2), nullable=False),
    Column("tgl_billing", DateTime, nullable=False),
    Column("status_bayar", SmallInteger, nullable=False),  # 0 belum bayar, 1 lunas
    Column("tgl_bayar", DateTime),
    Column("ntpn", String(16)),
    _updated(),
    Index("ix_billing_id_ptk", "id_ptk"),
    Index("ix_billing_tgl_update", "tgl_update"),
)

sertifikat = Table(
    "sertifikat",
    metadata,
    Column("id_sertifikat", BigId, primary_key=True),
    Column("id_ptk", BigInteger, nullable=False),
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
    _updated(),
    Index("ix_sertifikat_id_ptk", "id_ptk"),
    Index("ix_sertifikat_tgl_update", "tgl_update"),
)

# ---------------------------------------------------------------- the simulator's own state

sim_state = Table(
    "sim_state",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", String(255), nullable=False),
)
