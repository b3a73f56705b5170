"""How IQFast's tables, names and codes map onto Q-Corner's: the one place that says so.

Every other part of the sync (the SQL reader, the export-file reader, the writer) works from the
declarations below. A mapping turns one IQFast row into one row of one of our tables; a source table
may feed two of ours (m_upt → source_lookups and offices). Rows are plain tuples in the order of
``TableMapping.columns``; a field that cannot be mapped raises ``Rejected`` with a reason a person can act
on (in Indonesian: it is shown to the admin who uploaded the file).

References to other synced records (an event's application, an application's service user) are kept as
the parent's IQFast id and resolved by the writer with one join per batch, never row by row.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from sqlalchemy import String, Text

from portal.iqfast import schema as iqfast
from portal.iqfast.codes import DETENTION_OUTCOMES, DIRECTIONS, OFFICE_TIMEZONES, STAGES
from portal.iqfast.fields import (Code, CommodityRef, Const, Copy, Field, Flag, LatinName, LookupName, Lookups, Office,
                                  Ref, Section, Time, fail_required, nonnull, taken)


# ---------------------------------------------------------------- table mappings


@dataclass(frozen=True)
class TableMapping:
    """One IQFast table onto one of ours."""

    source: str
    target: str
    columns: dict[str, Field]
    refs: dict[str, Ref] = field(default_factory=dict)
    conflict: tuple[str, ...] = ("source_id",)
    # Columns an existing row keeps when the source changes (None: every mapped column is updated).
    update: tuple[str, ...] | None = None
    synced: bool = True            # the target carries SyncedMixin's columns (deleted_at, synced_at…)
    kind: str | None = None        # quarantine_actions: detention / refusal / destruction
    # Columns copied from the row's application, each a name or (our column, the application's column):
    # quarantine actions' service user, office and section; commodity lines' history keys (inspection targeting).
    copy_from_application: tuple[str | tuple[str, str], ...] = ()

    def __post_init__(self):
        source = iqfast.metadata.tables[self.source]
        for name, item in self.columns.items():
            if isinstance(item, Copy) and isinstance(source.c[item.column].type, (String, Text)):
                self.columns[name] = replace(item, text=True)

    @property
    def key(self) -> str:
        """The source table's primary key."""
        return iqfast.metadata.tables[self.source].primary_key.columns[0].name

    @property
    def name(self) -> str:
        """A name for this mapping, unique even where one source table feeds two of ours."""
        return f"{self.source}>{self.target}"

    def compile(self, source_columns: list[str], lookups: Lookups) -> Callable[[tuple], tuple]:
        """A function from one source row (a tuple in ``source_columns`` order) to one of our rows.

        It raises ``Rejected`` with the reason when the row cannot be mapped.
        """
        index = {name: i for i, name in enumerate(source_columns)}
        getters = [f.compile(index, lookups) for f in self.columns.values()]
        for ref in self.refs.values():
            getters.append(taken(index[ref.column], ref.column, ref.required))

        def build(row):
            return tuple([get(row) for get in getters])
        return build

    def compile_fast(self, source_columns: list[str], lookups: Lookups) -> Callable[[tuple], tuple]:
        """The same function generated as one expression (several times faster on a million rows).

        It checks less: on any exception, map the batch again with ``compile`` to learn which row is
        wrong and why.
        """
        index = {name: i for i, name in enumerate(source_columns)}
        env: dict = {"fail_required": fail_required}
        parts = [f.expr(index, env, lookups) for f in self.columns.values()]
        for ref in self.refs.values():
            value = f"row[{index[ref.column]}]"
            parts.append(nonnull(value) if ref.required else value)
        return eval(f"lambda row: ({', '.join(parts)},)", env)  # noqa: S307 - built from the declarations above

    @property
    def time_columns(self) -> list[str]:
        """Our columns that hold IQFast's naive WIB times in a mapped row."""
        return [name for name, f in self.columns.items() if isinstance(f, Time)]

    @property
    def row_columns(self) -> list[str]:
        """Our column names in the order ``compile``'s rows carry them (references: the parent's IQFast id)."""
        return list(self.columns) + list(self.refs)




def _synced(key: str, **columns: Field) -> dict[str, Field]:
    """The source id and update time every synced record carries, then its own columns."""
    return {"source_id": Copy(key, required=True), "source_updated_at": Time("tgl_update"), **columns}


def _lookup(table: str, key: str, code: str, name: str | None) -> TableMapping:
    return TableMapping(table, "source_lookups", {
        "source_table": Const(table), "source_id": Copy(key, required=True), "code": Copy(code, required=True),
        "name": Copy(name) if name else Const(None), "source_updated_at": Time("tgl_update")},
        conflict=("source_table", "source_id"), synced=False)


def _action(table: str, kind: str, number: str, when: str, **extra: Field) -> TableMapping:
    return TableMapping(table, "quarantine_actions", {
        "kind": Const(kind), "source_id": Copy(f"id_{table}", required=True),
        "source_updated_at": Time("tgl_update"), "number": Copy(number), "action_at": Time(when),
        "reason": Copy("alasan"), "officer_name": Copy("nama_petugas"), "officer_nip": Copy("nip_petugas"),
        **extra},
        refs={"application_id": Ref("id_ptk", "applications", label="PTK")}, conflict=("kind", "source_id"),
        kind=kind, copy_from_application=("service_user_id", "office_id", "section_id"))


MAPPINGS: tuple[TableMapping, ...] = (
    # Code lists first: later tables are resolved through them.
    _lookup("m_upt", "id_upt", "kode_upt", "nama_upt"),
    TableMapping("m_upt", "offices", {
        "code": Copy("kode_upt", required=True), "name": Copy("nama_upt", required=True),
        "timezone": Code("zona_waktu", OFFICE_TIMEZONES, "zona waktu"), "active": Const(True)},
        conflict=("code",), update=("timezone",), synced=False),  # the name stays what our admin calls it
    _lookup("m_jenis_permohonan", "id_jenis_permohonan", "kode", "nama"),
    _lookup("m_status", "id_status", "kode_status", "nama_status"),
    _lookup("m_satuan", "id_satuan", "kode_satuan", "nama_satuan"),
    _lookup("m_negara", "id_negara", "kode_negara", "nama_negara"),
    _lookup("m_pelabuhan", "id_pelabuhan", "kode_pelabuhan", "nama_pelabuhan"),
    _lookup("m_komoditas", "id_komoditas", "kode_komoditas", "nama_komoditas"),
    TableMapping("m_komoditas", "commodities", {
        "code": Copy("kode_komoditas", required=True), "name": Copy("nama_komoditas", required=True),
        "scientific_name": Copy("nama_latin"), "hs_code": Copy("kode_hs"),
        "section_id": Section("jenis_karantina"), "group": Copy("kelompok")},
        conflict=("code",), synced=False),
    _lookup("m_jenis_dokumen", "id_jenis_dokumen", "kode_dokumen", "nama_dokumen"),
    # Parties.
    TableMapping("pengguna_jasa", "service_users", _synced(
        "id_pengguna_jasa", office_id=Office(), name=Copy("nama", required=True), tax_id=Copy("npwp", required=True),
        business_type=Copy("jenis_usaha"), address=Copy("alamat"), city=Copy("kota"), email=Copy("email"),
        phone=Copy("telepon"), blocked=Flag("diblokir"), registered_at=Time("tgl_daftar", required=False),
        # Not in IQFast: the writer fills it per batch, matching the NPWP to a company (portal/services/companies).
        company_id=Const(None))),
    TableMapping("ppjk", "handlers", _synced(
        "id_ppjk", office_id=Office(), name=Copy("nama_ppjk", required=True), tax_id=Copy("npwp"),
        address=Copy("alamat"), email=Copy("email"), phone=Copy("telepon"))),
    # Applications and what hangs off them.
    TableMapping("ptk", "applications", _synced(
        "id_ptk", number=Copy("no_ptk", required=True), office_id=Office(), section_id=Section(),
        direction=Code("jenis_permohonan", DIRECTIONS, "jenis permohonan"),
        consignor_name=Copy("nama_pengirim"), consignor_address=Copy("alamat_pengirim"),
        consignee_name=Copy("nama_penerima"), consignee_address=Copy("alamat_penerima"),
        origin_country=LookupName("kode_negara_asal", "m_negara"), origin_place=Copy("kota_asal"),
        origin_port=LookupName("id_pelabuhan_asal", "m_pelabuhan", by="id"),
        destination_country=LookupName("kode_negara_tujuan", "m_negara"), destination_place=Copy("kota_tujuan"),
        destination_port=LookupName("id_pelabuhan_tujuan", "m_pelabuhan", by="id"),
        conveyance=Copy("alat_angkut"), conveyance_name=Copy("nama_alat_angkut"),
        voyage_number=Copy("no_penerbangan"), transport_document=Copy("no_awb"), packaging=Copy("kemasan"),
        package_count=Copy("jumlah_kemasan"), marks=Copy("tanda_khusus"), purpose=Copy("peruntukan"),
        declarations=Copy("pernyataan"), submitted_at=Time("tgl_pengajuan")),
        refs={"service_user_id": Ref("id_pengguna_jasa", "service_users", label="pengguna jasa"),
              "handler_id": Ref("id_ppjk", "handlers", required=False, label="PPJK")},
        # current_stage, completed_at… are derived from the stage events, never copied.
        ),
    TableMapping("ptk_komoditas", "application_commodities", _synced(
        "id_ptk_komoditas", line_no=Copy("urut", required=True), commodity_id=CommodityRef(),
        commodity_name=LookupName("id_komoditas", "m_komoditas", by="id", required=True),
        scientific_name=LatinName(),
        hs_code=Copy("kode_hs"), quantity=Copy("jumlah"), unit=LookupName("kode_satuan", "m_satuan"),
        net_weight_kg=Copy("netto_kg"), packaging=Copy("kemasan")),
        refs={"application_id": Ref("id_ptk", "applications", label="PTK")},
        copy_from_application=("service_user_id", "submitted_at", ("application_deleted_at", "deleted_at"))),
    TableMapping("riwayat_ptk", "stage_events", _synced(
        "id_riwayat", stage=Code("kode_status", STAGES, "kode status"), occurred_at=Time("waktu"),
        officer_name=Copy("nama_petugas"), officer_nip=Copy("nip_petugas"), note=Copy("keterangan")),
        refs={"application_id": Ref("id_ptk", "applications", label="PTK")}),
    _action("penahanan", "detention", "no_penahanan", "tgl_penahanan",
            outcome=Code("hasil", DETENTION_OUTCOMES, "hasil penahanan", required=False),
            ended_at=Time("tgl_selesai", required=False)),
    _action("penolakan", "refusal", "no_penolakan", "tgl_penolakan", follow_up=Copy("tindak_lanjut")),
    _action("pemusnahan", "destruction", "no_berita_acara", "tgl_pemusnahan", method=Copy("metode")),
    TableMapping("billing", "bills", _synced(
        "id_billing", receipt_number=Copy("no_kuitansi"), billing_code=Copy("kode_billing"),
        amount=Copy("nilai_pnbp", required=True), issued_at=Time("tgl_billing"), paid=Flag("status_bayar"),
        paid_at=Time("tgl_bayar", required=False), payment_ref=Copy("ntpn")),
        refs={"application_id": Ref("id_ptk", "applications", label="PTK")}),
    TableMapping("sertifikat", "certificates", _synced(
        "id_sertifikat", form_code=Copy("kode_dokumen", required=True), number=Copy("no_sertifikat"),
        is_draft=Flag("is_draft"), issued_at=Time("tgl_terbit"), treatment_method=Copy("metode_perlakuan"),
        treatment_date=Copy("tgl_perlakuan"), treatment_dose=Copy("dosis_perlakuan"),
        additional_declaration=Copy("deklarasi_tambahan"), signer_name=Copy("nama_penandatangan"),
        signer_nip=Copy("nip_penandatangan")),
        refs={"application_id": Ref("id_ptk", "applications", label="PTK")}),
)

# IQFast tables in the order they are read: parents before the records that point at them.
SOURCE_TABLES: tuple[str, ...] = tuple(dict.fromkeys(m.source for m in MAPPINGS))
# Lookup (m_*) tables are small and re-read whole by the reconciliation; the rest are compared by key.
LOOKUP_TABLES: tuple[str, ...] = tuple(t for t in SOURCE_TABLES if t.startswith("m_"))
# The simulator's own bookkeeping, never read.
IGNORED_TABLES = ("sim_state",)


def mappings_for(source_table: str) -> list[TableMapping]:
    """The mappings fed by one IQFast table, in the order they are written."""
    return [m for m in MAPPINGS if m.source == source_table]


def source_table(name: str):
    """The IQFast table definition (column names and types) from the simulator's schema."""
    return iqfast.metadata.tables[name]


def source_columns(name: str) -> list[str]:
    """The columns read from an IQFast table: every column the mapping of that table knows."""
    return [column.name for column in source_table(name).columns]


def describe() -> list[dict]:
    """The mapping as data, for docs and the admin page: source table, target, column by column."""
    return [{"source": m.source, "target": m.target, "kind": m.kind,
             "columns": {**{k: f.describe() for k, f in m.columns.items()},
                         **{k: f"{r.column} → {r.parent}.source_id" for k, r in m.refs.items()}}}
            for m in MAPPINGS]

