"""A fresh web worker answers its first requests whole, however many arrive at once.

Dash sets itself up at a process's first request and marks that done before doing it: with several threads per
worker, the concurrent first requests of a fresh worker (a browser fetches a page's scripts at once, the page itself
drawn by another worker) found no component library registered, and AG Grid's script answered 500 — no grid drew
until a reload. portal.app sets Dash up when the app is made.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from portal import create_app
from support.web import login


def test_a_new_app_has_every_component_library_registered_before_its_first_request(settings):
    app = create_app(settings)
    assert {"dash", "dash_ag_grid", "dash_bootstrap_components", "plotly"} <= set(app.registered_paths)


def test_a_fresh_worker_serves_every_script_of_another_workers_page_to_concurrent_requests(settings, make_user):
    make_user("petugas_pertama", "operator")
    drawn_by = create_app(settings).server.test_client()
    login(drawn_by, "petugas_pertama")
    page = drawn_by.get("/nnc")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', page.get_data(as_text=True))
    assert any("dash_ag_grid" in path for path in scripts), scripts

    fresh = create_app(settings).server  # the other worker: it has answered nothing yet
    cookies = [(cookie.key, cookie.value) for cookie in drawn_by._cookies.values()]  # the browser's, for any worker

    def fetch(path: str) -> int:
        client = fresh.test_client()
        for key, value in cookies:
            client.set_cookie(key, value)
        return client.get(path).status_code

    with ThreadPoolExecutor(max_workers=8) as threads:
        answered = dict(zip(scripts, threads.map(fetch, scripts)))
    assert {path: status for path, status in answered.items() if status != 200} == {}
