"""Targeting decisions for page and service tests, written straight into targeting_decisions (the sync's deciding
is t1's and tested on its own): the queue, the panel and the leak test need decisions of a known shape."""
from __future__ import annotations

from datetime import datetime, timezone

from models import Office
from models.targeting import TargetingDecision
from portal.domain.periods import local_date
from support.factories import gen_application, gen_service_user

RATES = {"tightened": 1.0, "normal": 0.25, "reduced": 0.05}


def gen_decision(session, application, *, level: str = "normal", draw: float = 0.5, flags=(),
                 decided_at: datetime | None = None, **overrides) -> TargetingDecision:
    """The decision of `application`: selected when the draw is under the level's rate or a flag is raised."""
    rate = overrides.pop("rate", RATES[level])
    flag_list = [{"code": code, "evidence": {"test": True}} for code in flags]
    values = {"application_id": application.id, "office_id": application.office_id,
              "section_id": application.section_id, "service_user_id": application.service_user_id,
              "iqfast_id": application.source_id, "level": level, "rate": rate, "draw": draw,
              "random_selected": draw < rate, "flags": flag_list, "selected": draw < rate or bool(flag_list),
              "key_version": 1, "settings_version": 0, "level_basis": {"clean_streak": 0},
              "decided_at": decided_at or application.submitted_at}
    values.update(overrides)
    decision = TargetingDecision(**values)
    session.add(decision)
    session.flush()
    return decision


def queue_consignment(database, *, company: str, commodity: str, number: str, level: str = "tightened",
                      flags=("new_commodity",)) -> tuple[str, int]:
    """One consignment submitted now and selected (draw 0.9 under a tightened level, or by a flag), committed: the
    day that opens it in the inspection queue's address (the office's date) and its application's id."""
    with database.session() as s:
        owner = gen_service_user(s, name=company)
        submitted = datetime.now(timezone.utc).replace(microsecond=0)
        application = gen_application(s, owner, submitted_at=submitted, stages=("submitted",), commodity=commodity,
                                      number=number)
        gen_decision(s, application, level=level, draw=0.9, flags=flags)
        day = local_date(submitted, s.get(Office, application.office_id).timezone)
        s.commit()
        return day.isoformat(), application.id
