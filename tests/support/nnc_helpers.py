"""Shared arrangements for the NNC tests: actors of each role, a complete valid NNC, small real files."""
from __future__ import annotations

import base64
import uuid
from datetime import date

from sqlalchemy import select

from support.factories import gen_service_user, section_id
from models import User
from portal.services.accounts import current_user_from

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def actor(database, make_user, role: str, section: str | None = None, service_user_ids=(), username=None):
    """A real account of the role, as the logged-in user the services receive."""
    created = make_user(username or f"{role}_{uuid.uuid4().hex[:6]}", role, section)
    with database.session() as s:
        user = s.scalar(select(User).where(User.id == created["id"]))
        return current_user_from(user, "test", tuple(service_user_ids))


def valid_nnc(session, number: str = "GACC/NNC/2025/0001", section: str = "plant", service_user=None, **overrides):
    """Every required field of a received NNC about a registered exporter."""
    service_user = service_user or gen_service_user(session)
    data = {
        "number": number, "notice_date": date(2025, 3, 3), "received_date": date(2025, 3, 5), "flow": "received",
        "notifying_authority": "General Administration of Customs of China (GACC)", "notifying_country": "Tiongkok",
        "notified_authority": "Badan Karantina Indonesia (Barantin)", "notified_country": "Indonesia",
        "service_user_id": service_user.id, "section_id": section_id(session, section), "commodity": "Manggis",
        "scientific_name": "Garcinia mangostana", "hs_code": "0804.50.20", "category": "pest",
        "organism": "Bactrocera dorsalis", "action_taken": "destruction",
    }
    data.update(overrides)
    return data


def form_state(values: dict, files=None, nnc_id=None, opened=None) -> list[dict]:
    """The NNC form's fields as the Dash save callback receives them (state), with staged uploads and the version
    the form opened (`opened`, what its load callback kept in nnc-form-opened)."""
    from layouts.nnc_form import FORM_FIELDS

    state = [{"id": f"nnc-form-{name}", "property": "value", "value": values.get(name)} for name in FORM_FIELDS]
    return state + [{"id": "nnc-form-files", "property": "data", "value": files or []},
                    {"id": "nnc-form-id", "property": "data", "value": nnc_id},
                    {"id": "nnc-form-opened", "property": "data", "value": opened}]


def upload(name: str, data: bytes, mime: str = "application/pdf") -> dict:
    """One file as dcc.Upload hands it to the form (a data URL)."""
    content = f"data:{mime};base64," + base64.b64encode(data).decode()
    return {"name": name, "size": len(data), "content": content}


# The NNC form's two save buttons as a click on the lower one sends them (the page tests and the scale-out test).
SAVE = [{"id": "nnc-form-save", "property": "n_clicks", "value": 1},
        {"id": "nnc-form-save-top", "property": "n_clicks", "value": None}]
