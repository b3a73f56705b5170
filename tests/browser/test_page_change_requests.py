"""A page change costs the server one request for the shell (issue #17): the router's, which names the page too. The
tab's title, the phone menu and the page alert follow in the browser, and the menu's counts are not read again;
checked on what real Chromium sends, as the load proof's browser stand-in (benchmarks/load/dash_client.py) assumes."""
from __future__ import annotations

import json

import pytest

from support.browser import settle, sign_in
from test_browser_login import demo_accounts  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

SHELL_ONLY = ("shell-title", "shell-navbar-collapse", "shell-alert", "shell-bell-count", "shell-badge-corrections")


def _outputs(page) -> list[str]:
    """The output key of every callback request the tab sends from now on."""
    sent = []
    page.on("request", lambda request: sent.append(json.loads(request.post_data)["output"])
            if "/_dash-update-component" in request.url and request.method == "POST" else None)
    return sent


@pytest.mark.parametrize("username,start,link,target,drawn", [
    ("operator", "/nnc", "#shell-nav-corrections", "/corrections", "#corrections-status"),
    ("service_user", "/my/applications", "#shell-nav-my-nnc", "/my/nnc", "#my-nnc-list"),
    # Its section select comes with the page: no callback asked for the choices after it.
    ("admin", "/kpi", "#shell-nav-applications", "/applications", "#applications-section"),
])
def test_a_page_change_from_the_menu_asks_the_server_once_for_the_shell(page, demo_accounts, username, start, link,
                                                                         target, drawn):
    sign_in(page, username, "qcorner-demo")
    page.goto(start)
    page.wait_for_selector("#shell-content h1")
    settle(page)
    sent = _outputs(page)
    page.click(link)
    page.wait_for_url(f"**{target}")
    page.wait_for_selector(drawn)
    settle(page)
    routers = [key for key in sent if "shell-content.children" in key]
    assert len(routers) == 1 and "shell-title.data" in routers[0], sent
    # A page may redraw a count it has just read in its own answer (the corrections list its badge); no request is
    # the shell's alone.
    assert not [key for key in sent if key != routers[0] and key.strip(".").startswith(SHELL_ONLY)], sent
    assert not [key for key in sent if "-section.options" in key], sent
    assert page.title().endswith("· Q-Corner") and page.title() != "Q-Corner"
