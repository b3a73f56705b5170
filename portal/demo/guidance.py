"""Demo guidance (pembinaan) for the tier-D companies, so the guidance page shows each status: given (its effect
judged 6 months later), planned, and cancelled with a reason. Written through the service, so it is audited, under
the portal's own name (the audit log reads "Sistem"): no person recorded them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Office
from models.compliance import GuidanceRecord
from portal.domain.periods import today_in
from portal.security.scope import SYSTEM_USERNAME
from portal.services.compliance import guidance

# (days from today, status, kind, notes); a negative day was given, a positive one is planned.
PLAN = (
    (-75, "done", "visit", "Kunjungan ke gudang: dokumen fitosanitari dan pelabelan dibahas; SOP diperbaiki."),
    (-30, "done", "letter", "Surat pembinaan atas penahanan berulang; diminta rencana perbaikan 14 hari."),
    (12, "planned", "meeting", "Pertemuan dengan manajemen dan PPJK tentang kelengkapan dokumen."),
    (20, "planned", "socialisation", "Sosialisasi persyaratan negara tujuan untuk staf ekspor."),
)


def build_demo_guidance(session: Session, office_code: str = "0300") -> int:
    """A few guidance records for the lowest-scoring tier-D companies; nothing when the office has some already."""
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None or session.scalar(select(GuidanceRecord.id).where(GuidanceRecord.office_id == office.id)):
        return 0
    today = today_in(office.timezone)
    companies = guidance.guidance_list(session, office_id=office.id, section_scope=None)["rows"][:len(PLAN)]
    saved = []
    for row, (days, status, kind, notes) in zip(companies, PLAN):
        saved.append(guidance.record_guidance(
            session, None, SYSTEM_USERNAME, office_id=office.id, section_scope=None, today=today,
            values={"service_user_id": row["service_user_id"], "given_on": (today + timedelta(days=days)).isoformat(),
                    "status": status, "kind": kind, "notes": notes, "officer_name": "Ir. Dewi Lestari"}))
    if len(saved) == len(PLAN):  # the last plan will not happen: cancelled, with the reason
        guidance.cancel(session, None, SYSTEM_USERNAME, office_id=office.id, section_scope=None,
                        guidance_id=saved[-1]["id"], version=1,
                        reason="Perusahaan sedang audit internal; dijadwalkan ulang bulan depan.")
    return len(saved)
