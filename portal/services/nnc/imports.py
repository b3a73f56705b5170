"""Import historical NNCs from a spreadsheet (XLSX or CSV), row by row, with a report of what was refused.

The first non-empty row holds the column headers, in English (the field names below) or Indonesian
(see COLUMNS; case, spaces and punctuation do not matter, and "(…)" hints are ignored). Each row is
checked with exactly the form's rules (portal.services.nnc.register) and loaded on its own: good rows are saved,
a bad row is reported with its spreadsheet row number and every reason, and nothing of it is written.
Choice columns accept the code or its label in either language (e.g. `pest`, `OPT / terinfeksi`).

    report = nnc_import.import_file(session, actor, "nnc-2021.xlsx", data)
    report["created"]  → [{"row": 2, "id": 14, "number": "…"}]
    report["rejected"] → [{"row": 3, "number": "…", "errors": {field: (message key, params)}}]
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Handler, Section, ServiceUser
from models.nnc import VOID
from portal import audit, spreadsheets
from portal.i18n import catalog, t
from portal.services.nnc import register as nnc
from portal.services.nnc import rules as nnc_rules
from portal.services.nnc.detail import office_today
from portal.services.offices import office_zone
from portal.validation import ErrorCollector, Forbidden, InvalidInput

# field → (English header, Indonesian headers and other spellings). Required: see REQUIRED_COLUMNS.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("number", ("nomor", "nomor nnc", "no nnc", "nomor surat")),
    "notice_date": ("notice_date", ("tanggal", "tanggal nnc", "tanggal surat", "tanggal notifikasi", "tgl nnc")),
    "received_date": ("received_date", ("tanggal diterima", "tgl diterima", "tanggal terima")),
    "flow": ("flow", ("arah", "alur", "arah nnc", "jenis nnc")),
    "notifying_authority": ("notifying_authority", ("otoritas pemberi notifikasi", "otoritas pengirim",
                                                    "instansi pengirim", "pemberi notifikasi")),
    "notifying_country": ("notifying_country", ("negara pemberi notifikasi", "negara pengirim")),
    "notified_authority": ("notified_authority", ("otoritas penerima notifikasi", "otoritas penerima",
                                                  "instansi penerima", "penerima notifikasi")),
    "notified_country": ("notified_country", ("negara penerima notifikasi", "negara penerima")),
    "service_user_tax_id": ("service_user_tax_id", ("npwp", "npwp pengguna jasa")),
    "party_name": ("party_name", ("pengguna jasa", "nama pengguna jasa", "eksportir importir", "nama pihak",
                                  "service user", "party")),
    "party_country": ("party_country", ("negara pihak", "negara pengguna jasa")),
    "handler": ("handler", ("ppjk", "pengurus dokumen")),
    "application_number": ("application_number", ("nomor permohonan", "no ptk", "nomor ptk", "no ppk",
                                                  "nomor ppk")),
    "certificate_number": ("certificate_number", ("nomor sertifikat", "no sertifikat")),
    "section": ("section", ("bidang", "seksi")),
    "commodity": ("commodity", ("komoditas", "media pembawa")),
    "scientific_name": ("scientific_name", ("nama ilmiah", "nama latin")),
    "hs_code": ("hs_code", ("kode hs", "hs")),
    "lot_number": ("lot_number", ("nomor lot", "lot")),
    "container_number": ("container_number", ("nomor kontainer", "kontainer", "nomor peti kemas")),
    "air_waybill": ("air_waybill", ("awb", "nomor awb", "air waybill")),
    "point_of_entry": ("point_of_entry", ("tempat pemasukan", "tempat masuk", "pelabuhan", "pintu masuk")),
    "category": ("category", ("kategori", "jenis ketidaksesuaian", "kategori ketidaksesuaian")),
    "subcategory": ("subcategory", ("subkategori", "sub kategori", "masalah dokumen")),
    "organism": ("organism", ("organisme", "nama organisme", "opt")),
    "description": ("description", ("uraian", "keterangan", "uraian ketidaksesuaian")),
    "action_taken": ("action_taken", ("tindakan", "tindakan yang diambil")),
    "status": ("status", ()),
    "void_reason": ("void_reason", ("alasan batal", "alasan pembatalan")),
    "investigation_findings": ("investigation_findings", ("hasil investigasi", "temuan investigasi")),
    "corrective_action": ("corrective_action", ("tindakan korektif", "tindakan perbaikan")),
    "guidance_given": ("guidance_given", ("pembinaan", "pembinaan yang diberikan")),
    "internal_notes": ("internal_notes", ("catatan internal",)),
}
REQUIRED_COLUMNS = ("number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
                    "notified_authority", "notified_country", "section", "commodity", "category", "action_taken")
# Extra spellings for choice values, besides the code and its label in both catalogs.
VALUE_ALIASES = {
    "flow": {"diterima": "received", "masuk": "received", "terima": "received", "diterbitkan": "issued",
             "dikirim": "issued", "keluar": "issued", "terbit": "issued"},
    "section": {"hewan": "animal", "kh": "animal", "karantina hewan": "animal", "tumbuhan": "plant", "kt": "plant",
                "karantina tumbuhan": "plant", "ikan": "fish", "ki": "fish", "karantina ikan": "fish"},
    "category": {"barang terlarang": "prohibited", "terlarang": "prohibited", "dokumen": "documentation",
                 "dokumentasi": "documentation", "opt": "pest", "optk": "pest", "hama": "pest",
                 "terinfeksi": "pest", "terinfestasi": "pest", "infected infested": "pest", "infected": "pest",
                 "infested": "pest", "keamanan pangan": "food_safety", "pangan": "food_safety",
                 "sps lain": "other_sps", "sps lainnya": "other_sps", "lainnya": "other_sps", "lain lain": "other_sps"},
    "subcategory": {"tidak ada": "missing", "tidak lengkap": "incomplete", "diubah": "altered",
                    "tidak sah": "invalid", "tidak berlaku": "invalid", "palsu": "fraudulent"},
    "action_taken": {"penahanan": "detention", "penolakan": "refusal_reexport", "reekspor": "refusal_reexport",
                     "re ekspor": "refusal_reexport", "penolakan/reekspor": "refusal_reexport",
                     "penolakan/re-ekspor": "refusal_reexport", "refusal/re-export": "refusal_reexport", "pemusnahan": "destruction", "perlakuan": "treatment",
                     "sortasi": "release_after_sorting", "tidak ada": "none", "tanpa tindakan": "none"},
    "status": {"diterima": "received", "baru": "received", "investigasi": "under_investigation",
               "dalam investigasi": "under_investigation", "terklarifikasi": "clarified", "klarifikasi": "clarified",
               "selesai": "closed", "ditutup": "closed", "batal": "void", "dibatalkan": "void"},
}
CHOICES = {"flow": nnc_rules.FLOWS, "category": nnc_rules.CATEGORIES, "subcategory": nnc_rules.DOCUMENT_PROBLEMS,
           "action_taken": nnc_rules.ACTIONS, "status": nnc_rules.STATUSES}
LABEL_PREFIX = {"flow": "nnc.flow.", "category": "nnc.category.", "subcategory": "nnc.subcategory.",
                "action_taken": "nnc.action.", "status": "nnc.status.", "section": "section."}


def _key(text: Any) -> str:
    """Headers and choice values compared without case, accents, punctuation or "(…)" hints."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"\([^)]*\)", " ", text.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _header_index() -> dict[str, str]:
    index = {}
    for field, (english, others) in COLUMNS.items():
        for spelling in (english, english.replace("_", " "), *others):
            index[_key(spelling)] = field
    return index


def _value_index(field: str, codes) -> dict[str, str]:
    index = {_key(code): code for code in codes}
    index.update({_key(code.replace("_", " ")): code for code in codes})
    for language in ("id", "en"):
        labels = catalog(language)
        for code in codes:
            label = labels.get(LABEL_PREFIX[field] + code)
            if label:
                index[_key(label)] = code
    index.update({_key(k): v for k, v in VALUE_ALIASES.get(field, {}).items()})
    return index


# ----------------------------------------------------------------------------------------------------------
# reading the file


class UnreadableFile(Exception):
    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def read_rows(filename: str, data: bytes, limits: spreadsheets.Limits | None = None) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) for every non-empty row, the header row first.

    Read through portal.spreadsheets with the NNC import's limits (QCORNER_NNC_IMPORT_MAX_…): a file over one is
    refused with a message naming the limit, before the rows past it are read.
    """
    limits = limits or spreadsheets.limits_for("nnc_import")
    if not data:
        raise UnreadableFile("nnc_import.error.empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("nnc_import.error.xls")
    try:
        if data.startswith(b"PK\x03\x04"):
            rows = spreadsheets.read_xlsx(data, limits, pick=lambda worksheets: worksheets[:1])[0][1]
        elif (filename or "").lower().endswith((".xlsx", ".xlsm")):
            raise UnreadableFile("nnc_import.error.format")
        else:
            rows = spreadsheets.read_csv(data, limits)
    except spreadsheets.OverLimit as error:
        raise UnreadableFile(error.key, **error.params) from None
    except (spreadsheets.Unreadable, IndexError):  # IndexError: a workbook without a worksheet
        raise UnreadableFile("nnc_import.error.format") from None
    if any("\x00" in value for _number, cells in rows for value in cells if isinstance(value, str)):
        raise UnreadableFile("nnc_import.error.format")  # PostgreSQL cannot store it; no spreadsheet has it
    return [(number, cells) for number, cells in rows if any(_present(c) for c in cells)]


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


# ----------------------------------------------------------------------------------------------------------
# one row → form values


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _row_values(session: Session, actor, fields: dict[int, str], cells: list[Any],
                indexes: dict[str, dict[str, str]]) -> tuple[dict[str, Any], dict[str, Any], ErrorCollector]:
    """The form values of one row, the status columns, and the problems only an import can have."""
    errors = ErrorCollector()
    raw = {field: cells[i] if i < len(cells) else None for i, field in fields.items()}
    data: dict[str, Any] = {}
    for field in ("number", "notifying_authority", "notifying_country", "notified_authority", "notified_country",
                  "party_country", "application_number", "certificate_number", "commodity", "scientific_name",
                  "hs_code", "lot_number", "container_number", "air_waybill", "point_of_entry", "organism",
                  "description", "investigation_findings", "corrective_action", "guidance_given", "internal_notes"):
        data[field] = _cell_text(raw.get(field))
    for field in ("notice_date", "received_date"):
        value = raw.get(field)
        data[field] = value.date() if isinstance(value, datetime) else value if isinstance(value, date) \
            else _cell_text(value)
    for field in ("flow", "category", "subcategory", "action_taken"):
        text = _cell_text(raw.get(field))
        data[field] = indexes[field].get(_key(text), f"?{text}") if text else None
        if text and data[field].startswith("?"):
            errors.add(field, "nnc_import.error.unknown_value", value=text)
    section = _cell_text(raw.get("section"))
    if section:
        code = indexes["section"].get(_key(section))
        data["section_id"] = session.scalar(select(Section.id).where(Section.code == code)) if code else None
        if data["section_id"] is None:
            errors.add("section_id", "nnc_import.error.unknown_value", value=section)
    _resolve_party(session, actor, raw, data, errors)
    handler = _cell_text(raw.get("handler"))
    if handler:
        found = session.scalar(select(Handler.id).where(
            Handler.office_id == actor.office_id,
            (func.lower(Handler.name) == handler.lower()) | (Handler.tax_id == handler)).limit(1))
        if found is None:
            errors.add("handler_id", "nnc_import.error.handler_unknown", value=handler)
        data["handler_id"] = found
    status_text = _cell_text(raw.get("status"))
    extra = {"status": indexes["status"].get(_key(status_text)) if status_text else None,
             "void_reason": _cell_text(raw.get("void_reason"))}
    if status_text and extra["status"] is None:
        errors.add("status", "nnc_import.error.unknown_value", value=status_text)
    return data, extra, errors


def _resolve_party(session: Session, actor, raw: dict, data: dict, errors: ErrorCollector) -> None:
    """NPWP → the registry's company; else a name the registry knows exactly; else a party typed by name."""
    tax_id, name = _cell_text(raw.get("service_user_tax_id")), _cell_text(raw.get("party_name"))
    if tax_id:
        digits = re.sub(r"\D", "", tax_id)
        stripped = func.replace(func.replace(ServiceUser.tax_id, ".", ""), "-", "")
        found = session.scalar(select(ServiceUser.id).where(ServiceUser.office_id == actor.office_id,
                                                            (ServiceUser.tax_id == tax_id) | (stripped == digits))
                               .limit(1)) if digits else None
        if found is None:
            errors.add("service_user_id", "nnc_import.error.tax_id_unknown", value=tax_id)
        data["service_user_id"] = found
        return
    if name:
        matches = session.scalars(select(ServiceUser.id).where(ServiceUser.office_id == actor.office_id,
                                                               func.lower(ServiceUser.name) == name.lower())
                                  .limit(2)).all()
        if len(matches) == 1:
            data["service_user_id"] = matches[0]
            data["party_country"] = None
            return
    data["party_name"] = name


# ----------------------------------------------------------------------------------------------------------
# the import


def import_file(session: Session, actor, filename: str, data: bytes, *, today: date | None = None,
                limits: spreadsheets.Limits | None = None, language: str = "id") -> dict[str, Any]:
    """Load every good row of a spreadsheet as an NNC; report each bad row with its row number and reasons.

    Raises InvalidInput({"file": …}) when the file itself cannot be read (nothing is loaded then); missing columns are
    named by the template's headers in `language` (the page passes its reader's).
    """
    if not nnc_rules.can_edit(actor):
        raise Forbidden("nnc.import")
    try:
        rows = read_rows(filename, data, limits)
    except UnreadableFile as error:
        raise InvalidInput({"file": (error.key, error.params)}) from None
    if not rows:
        raise InvalidInput({"file": ("nnc_import.error.empty", {})})
    header_number, header = rows[0]
    index = _header_index()
    fields: dict[int, str] = {}
    unknown = []
    for position, title in enumerate(header):
        if not _present(title):
            continue
        field = index.get(_key(title))
        if field is None or field in fields.values():
            unknown.append(str(title).strip())
        else:
            fields[position] = field
    missing = missing_columns(set(fields.values()), language)
    if missing:
        raise InvalidInput({"file": ("nnc_import.error.missing_columns", {"columns": ", ".join(missing)})})

    indexes = {field: _value_index(field, codes) for field, codes in CHOICES.items()}
    section_codes = list(session.scalars(select(Section.code)))
    indexes["section"] = _value_index("section", section_codes)
    created, rejected = [], []
    touched: dict[int, date] = {}
    # The office's day and zone once for the file, not once a row (up to the row limit: thousands of queries).
    today, zone = today or office_today(session, actor.office_id), office_zone(session, actor.office_id)
    for row_number, cells in rows[1:]:
        values, extra, errors = _row_values(session, actor, fields, cells, indexes)
        try:
            with session.begin_nested():
                saved = nnc.create_nnc(session, actor, values, status=extra["status"],
                                       void_reason=extra["void_reason"], today=today, errors=errors, notify=False,
                                       via="import", refresh=False, zone=zone)
        except InvalidInput as error:
            rejected.append({"row": row_number, "number": values.get("number"), "errors": error.errors})
            continue
        created.append({"row": row_number, "id": saved["id"], "number": saved["number"]})
        if saved["status"] != VOID and saved["service_user_id"]:  # a void NNC counts nowhere
            touched[saved["service_user_id"]] = min(saved["notice_date"], touched.get(saved["service_user_id"],
                                                                                      saved["notice_date"]))
    if touched:  # the compliance rollups of every company the import named, once
        nnc.refresh_compliance(session, touched, min(touched.values()))
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "nnc_imported", "nnc", None,
                 after={"filename": filename, "rows": len(rows) - 1, "created": len(created),
                        "rejected": [r["row"] for r in rejected]})
    return {"filename": filename, "rows": len(rows) - 1, "header_row": header_number, "created": created,
            "rejected": rejected, "unknown_columns": unknown}


def missing_columns(found: set[str], language: str = "id") -> list[str]:
    """The required columns a header row lacks, as the template heads them in `language` ("Tanggal NNC", or
    "notice_date" in English), never the field codes of an Indonesian page; the party as the rule is: a service
    user's name or its NPWP, either one."""
    headers = dict(template_columns(language))
    missing = [headers[c] for c in REQUIRED_COLUMNS if c not in found]
    if not found & {"party_name", "service_user_tax_id"}:
        missing.append(t("nnc_import.error.party_columns", language, name=headers["party_name"],
                         tax_id=headers["service_user_tax_id"]))
    return missing


def template_columns(language: str = "id") -> list[tuple[str, str]]:
    """The columns of the import template: Indonesian headers (or English), in the order of the form."""
    if language == "en":
        return [(field, english) for field, (english, _others) in COLUMNS.items()]
    return [(field, TEMPLATE_HEADERS_ID.get(field, others[0] if others else english))
            for field, (english, others) in COLUMNS.items()]


TEMPLATE_HEADERS_ID = {
    "number": "Nomor NNC", "notice_date": "Tanggal NNC", "received_date": "Tanggal diterima", "flow": "Arah",
    "notifying_authority": "Otoritas pemberi notifikasi", "notifying_country": "Negara pemberi notifikasi",
    "notified_authority": "Otoritas penerima notifikasi", "notified_country": "Negara penerima notifikasi",
    "service_user_tax_id": "NPWP", "party_name": "Pengguna jasa", "party_country": "Negara pihak",
    "handler": "PPJK", "application_number": "Nomor permohonan", "certificate_number": "Nomor sertifikat",
    "section": "Bidang", "commodity": "Komoditas", "scientific_name": "Nama ilmiah", "hs_code": "Kode HS",
    "lot_number": "Nomor lot", "container_number": "Nomor kontainer", "air_waybill": "AWB",
    "point_of_entry": "Tempat pemasukan", "category": "Kategori", "subcategory": "Subkategori",
    "organism": "Organisme", "description": "Uraian", "action_taken": "Tindakan", "status": "Status",
    "void_reason": "Alasan batal", "investigation_findings": "Hasil investigasi",
    "corrective_action": "Tindakan korektif", "guidance_given": "Pembinaan", "internal_notes": "Catatan internal",
}
