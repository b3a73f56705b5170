"""Demo NNCs: a realistic register for the demo set-up, written through the NNC service like officers do.

`build_demo_nncs(session, office_code)` records about twenty NNCs over the past year — received and issued,
every category, sub-category, action and status — most naming the service users with the most
detentions, refusals and destructions (3P) in the synced data, some with a scanned letter (PDF) or a photo
(PNG) in the archive. A received NNC names the company's latest export application of its section submitted by the
notice date, when there is one (the NNC service refuses any other link). Without synced data the NNCs name parties
typed by name. Idempotent: NNCs whose number already exists are left alone.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import (Application, ApplicationCommodity, Handler, Nnc, Office, QuarantineAction, Section, ServiceUser,
                    TargetingDecision, User)
from models.nnc import DIRECTION_OF_FLOW
from portal.domain.periods import local_midnight
from portal.services.accounts import current_user_from
from portal.services.nnc import register as nnc
from portal.services.nnc import rules as nnc_rules
from portal.services.targeting import deciding


@dataclass(frozen=True)
class Scenario:
    days_ago: int
    flow: str
    section: str
    country: str
    authority: str
    commodity: str
    scientific_name: str
    hs_code: str
    category: str
    action: str
    status: str
    description: str
    subcategory: str | None = None
    organism: str | None = None
    findings: str | None = None
    corrective: str | None = None
    guidance: str | None = None
    foreign_party: str | None = None  # issued NNCs: the exporter abroad, not in our registry
    attach: str = ""                  # "pdf", "png" or "pdf+png"
    void_reason: str | None = None


SCENARIOS = (
    Scenario(12, "received", "plant", "Tiongkok", "General Administration of Customs of China (GACC)", "Manggis",
             "Garcinia mangostana", "0804.50.20", "pest", "destruction", "received",
             "Ditemukan larva lalat buah hidup pada pemeriksaan di Guangzhou.", organism="Bactrocera dorsalis",
             attach="pdf+png"),
    Scenario(20, "received", "plant", "Tiongkok", "General Administration of Customs of China (GACC)", "Salak",
             "Salacca zalacca", "0810.90.93", "documentation", "detention", "under_investigation",
             "Nomor sertifikat fitosanitari pada dokumen tidak sesuai dengan kiriman.", subcategory="invalid",
             findings="Sertifikat KT-1 diterbitkan untuk kiriman lain dengan AWB berbeda; sedang dikonfirmasi.",
             attach="pdf"),
    Scenario(33, "received", "animal", "Hong Kong", "Centre for Food Safety, Hong Kong", "Sarang burung walet",
             "Collocalia fuciphaga", "0410.10.00", "food_safety", "refusal_reexport", "clarified",
             "Kadar nitrit melebihi batas 30 ppm.",
             findings="Pencucian di rumah walet mitra tidak sesuai SOP; kadar nitrit tinggi pada 2 lot.",
             attach="pdf"),
    Scenario(47, "received", "plant", "Jepang", "Ministry of Agriculture, Forestry and Fisheries (MAFF)",
             "Kopi biji (green bean)", "Coffea arabica", "0901.11.10", "other_sps", "treatment", "closed",
             "Kemasan karung tanpa tanda perlakuan ISPM 15 pada palet kayu.",
             findings="Palet kayu dari pemasok baru belum bertanda ISPM 15.",
             corrective="Eksportir hanya memakai palet bertanda ISPM 15; petugas memeriksa palet sebelum muat.",
             guidance="Pembinaan tentang ISPM 15 kepada eksportir dan PPJK, 3 orang hadir.", attach="pdf"),
    Scenario(61, "received", "plant", "Korea Selatan", "Animal and Plant Quarantine Agency (APQA)", "Vanili",
             "Vanilla planifolia", "0905.10.00", "documentation", "detention", "closed",
             "Sertifikat fitosanitari tidak dilampirkan pada kiriman.", subcategory="missing",
             findings="Dokumen asli tertinggal di gudang PPJK.",
             corrective="Dokumen asli dikirim menyusul; PPJK memakai daftar periksa sebelum pengiriman.",
             guidance="Pembinaan kepada PPJK tentang kelengkapan dokumen."),
    Scenario(75, "received", "animal", "Singapura", "Singapore Food Agency (SFA)", "Madu", "Apis mellifera",
             "0409.00.00", "food_safety", "destruction", "under_investigation",
             "Residu antibiotik (kloramfenikol) terdeteksi.", attach="png"),
    Scenario(90, "received", "plant", "Australia", "Department of Agriculture, Fisheries and Forestry (DAFF)",
             "Anggrek Dendrobium", "Dendrobium sp.", "0602.90.90", "pest", "treatment", "clarified",
             "Thrips hidup ditemukan pada bunga.", organism="Thrips palmi",
             findings="Kebun asal belum menerapkan perangkap kuning; fumigasi sebelum ekspor tidak tercatat."),
    Scenario(104, "received", "plant", "Uni Emirat Arab", "Ministry of Climate Change and Environment (MOCCAE)",
             "Manggis", "Garcinia mangostana", "0804.50.20", "documentation", "refusal_reexport", "closed",
             "Tanda tangan dan cap pada sertifikat tampak diubah.", subcategory="altered",
             findings="Salinan sertifikat diedit oleh pihak importir; sertifikat asli sah.",
             corrective="Verifikasi elektronik (ePhyto) diusulkan kepada negara tujuan.",
             guidance="Eksportir diminta tidak mengirim salinan sertifikat.", attach="pdf"),
    Scenario(118, "received", "animal", "Tiongkok", "General Administration of Customs of China (GACC)",
             "Kulit sapi wet blue", "Bos taurus", "4104.11.00", "prohibited", "refusal_reexport", "void",
             "Pemberitahuan terkirim dua kali.", void_reason="Duplikat dari NNC yang sudah dicatat (nomor surat lama)."),
    Scenario(140, "received", "plant", "Belanda", "Netherlands Food and Consumer Product Safety Authority (NVWA)",
             "Pala", "Myristica fragrans", "0908.11.00", "food_safety", "destruction", "closed",
             "Aflatoksin B1 melebihi batas maksimum Uni Eropa.",
             findings="Pengeringan di gudang pengumpul terlalu lama; kadar air tinggi.",
             corrective="Eksportir memasang pengering mekanis dan uji aflatoksin per lot sebelum ekspor.",
             guidance="Pembinaan cara penanganan pasca panen yang baik.", attach="pdf"),
    Scenario(165, "received", "plant", "Taiwan", "Bureau of Animal and Plant Health Inspection and Quarantine (BAPHIQ)",
             "Aglaonema", "Aglaonema sp.", "0602.90.90", "pest", "destruction", "closed",
             "Nematoda pada media tanam.", organism="Radopholus similis",
             findings="Media tanam tanah dipakai, bukan media steril.",
             corrective="Hanya media tanam steril (cocopeat) untuk ekspor.",
             guidance="Pembinaan persyaratan media tanam negara tujuan."),
    Scenario(190, "received", "animal", "Tiongkok", "General Administration of Customs of China (GACC)",
             "Sarang burung walet", "Collocalia fuciphaga", "0410.10.00", "documentation", "detention", "received",
             "Sertifikat kesehatan diduga palsu.", subcategory="fraudulent", attach="pdf"),
    Scenario(215, "received", "animal", "Malaysia", "Department of Veterinary Services (DVS)",
             "DOC ayam (anak ayam umur sehari)", "Gallus gallus domesticus", "0105.11.00", "other_sps",
             "release_after_sorting", "closed", "Kematian DOC melebihi 5 % saat tiba.",
             findings="Penundaan penerbangan 9 jam tanpa ventilasi memadai.",
             corrective="Eksportir memakai kotak berventilasi dan memilih penerbangan langsung.",
             guidance="Pembinaan kesejahteraan hewan dalam pengangkutan."),
    Scenario(7, "issued", "plant", "Tiongkok", nnc_rules.HOME_AUTHORITY, "Bawang putih", "Allium sativum", "0703.20.90",
             "pest", "treatment", "under_investigation", "Ditemukan tungau bawang pada 3 dari 20 sampel.",
             organism="Rhizoglyphus robini", foreign_party="Jinxiang Golden Garlic Trading Co., Ltd.",
             attach="pdf+png"),
    Scenario(28, "issued", "plant", "Amerika Serikat", nnc_rules.HOME_AUTHORITY, "Apel segar", "Malus domestica",
             "0808.10.00", "documentation", "detention", "clarified",
             "Deklarasi tambahan untuk Cydia pomonella tidak dicantumkan.", subcategory="incomplete",
             findings="NPPO AS mengirim sertifikat pengganti dengan deklarasi tambahan.",
             foreign_party="Pacific Orchards Export LLC"),
    Scenario(56, "issued", "animal", "Australia", nnc_rules.HOME_AUTHORITY, "Daging sapi beku", "Bos taurus",
             "0202.30.00", "food_safety", "refusal_reexport", "closed", "Suhu inti kiriman -9 °C, di atas -18 °C.",
             findings="Rantai dingin terputus saat transit.",
             corrective="Otoritas Australia mewajibkan pencatat suhu pada setiap kontainer.",
             foreign_party="Southern Cross Meat Exports Pty Ltd"),
    Scenario(130, "issued", "plant", "Thailand", nnc_rules.HOME_AUTHORITY, "Benih jagung hibrida", "Zea mays",
             "1005.10.00", "prohibited", "destruction", "closed",
             "Benih transgenik tanpa izin pemasukan.",
             findings="Varietas belum terdaftar di Indonesia.", corrective="Kiriman dimusnahkan; importir dibina.",
             guidance="Pembinaan importir tentang izin pemasukan benih.",
             foreign_party="Siam Seeds International Co., Ltd."),
    Scenario(250, "issued", "animal", "Belanda", nnc_rules.HOME_AUTHORITY, "Keju", "Bos taurus", "0406.90.00",
             "other_sps", "none", "void", "Label negara asal tidak sesuai.",
             foreign_party="Hollandse Kaas Export B.V.", void_reason="Salah catat: ternyata bukan ketidaksesuaian."),
)
# Where the consignment entered: for a notice received, the partner country's airport (our export arrived there; the
# demo wrote "Soekarno-Hatta (muat)", the place of loading, under "Tempat pemasukan"); for one issued, ours.
ENTRY_AIRPORTS = {
    "Tiongkok": "Bandara Internasional Baiyun, Guangzhou", "Hong Kong": "Bandara Internasional Hong Kong",
    "Jepang": "Bandara Internasional Narita, Tokyo", "Korea Selatan": "Bandara Internasional Incheon, Seoul",
    "Singapura": "Bandara Changi, Singapura", "Australia": "Bandara Sydney Kingsford Smith",
    "Uni Emirat Arab": "Bandara Internasional Dubai", "Belanda": "Bandara Schiphol, Amsterdam",
    "Taiwan": "Bandara Internasional Taoyuan, Taipei", "Malaysia": "Bandara Internasional Kuala Lumpur",
}
HOME_ENTRY = "Bandara Internasional Soekarno-Hatta"


def point_of_entry(scenario: Scenario) -> str:
    return ENTRY_AIRPORTS[scenario.country] if scenario.flow == "received" else HOME_ENTRY


def _actor(session: Session, username: str, role: str, office_id: int, section: str | None = None):
    """The demo account when it exists (so the history names a person), else a nameless actor of that role."""
    account = session.scalar(select(User).where(User.username == username, User.active))
    if account is not None and account.role == role:
        return current_user_from(account, "demo")
    section_id = session.scalar(select(Section.id).where(Section.code == section)) if section else None
    return nnc_rules.Actor(id=None, username=username, role=role, office_id=office_id, section_id=section_id,
                     section_code=section)


def _top_offenders(session: Session, office_id: int, limit: int = 8) -> list[int]:
    """The service users with the most 3P actions; without 3P data any service users; without those, none."""
    ranked = list(session.scalars(
        select(QuarantineAction.service_user_id).where(QuarantineAction.office_id == office_id,
                                                       QuarantineAction.deleted_at.is_(None))
        .group_by(QuarantineAction.service_user_id)
        .order_by(func.count(QuarantineAction.id).desc(), QuarantineAction.service_user_id).limit(limit)))
    if ranked:
        return ranked
    return list(session.scalars(select(ServiceUser.id).where(ServiceUser.office_id == office_id,
                                                             ServiceUser.deleted_at.is_(None))
                                .order_by(ServiceUser.id).limit(limit)))


def _fitting_application(session: Session, service_user_id: int, section_id: int, flow: str, notice: date,
                         zone: str):
    """The company's latest application the NNC can be about: the flow's direction (received → our export), in
    the section, submitted by the end of the notice day at the office (the NNC service refuses any other)."""
    return session.execute(
        select(Application, ApplicationCommodity)
        .join(ApplicationCommodity, ApplicationCommodity.application_id == Application.id)
        .where(Application.service_user_id == service_user_id, Application.section_id == section_id,
               Application.direction == DIRECTION_OF_FLOW[flow], Application.deleted_at.is_(None),
               Application.submitted_at < local_midnight(notice + timedelta(days=1), zone))
        .order_by(Application.submitted_at.desc(), ApplicationCommodity.line_no).limit(1)).first()


def build_demo_nncs(session: Session, office_code: str = "0300", today: date | None = None) -> dict[str, int]:
    """Record the demo NNCs in an office (idempotent): returns how many were created and skipped."""
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise ValueError(f"no office {office_code!r}")
    today = today or datetime.now(ZoneInfo(office.timezone)).date()
    operator = _actor(session, "operator", "operator", office.id)
    enforcement = _actor(session, "enforcement", "enforcement", office.id)
    coordinators = {code: _actor(session, f"coordinator_{code}", "coordinator", office.id, code)
                    for code in ("animal", "plant")}
    companies = _top_offenders(session, office.id)
    sections = dict(session.execute(select(Section.code, Section.id)).all())
    created = skipped = 0
    named, earliest = set(), None
    for index, scenario in enumerate(SCENARIOS):
        notice = today - timedelta(days=scenario.days_ago)
        number = _number(scenario, notice, index)
        if session.scalar(select(Nnc.id).where(Nnc.office_id == office.id, Nnc.number == number)) is not None:
            skipped += 1
            continue
        data = _data(session, scenario, notice, today, number, sections[scenario.section], companies, index,
                     office.timezone)
        files = _files(scenario, number, notice)
        # The compliance rollups once for all the NNCs below, not once per NNC (~0.2 s each): the same figures.
        saved = nnc.create_nnc(session, operator, data, files, today=today, refresh=False)
        _walk(session, saved["id"], scenario, operator, coordinators[scenario.section], enforcement)
        named.add(saved["service_user_id"])
        earliest = min(notice, earliest or notice)
        created += 1
    session.flush()
    nnc.refresh_compliance(session, named, earliest)
    redecided = _decide_again_after_notices(session, office, named - {None}) if created else 0
    return {"created": created, "skipped": skipped, "redecided": redecided}


def _decide_again_after_notices(session: Session, office: Office, companies: set[int]) -> int:
    """The demo's first copy decided every application before its NNCs existed, where a station records an NNC when
    its notice arrives: the applications of the companies the demo's NNCs name, submitted since their first notice
    and decided before those NNCs were recorded, are decided again, as they would have been (the recent-NNC flag on
    the inspection queue and its effectiveness table). Only those: a decision made once the NNCs existed (a later
    sync's, or any after an operator's NNC) stands, as a station's decisions always do."""
    if not companies:
        return 0
    firsts = session.execute(
        select(Nnc.service_user_id, func.min(Nnc.notice_date), func.min(Nnc.created_at))
        .where(Nnc.office_id == office.id, Nnc.counts_against_compliance, Nnc.service_user_id.in_(sorted(companies)))
        .group_by(Nnc.service_user_id)).all()
    again: list[int] = []
    for service_user_id, notice, recorded in firsts:
        again += session.scalars(
            select(Application.id).join(TargetingDecision, TargetingDecision.application_id == Application.id)
            .where(Application.service_user_id == service_user_id, Application.deleted_at.is_(None),
                   Application.submitted_at >= local_midnight(notice, office.timezone),
                   TargetingDecision.decided_at < recorded)).all()
    for start in range(0, len(again), 1000):
        chunk = again[start:start + 1000]
        session.execute(delete(TargetingDecision).where(TargetingDecision.application_id.in_(chunk)))
    return deciding.decide_new_applications(session, again)


def _number(scenario: Scenario, notice: date, index: int) -> str:
    if scenario.flow == "issued":
        code = "KH" if scenario.section == "animal" else "KT"
        return f"NNC.0300/{code}/{notice.year}/{index + 1:03d}"
    prefix = {"Tiongkok": "GACC", "Hong Kong": "CFS", "Jepang": "MAFF", "Korea Selatan": "APQA", "Singapura": "SFA",
              "Australia": "DAFF", "Uni Emirat Arab": "MOCCAE", "Belanda": "NVWA", "Taiwan": "BAPHIQ",
              "Malaysia": "DVS"}.get(scenario.country, "NNC")
    return f"{prefix}/NNC/{notice.year}/{410 + index * 7:04d}"


def _data(session: Session, scenario: Scenario, notice: date, today: date, number: str, section_id: int,
          companies: list[int], index: int, zone: str) -> dict:
    received = min(notice + timedelta(days=1 + index % 3), today)
    data = {
        "number": number, "notice_date": notice, "received_date": received, "flow": scenario.flow,
        "section_id": section_id, "commodity": scenario.commodity, "scientific_name": scenario.scientific_name,
        "hs_code": scenario.hs_code, "category": scenario.category, "subcategory": scenario.subcategory,
        "organism": scenario.organism, "description": scenario.description, "action_taken": scenario.action,
        "point_of_entry": point_of_entry(scenario),
        "air_waybill": f"126-{40000000 + index * 1234567:08d}"[:12],
        "container_number": f"ULD AKE{51200 + index}GA" if index % 2 else None,
        "lot_number": f"LOT-{notice:%y%m}-{index + 1:02d}",
    }
    if scenario.flow == "received":
        data.update(notifying_authority=scenario.authority, notifying_country=scenario.country,
                    notified_authority=nnc_rules.HOME_AUTHORITY, notified_country=nnc_rules.HOME_COUNTRY)
    else:
        data.update(notifying_authority=nnc_rules.HOME_AUTHORITY, notifying_country=nnc_rules.HOME_COUNTRY,
                    notified_authority=f"National Plant/Animal Protection Organisation, {scenario.country}",
                    notified_country=scenario.country)
    company_id = companies[index % len(companies)] if companies and scenario.flow == "received" else None
    if company_id is not None:
        data["service_user_id"] = company_id
        found = _fitting_application(session, company_id, section_id, scenario.flow, notice, zone)
        if found is not None:
            application, line = found
            data["application_number"] = application.number
            data["handler_id"] = application.handler_id
            data.update(commodity=line.commodity_name or data["commodity"],
                        scientific_name=line.scientific_name or data["scientific_name"],
                        hs_code=line.hs_code or data["hs_code"])
            if data["handler_id"] and session.get(Handler, data["handler_id"]) is None:
                data["handler_id"] = None
    else:
        data["party_name"] = scenario.foreign_party or f"CV Contoh Ekspor {index + 1}"
        data["party_country"] = scenario.country if scenario.foreign_party else nnc_rules.HOME_COUNTRY
    if scenario.flow == "received" and scenario.status in ("under_investigation", "clarified"):
        data["internal_notes"] = "Eksportir sudah dihubungi melalui telepon; menunggu jawaban tertulis."
    return data


def _walk(session: Session, nnc_id: int, scenario: Scenario, operator, coordinator, enforcement) -> None:
    """Take the NNC along its workflow to the scenario's status, as the officers would."""
    if scenario.status == "void":
        nnc.change_status(session, operator, nnc_id, "void", scenario.void_reason)
        return
    if scenario.status == "received":
        return
    nnc.change_status(session, coordinator, nnc_id, "under_investigation",
                      "Klarifikasi diminta kepada eksportir dan PPJK.")
    if scenario.findings:
        nnc.record_follow_up(session, coordinator, nnc_id, {"investigation_findings": scenario.findings})
    if scenario.status == "under_investigation":
        return
    nnc.change_status(session, coordinator, nnc_id, "clarified", "Penyebab sudah diketahui.")
    if scenario.status == "clarified":
        return
    nnc.record_follow_up(session, enforcement, nnc_id, {"corrective_action": scenario.corrective,
                                                        "guidance_given": scenario.guidance}, "closed",
                         "Tindakan korektif diterima.")


# ---------------------------------------------------------------------------------------------------------
# small generated files for the archive


def _files(scenario: Scenario, number: str, notice: date) -> list[tuple[str, bytes]]:
    files = []
    slug = number.replace("/", "-").replace(" ", "")
    if "pdf" in scenario.attach:
        files.append((f"Surat {slug}.pdf", letter_pdf(number, notice, scenario)))
    if "png" in scenario.attach:
        files.append((f"Foto temuan {slug}.png", evidence_png(seed=len(number) + notice.toordinal())))
    return files


def letter_pdf(number: str, notice: date, scenario: Scenario) -> bytes:
    """A one-page scanned-looking notice, made with reportlab."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    page.setTitle(f"Notification of non-compliance {number}")
    page.setFont("Helvetica-Bold", 14)
    sender = scenario.authority if scenario.flow == "received" else nnc_rules.HOME_AUTHORITY
    page.drawString(60, height - 70, sender[:70])
    page.setFont("Helvetica", 10)
    page.drawString(60, height - 88, "NOTIFICATION OF NON-COMPLIANCE (ISPM 13)")
    page.line(60, height - 95, width - 60, height - 95)
    lines = [f"Number: {number}", f"Date: {notice:%d %B %Y}", "",
             f"Commodity: {scenario.commodity} ({scenario.scientific_name}), HS {scenario.hs_code}",
             f"Nature of non-compliance: {scenario.category.replace('_', ' ')}"
             + (f" - {scenario.organism}" if scenario.organism else ""),
             f"Action taken: {scenario.action.replace('_', ' ')}", "", "Details:", scenario.description, "",
             "Please investigate and inform us of the corrective actions taken.", "", "", "Yours faithfully,", "",
             "(signed)", "Head of Plant and Animal Quarantine"]
    y = height - 120
    for line in lines:
        page.drawString(60, y, line[:95])
        y -= 16
    page.showPage()
    page.save()
    return buffer.getvalue()


def evidence_png(width: int = 240, height: int = 160, seed: int = 1) -> bytes:
    """A small 'photo' of the finding: fruit on a tray with dark spots (a PNG written by hand, no imaging library)."""
    cx, cy, radius = width // 2, height // 2, min(width, height) // 3
    spots = [((seed * 37 + i * 53) % (2 * radius) - radius + cx, (seed * 17 + i * 29) % (2 * radius) - radius + cy)
             for i in range(7)]
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            r, g, b = 205 - y // 4, 200 - y // 5, 190 - y // 6  # a grey tray, lit from above
            if (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2:
                r, g, b = 120 + (x * 60) // width, 40, 90  # mangosteen purple
                if any((x - sx) ** 2 + (y - sy) ** 2 <= 16 for sx, sy in spots):
                    r, g, b = 40, 30, 20
            row += bytes((r, g, b))
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + \
        chunk(b"IEND", b"")
