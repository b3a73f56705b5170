"""`qcorner demo` run twice: the second run adds nothing (issue #15; `make run` reruns the demo every time)."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Base
from portal.demo.build import build_demo
from portal.settings import load_settings


def _counts(database) -> dict[str, int]:
    with database.session() as s:
        return {name: s.scalar(select(func.count()).select_from(table))
                for name, table in Base.metadata.tables.items()}


def test_building_the_demo_twice_leaves_every_table_count_equal(settings, database, tmp_path):
    demo = load_settings(**{**settings.model_dump(), "env": "demo",
                            "iqfast_url": f"sqlite:///{tmp_path / 'iqfast.db'}"})
    summary = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    first = _counts(database)
    again = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    second = _counts(database)

    assert first["survey_invitations"] > 0 and first["applications"] > 0
    # The demo company has asked about two drafts: the officers' list has one open, its portal one answer.
    assert summary["corrections"] == again["corrections"] == {"open": 1, "answered": 1}
    assert {name: (first[name], second[name]) for name in first if first[name] != second[name]} == {}


