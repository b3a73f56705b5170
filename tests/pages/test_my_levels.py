"""The service user sees their inspection level per section and how many clean consignments move them to the
next one — read from the compliance snapshot the decisions take their level from, for their own companies only."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone


from portal.services.compliance.rollup import refresh_rollups
from portal.services.targeting.levels import my_levels
from support.factories import gen_action, gen_application, gen_service_user
from support.portal_helpers import company_viewer, link_account, my_list
from support.web import login

NOW = datetime.now(timezone.utc).replace(microsecond=0)



def _arrange(session, make_user):
    """Own company: 6 clean plant consignments; an animal one detained and refused. Another company: 30 clean."""
    make_user("pengguna_level", "service_user")
    mine, other = gen_service_user(session, name="PT Level Sendiri"), gen_service_user(session, name="PT Lain")
    link_account(session, "pengguna_level", mine)
    for n in range(6):
        gen_application(session, mine, submitted_at=NOW - timedelta(days=20 - n))
    detained = gen_application(session, mine, section="animal", submitted_at=NOW - timedelta(days=3),
                               stages=("submitted", "verified", "detained", "refused"))
    gen_action(session, detained, "detention")
    gen_action(session, detained, "refusal", action_at=detained.completed_at)
    for n in range(30):
        gen_application(session, other, submitted_at=NOW - timedelta(days=40 - n))
    refresh_rollups(session, service_user_ids=[mine.id, other.id], scores=True)
    session.commit()
    return mine


def test_levels_follow_the_clean_streak_per_section_and_count_the_way_to_the_next(session, make_user):
    mine = _arrange(session, make_user)
    rows = {row["section"]: row for row in my_levels(session, company_viewer(session, "pengguna_level"))}

    assert set(rows) == {"animal", "plant"}
    assert {row["company_id"] for row in rows.values()} == {mine.id}  # never the other company
    assert (rows["plant"]["level"], rows["plant"]["clean_to_next"], rows["plant"]["next_level"]) == \
        ("normal", 19, "reduced")  # 5 to leave tightened, 20 more: 25 - 6
    assert (rows["animal"]["level"], rows["animal"]["clean_to_next"], rows["animal"]["next_level"]) == \
        ("tightened", 5, "normal")


def test_my_page_shows_the_level_and_the_clean_consignments_to_the_next(app, client, session, make_user):
    _arrange(session, make_user)
    login(client, "pengguna_level")
    body = my_list(app, client).json["response"]  # the list's first answer draws them
    text = json.dumps(body["my-levels"])

    assert "Tingkat pemeriksaan Anda" in text
    assert "19 konsinyasi bersih lagi menuju Dikurangi (5%)" in text
    assert "5 konsinyasi bersih lagi menuju Normal (25%)" in text
    assert "PT Lain" not in text
