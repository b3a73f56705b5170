"""The demo set-up `make run` builds: an account for every role, printed on screen."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from portal.services import users

DEMO_ACCOUNTS = (
    # username, role, section, full name
    ("admin", "admin", None, "Admin Q-Corner"),
    ("operator", "operator", None, "Siti Rahmawati (Petugas Pelayanan)"),
    ("coordinator_animal", "coordinator", "animal", "drh. Bambang Prasetyo (Koordinator KH)"),
    ("coordinator_plant", "coordinator", "plant", "Ir. Dewi Lestari (Koordinator KT)"),
    ("enforcement", "enforcement", None, "Agus Salim (Koordinator Wasdak)"),
    ("head", "head", None, "Dr. Hendra Wijaya (Kepala Balai)"),
    ("service_user", "service_user", None, "Rudi Hartono (Pengguna Jasa)"),
)


def create_demo_accounts(session: Session, password: str, office_code: str = "0300") -> list[dict]:
    """Create the seven demo accounts, or reset their passwords if they exist (idempotent)."""
    office_id = users.office_id_by_code(session, office_code)
    created = []
    for username, role, section, full_name in DEMO_ACCOUNTS:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            users.create_user(session, None, {
                "username": username, "role": role, "full_name": full_name, "office_id": office_id,
                "section_id": users.section_id_by_code(session, section), "password": password,
                "email": f"{username}@demo.qcorner.invalid"})
        else:
            users.reset_password(session, None, existing.id, password)
            existing.active = True
        created.append({"username": username, "role": role, "section": section or ""})
    return created
