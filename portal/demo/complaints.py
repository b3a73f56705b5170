"""Demo complaints: every channel and status, some overdue, so the register has something true to show."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from models import Application, Complaint, User
from models.base import utcnow
from models.complaint import CHANNELS
from portal.services import complaints

SAMPLES = (
    ("service", "Antrean pemeriksaan lama di gudang kargo", "Kiriman manggis kami menunggu pemeriksaan lebih dari 4 jam."),
    ("information_request", "Syarat ekspor sarang burung walet ke Tiongkok", "Dokumen apa saja yang diperlukan dan berapa lama prosesnya?"),
    ("tariff", "Rincian PNBP tidak sesuai", "Tagihan PNBP untuk 3 koli anggrek tampak lebih besar dari tarif yang berlaku."),
    ("officer_conduct", "Petugas meminta biaya tambahan", "Ada oknum yang meminta uang agar dokumen dipercepat. Mohon ditindak."),
    ("service", "Draf sertifikat belum muncul", "Sudah lewat satu hari sejak pemeriksaan, draf sertifikat belum ada di portal."),
    ("information_request", "Cara mendaftar akun portal", "Bagaimana perusahaan kami mendapatkan akun Q-Corner?"),
    ("other", "Saran: papan informasi di area layanan", "Mohon disediakan papan alur layanan karantina di lobi."),
    ("service", "Sertifikat salah nama penerima", "Nama consignee pada sertifikat salah ketik, mohon dikoreksi."),
    ("tariff", "Pembayaran sudah lunas tapi status belum berubah", "NTPN sudah ada tetapi status masih menunggu pembayaran."),
)
ANSWER = "Terima kasih atas laporannya. Sudah kami tindak lanjuti bersama petugas terkait."


def build_demo_complaints(session, office_code: str = "0300", seed: int = 7, count: int = 27) -> int:
    """Create `count` complaints over the last 40 days across channels and statuses (idempotent: skips if any exist)."""
    if session.scalar(select(Complaint.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    operator = session.scalar(select(User).where(User.username == "operator"))
    if operator is None:
        return 0
    synced = session.scalar(select(Application.id).where(Application.office_id == operator.office_id).limit(1))
    now = utcnow()
    for index in range(count):
        category, subject, text = SAMPLES[index % len(SAMPLES)]
        received = now - timedelta(days=rng.uniform(0, 40), hours=rng.uniform(0, 8))
        data = {"channel": CHANNELS[index % len(CHANNELS)], "category": category, "subject": subject, "text": text,
                "reporter_name": rng.choice(["Sari", "Budi", "Dewi", "Andi", None]),
                "reporter_contact": rng.choice(["0812-1111-2222", None]), "reporter_email": None,
                "received_at": received}
        # About a third name an application: one of the office's latest already submitted when the complaint came
        # (the complaints service refuses one submitted later).
        numbers = _submitted_by(session, operator.office_id, received) if synced and rng.random() < 0.3 else []
        data["application_number"] = rng.choice(numbers) if numbers else None
        created = complaints.create(session, operator, data, source="officer")
        complaint = session.get(Complaint, created["id"])
        complaint.assignee_id = operator.id
        age = (now - received).days
        # Older complaints are mostly answered; a few stay open past their due date, as in real life.
        status = "closed" if age > 20 and rng.random() < 0.7 else (
            "answered" if age > 7 and rng.random() < 0.6 else rng.choice(["new", "in_progress"]))
        if status in ("answered", "closed"):
            complaint.status, complaint.answer = status, ANSWER
            complaint.answered_at = received + timedelta(hours=rng.uniform(2, 96))
            complaint.closed_at = complaint.answered_at + timedelta(days=1) if status == "closed" else None
        else:
            complaint.status = status
        if status != "new":
            # Taken up within a few hours to a few working days, so some first responses come late, as in real life.
            taken_up = received + timedelta(hours=4 + (index * 7) % 100)
            complaint.first_response_at = min(taken_up, complaint.answered_at or taken_up, now)
    return count


def _submitted_by(session, office_id: int, moment, limit: int = 50) -> list[str]:
    """The numbers of the office's latest applications submitted by `moment`, newest first."""
    return list(session.scalars(select(Application.number).where(
        Application.office_id == office_id, Application.deleted_at.is_(None), Application.submitted_at <= moment)
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(limit)))
