"""The manual's screenshots (/help/screenshots/<name>) go only to a reader of a chapter that shows them: a service user
fetching an officers' page's picture by name gets the same 404 as for a missing one."""
from __future__ import annotations

from portal.manual import MANUAL_DIR, SCREENSHOT_DIR, screenshots_of
from portal.security.permissions import MANUAL_CHAPTERS


def _get(client, name: str):
    return client.get(f"/help/screenshots/{name}")


def test_a_service_user_gets_its_chapters_screenshots_and_404_for_an_officers_page_by_name(logged_in):
    client = logged_in("service_user")
    own = _get(client, "my-applications.png")
    assert own.status_code == 200 and own.mimetype == "image/png"
    missing = _get(client, "no-such-page.png")
    assert missing.status_code == 404
    officers = sorted(set().union(*(screenshots_of(chapter) for chapter in MANUAL_CHAPTERS))
                      - screenshots_of("service_user"))
    assert "nnc-form.png" in officers and "admin-users.png" in officers
    for name in officers:
        assert (SCREENSHOT_DIR / name).exists(), name  # refused, not missing
        refused = _get(client, name)
        assert refused.status_code == 404, name
        assert refused.get_data() == missing.get_data(), name  # tells nothing a missing name would not


def test_an_officer_gets_the_screenshots_of_every_chapter_and_no_picture_no_chapter_shows(logged_in, tmp_path,
                                                                                            monkeypatch):
    import shutil

    from portal import manual

    client = logged_in("operator")
    shown = set().union(*(screenshots_of(chapter) for chapter in MANUAL_CHAPTERS))
    for name in ("nnc-form.png", "kpi.png", "admin-users.png", "my-applications.png"):
        assert name in shown and _get(client, name).status_code == 200, name
    # A file on disk that no chapter shows is no one's (every picture the script takes is shown: test_manual.py), so
    # the folder is served here with one more, as a picture left behind by a dropped shot would be.
    shutil.copytree(SCREENSHOT_DIR, tmp_path / "screenshots")
    shutil.copy(SCREENSHOT_DIR / "kpi.png", tmp_path / "screenshots" / "dropped-shot.png")
    monkeypatch.setattr(manual, "SCREENSHOT_DIR", tmp_path / "screenshots")
    assert _get(client, "kpi.png").status_code == 200
    unshown = [path.name for path in (tmp_path / "screenshots").glob("*.png") if path.name not in shown]
    assert unshown == ["dropped-shot.png"]
    for name in unshown:
        assert _get(client, name).status_code == 404, name


def test_a_screenshot_is_cached_by_the_readers_browser_only(logged_in):
    """Who may have a screenshot depends on who asks: a shared proxy keeping it would hand it to the next person."""
    cache = _get(logged_in("service_user"), "my-applications.png").headers["Cache-Control"]
    assert "private" in cache and "public" not in cache and "max-age=3600" in cache


def test_the_manual_names_its_screenshots_the_way_the_route_reads_them():
    """Every picture a chapter shows is found by the route's reading of the chapter, in both languages."""
    for chapter in MANUAL_CHAPTERS:
        for language in ("id", "en"):
            text = (MANUAL_DIR / language / f"{chapter}.md").read_text(encoding="utf-8")
            assert text.count("](../screenshots/") == sum(
                text.count(f"](../screenshots/{name})") for name in screenshots_of(chapter)), (chapter, language)
