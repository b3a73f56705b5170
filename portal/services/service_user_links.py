"""Which companies a service-user account may see: the one place that answers it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ServiceUser, ServiceUserLink, User
from portal import audit
from portal.validation import NotFound


def linked_ids(session: Session, user_id: int) -> tuple[int, ...]:
    """The ids of the companies linked to an account, in a stable order."""
    return tuple(session.scalars(select(ServiceUserLink.service_user_id)
                                 .where(ServiceUserLink.user_id == user_id)
                                 .order_by(ServiceUserLink.service_user_id)))


def link(session: Session, actor, user_id: int, service_user_id: int) -> None:
    """Let an account see a company's records (idempotent, audited)."""
    if session.get(User, user_id) is None or session.get(ServiceUser, service_user_id) is None:
        raise NotFound((user_id, service_user_id))
    if session.get(ServiceUserLink, (user_id, service_user_id)) is None:
        session.add(ServiceUserLink(user_id=user_id, service_user_id=service_user_id))
        audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "service_user_linked",
                     "user", user_id, after={"service_user_id": service_user_id})


def link_by_source_id(session: Session, user_id: int, source_id: str | int, actor=None) -> int:
    """Link an account to the company the certification system knows by `source_id`."""
    service_user_id = session.scalar(select(ServiceUser.id).where(ServiceUser.source_id == int(source_id)))
    if service_user_id is None:
        raise NotFound(source_id)
    link(session, actor, user_id, service_user_id)
    return service_user_id
