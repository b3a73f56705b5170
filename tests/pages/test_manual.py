"""The user manual's screenshot script runs on the demo data, so the manual cannot silently break."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "manual" / "make_screenshots.py"


def _script():
    spec = importlib.util.spec_from_file_location("make_screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_manual_chapter_exists_in_both_languages():
    from portal.manual import MANUAL_DIR

    for role in ("service_user", "operator", "coordinator", "enforcement", "head", "national", "admin"):
        for language in ("id", "en"):
            assert (MANUAL_DIR / language / f"{role}.md").read_text(encoding="utf-8").startswith("# "), (role, language)


def test_the_script_takes_exactly_the_screenshots_the_manual_shows():
    import re

    from portal.manual import MANUAL_DIR

    shown = {name for path in MANUAL_DIR.glob("*/*.md")
             for name in re.findall(r"\(\.\./screenshots/([a-z0-9_-]+)\.png\)", path.read_text(encoding="utf-8"))}
    taken = {shot.name for shot in _script().SHOTS}
    assert shown <= taken, f"screenshots shown but never taken: {sorted(shown - taken)}"
    # A picture no chapter shows is served to no one (/help/screenshots answers 404): taking it is wasted time.
    assert taken <= shown, f"screenshots taken but shown in no chapter: {sorted(taken - shown)}"


def test_screenshot_script_runs_on_the_demo(settings, live_server, browser, tmp_path):
    from portal.demo.build import build_demo
    from portal.settings import load_settings

    demo_settings = load_settings(**{**settings.model_dump(), "iqfast_url": f"sqlite:///{tmp_path / 'iqfast.db'}",
                                     "demo_password": "qcorner-demo", "env": "demo"})
    # Two days of sync runs, not the demo's year: the sync page's shot needs runs, not 105,000 of them (inserting
    # them was half of this test's build; the year is the long-task tests' work).
    summary = build_demo(demo_settings, days=2, say=lambda _text: None, sync_history_days=2)
    assert summary["sync"]["status"] == "success" and summary["nncs"]["created"] > 0
    # Every shot finds its page and what it waits for; the pauses that only make the pictures calm are left out.
    written = _script().take_screenshots(live_server, "qcorner-demo", tmp_path / "shots", browser=browser,
                                         settle=False)
    assert len(written) == len(_script().SHOTS)
    assert all(path.stat().st_size > 10_000 for path in written)
