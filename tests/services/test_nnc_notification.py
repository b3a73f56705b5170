"""The company a new NNC names is told on its notification channels, once, in Indonesian."""
from __future__ import annotations

from sqlalchemy import select

from support.factories import gen_service_user
from models import NotificationOutbox
from support.nnc_helpers import actor, valid_nnc
from portal.services import notifications, service_user_links
from portal.services.nnc import register as nnc


def test_new_nnc_notifies_the_companys_accounts_and_void_ones_do_not(database, make_user):
    operator = actor(database, make_user, "operator")
    account = make_user("eksportir_nnc", "service_user", email="eksportir@contoh.invalid")
    with database.session() as session:
        company = gen_service_user(session)
        service_user_links.link(session, None, account["id"], company.id)
        company_id = company.id
    with database.session() as session:
        saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=session.get(
            type(company), company_id)))
    with database.session() as session:
        rows = session.scalars(select(NotificationOutbox).where(
            NotificationOutbox.recipient_user_id == account["id"])).all()
        assert {row.channel for row in rows} == {"inbox", "email"}
        assert {row.event_key for row in rows} == {f"nnc_{saved['id']}"}
        message = notifications.render(session, rows[0])
        assert "GACC/NNC/2025/0001" in message["text"] and "tindakan korektif" in message["text"]
        assert message["link"] == f"/my/nnc/{saved['id']}"
    with database.session() as session:
        nnc.create_nnc(session, operator, valid_nnc(session, number="GACC/NNC/2025/0002",
                                                    service_user=session.get(type(company), company_id)),
                       status="void", void_reason="Salah kirim")
    with database.session() as session:
        assert session.scalar(select(NotificationOutbox.id).where(
            NotificationOutbox.event_key.like("nnc_%"), NotificationOutbox.event_key != f"nnc_{saved['id']}")) is None
