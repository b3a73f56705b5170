"""The company a new NNC names is told on its notification channels, once, in Indonesian."""
from __future__ import annotations

from sqlalchemy import select

from support.factories import gen_service_user
from models import NotificationOutbox, ServiceUser
from support.nnc_helpers import actor, valid_nnc
from portal.services import notifications, service_user_links
from portal.services.nnc import register as nnc


def _company_with_account(database, make_user, username: str):
    """An operator, and a company with one account of `username`: (operator, account, the company's id)."""
    operator = actor(database, make_user, "operator")
    account = make_user(username, "service_user", email=f"{username}@contoh.invalid")
    with database.session() as session:
        company = gen_service_user(session)
        service_user_links.link(session, None, account["id"], company.id)
        return operator, account, company.id


def test_new_nnc_notifies_the_companys_accounts_and_void_ones_do_not(database, make_user):
    operator, account, company_id = _company_with_account(database, make_user, "eksportir_nnc")
    with database.session() as session:
        saved = nnc.create_nnc(session, operator, valid_nnc(session, service_user=session.get(ServiceUser, company_id)))
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
                                                    service_user=session.get(ServiceUser, company_id)),
                       status="void", void_reason="Salah kirim")
    with database.session() as session:
        assert session.scalar(select(NotificationOutbox.id).where(
            NotificationOutbox.event_key.like("nnc_%"), NotificationOutbox.event_key != f"nnc_{saved['id']}")) is None


def test_the_message_says_from_which_country_a_received_nnc_came_and_to_which_an_issued_one_went(database, make_user):
    """An issued NNC named the station's own country ("from Indonesia"), which told the importer nothing."""
    operator, account, company_id = _company_with_account(database, make_user, "importir_nnc")
    texts = {}
    for flow, number, sides in (
            ("received", "GACC/NNC/2025/0003", {}),
            ("issued", "NNC.0300/KT/2025/004", {"notifying_authority": "Badan Karantina Indonesia (Barantin)",
                                                "notifying_country": "Indonesia",
                                                "notified_authority": "NVWA", "notified_country": "Belanda"})):
        with database.session() as session:
            saved = nnc.create_nnc(session, operator, valid_nnc(
                session, number=number, flow=flow, service_user=session.get(ServiceUser, company_id), **sides))
        with database.session() as session:
            row = session.scalars(select(NotificationOutbox).where(
                NotificationOutbox.event_key == f"nnc_{saved['id']}", NotificationOutbox.channel == "inbox")).one()
            texts[flow] = notifications.render(session, row)["text"]
    assert "dari Tiongkok" in texts["received"]
    assert "kepada Belanda" in texts["issued"] and "Indonesia" not in texts["issued"]
