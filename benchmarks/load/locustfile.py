"""Q-Corner under load: people of every role working at once, as a browser would drive the portal.

Run by proof/load.py (which builds the data, the accounts and the servers); by hand:

    LOAD_ACCOUNTS=accounts.json .venv-load/bin/locust -f benchmarks/load/locustfile.py --headless \
        -u 50 -r 5 -t 5m --host http://127.0.0.1:8050 --csv /tmp/load

LOAD_ACCOUNTS is a JSON file {"service_user": [{"username", "password"}, …], "operator": […],
"coordinator_plant": […], "coordinator_animal": […], "enforcement": […], "head": […], "admin": […]}; each simulated
person takes the next account of their role (so no account is shared until the list runs out).
LOAD_VIEWS_OUT (optional): where to write, as JSON when the run stops, every request's response time by name and
each page view's and action's total time (all its requests, chained callbacks included — what the person waits
for).

Each person logs in through the real /login form (with its CSRF token), lands on their role's home page with a
full page load (page, /_dash-layout, /_dash-dependencies, then every initial callback), and then works: moves
between the pages of their role from the menu (client-side navigation: the router callback and the page's own
callbacks), changes filters, pages through lists, opens a row, with 1–3 s between actions. Now and then a page
is reloaded, or the person logs out and in again. Requests are named "<page> | <callback's first output>".
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict

from locust import FastHttpUser, between, events, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dash_client import Tab, page_template  # noqa: E402

ACCOUNTS = {}
if os.environ.get("LOAD_ACCOUNTS"):
    with open(os.environ["LOAD_ACCOUNTS"]) as handle:
        ACCOUNTS = json.load(handle)
_NEXT = defaultdict(itertools.count)
_LOCK = threading.Lock()
VIEWS: dict[str, list[float]] = defaultdict(list)
VIEW_ERRORS: dict[str, int] = defaultdict(int)


def next_account(kind: str) -> dict:
    accounts = ACCOUNTS.get(kind) or [{"username": kind, "password": os.environ.get("LOAD_PASSWORD", "qcorner-demo")}]
    with _LOCK:
        return accounts[next(_NEXT[kind]) % len(accounts)]


REQUESTS: dict[str, list[float]] = defaultdict(list)
REQUEST_ERRORS: dict[str, list[str]] = defaultdict(list)


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    """Every response time as it is, so the orchestrator can compute exact percentiles per page."""
    REQUESTS[name].append(response_time)
    if exception is not None:
        REQUEST_ERRORS[name].append(str(exception)[:200])


@events.test_stop.add_listener
def _write_views(**_kwargs):
    target = os.environ.get("LOAD_VIEWS_OUT")
    if target:
        with open(target, "w") as handle:
            json.dump({"views": VIEWS, "view_errors": VIEW_ERRORS, "requests": REQUESTS,
                       "request_errors": REQUEST_ERRORS}, handle)


class PortalUser(FastHttpUser):
    """One person in a browser tab; subclasses say which role and what they do."""

    abstract = True
    kind = "service_user"
    wait_time = between(1, 3)
    concurrency = 6  # a browser's connections per host
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        self.account = next_account(self.kind)
        self.tab = None
        self.actions = 0
        self.login()

    # ------------------------------------------------------------------ helpers
    def timed(self, name: str, action) -> None:
        """Run one action and record how long the person waited for all of it."""
        errors_before = self.tab.errors if self.tab else 0
        started = time.perf_counter()
        action()
        elapsed = (time.perf_counter() - started) * 1000
        VIEWS[name].append(elapsed)
        if self.tab and self.tab.errors > errors_before:
            VIEW_ERRORS[name] += 1

    def login(self):
        self.client.cookiejar.clear()
        with self.client.get("/login", name="GET /login", catch_response=True) as response:
            match = re.search(r'name="csrf_token" value="([^"]+)"', response.text or "")
            if response.status_code != 200 or not match:
                response.failure(f"login form: HTTP {response.status_code}")
                return
        with self.client.post("/login", data={"username": self.account["username"],
                                              "password": self.account["password"], "csrf_token": match.group(1)},
                              name="POST /login", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login refused: HTTP {response.status_code}")
                return
            home = re.sub(r"^https?://[^/]+", "", response.headers.get("Location", "/"))
        self.tab = Tab(self.client)
        self.timed(f"login + {page_template(home)}", lambda: self.tab.load(home))

    def go(self, path: str):
        """Open a page from the menu (client-side); now and then as a full page load."""
        if self.tab is None or self.tab.root is None:
            self.login()
            return
        self.tab.tick_intervals()
        if random.random() < 0.1:
            self.timed(f"load {page_template(path)}", lambda: self.tab.load(path))
        else:
            self.timed(f"view {page_template(path)}", lambda: self.tab.navigate(path))

    def act(self, name: str, action) -> bool:
        """An interaction on the current page; skipped when the page does not offer it."""
        if self.tab is None or self.tab.root is None:
            return False
        result = {}

        def run():
            result["done"] = action()

        self.timed(f"{page_template(self.tab.path)} {name}", run)
        return bool(result.get("done"))

    def choose(self, component, exclude=()) -> bool:
        """Pick another value of a select (a filter) at random."""
        options = [v for v in self.tab.options(component) if v not in exclude and v != self.tab.value(component,
                                                                                                      "value")]
        if not options:
            return False
        return self.act(f"filter {component}", lambda: self.tab.set(component, "value", random.choice(options)))

    def open_row(self, grid: str) -> bool:
        rows = self.tab.rows(grid) if self.tab else []
        if not rows:
            return False
        row = random.choice(rows[:20])
        return self.act(f"open row {grid}", lambda: self.tab.click_row(grid, row))

    def follow(self, pattern: str) -> bool:
        links = self.tab.links(pattern) if self.tab else []
        if not links:
            return False
        self.go(random.choice(links))
        return True

    def next_page(self, button: str) -> bool:
        if not self.tab or not self.tab.has(button) or self.tab.value(button, "disabled"):
            return False
        return self.act(f"next page {button}", lambda: self.tab.click(button))

    def on_page(self, path: str) -> bool:
        return self.tab is not None and self.tab.path.split("?")[0] == path

    @task(1)
    def relogin(self):
        """Now and then: log out (ends the server session) and log in again."""
        if random.random() < 0.3:
            # Logout is a POST with the CSRF token; a GET of /logout only draws the button that asks.
            asked = self.client.get("/logout", name="GET /logout", allow_redirects=False)
            match = re.search(r'name="csrf_token" value="([^"]+)"', asked.text or "")
            if match:
                self.client.post("/logout", data={"csrf_token": match.group(1)}, name="POST /logout",
                                 allow_redirects=False)
            self.login()


class Coordinator(PortalUser):
    abstract = True

    @task(6)
    def rankings(self):
        self.go("/rankings")
        roll = random.random()
        if roll < 0.3:
            self.choose("rankings-tier")
        elif roll < 0.45:
            self.choose("rankings-direction")
        elif roll < 0.55:
            self.choose("rankings-sort")
        elif roll < 0.7:
            self.next_page("rankings-next")
        if random.random() < 0.5:
            self.open_row("rankings-grid")  # → the company's profile

    @task(2)
    def priority(self):
        self.go("/priority")
        if random.random() < 0.4:
            self.open_row("priority-grid")

    @task(1)
    def guidance(self):
        self.go("/guidance")

    @task(3)
    def applications(self):
        self.go("/applications")
        roll = random.random()
        if roll < 0.3:
            self.choose("applications-stage")
        elif roll < 0.5:
            rows = self.tab.rows("applications-grid") if self.tab else []
            if rows and rows[0].get("number"):
                number = str(random.choice(rows)["number"])[:6]
                self.act("search number", lambda: self.tab.set("applications-number", "value", number))
        elif roll < 0.6:
            self.next_page("applications-next")
        if random.random() < 0.6:
            self.open_row("applications-grid")  # → the application's timeline

    @task(2)
    def nnc(self):
        self.go("/nnc")
        if random.random() < 0.3:
            self.choose("nnc-status")
        if random.random() < 0.4:
            self.open_row("nnc-grid")

    @task(1)
    def survey(self):
        self.go("/survey-results")


class CoordinatorPlant(Coordinator):
    weight = 6
    kind = "coordinator_plant"


class CoordinatorAnimal(Coordinator):
    weight = 6
    kind = "coordinator_animal"


class Enforcement(Coordinator):
    weight = 5
    kind = "enforcement"

    @task(3)
    def rankings_other_section(self):
        self.go("/rankings")
        self.choose("rankings-section")
        if random.random() < 0.4:
            self.open_row("rankings-grid")

    @task(2)
    def complaints(self):
        self.go("/complaints")
        if random.random() < 0.3:
            self.choose("complaints-status")
        if random.random() < 0.3:
            self.open_row("complaints-grid")


class Head(PortalUser):
    weight = 5
    kind = "head"

    @task(6)
    def kpi(self):
        self.go("/kpi")
        roll = random.random()
        if roll < 0.4:
            self.choose("kpi-preset", exclude=("custom",))
        elif roll < 0.6:
            self.choose("kpi-section")

    @task(3)
    def rankings(self):
        self.go("/rankings")
        if random.random() < 0.3:
            self.choose("rankings-section")
        if random.random() < 0.3:
            self.open_row("rankings-grid")

    @task(2)
    def survey(self):
        self.go("/survey-results")
        if random.random() < 0.3:
            self.choose("survey-preset", exclude=("custom",))

    @task(1)
    def complaints(self):
        self.go("/complaints")

    @task(1)
    def nnc(self):
        self.go("/nnc")

    @task(1)
    def applications(self):
        self.go("/applications")
        if random.random() < 0.5:
            self.open_row("applications-grid")


class Operator(PortalUser):
    weight = 8
    kind = "operator"

    @task(6)
    def nnc(self):
        self.go("/nnc")
        roll = random.random()
        if roll < 0.25:
            self.act("status chip", lambda: self.tab.click(random.choice(
                ["nnc-chip-received", "nnc-chip-under_investigation", "nnc-chip-closed", "nnc-chip-all"])))
        elif roll < 0.45:
            self.act("search text", lambda: self.tab.set("nnc-text", "value", random.choice(
                ["GACC", "pest", "Komoditas", "walet", "manggis"])))
        elif roll < 0.55:
            self.next_page("nnc-next")
        if random.random() < 0.5:
            self.open_row("nnc-grid")  # → the NNC's page

    @task(5)
    def applications(self):
        self.go("/applications")
        roll = random.random()
        if roll < 0.3:
            rows = self.tab.rows("applications-grid") if self.tab else []
            if rows:
                number = str(random.choice(rows).get("number") or "")[:8]
                self.act("search number", lambda: self.tab.set("applications-number", "value", number))
        elif roll < 0.5:
            self.choose("applications-stage")
        elif roll < 0.6:
            self.choose("applications-direction")
        if random.random() < 0.6:
            self.open_row("applications-grid")

    @task(2)
    def complaints(self):
        self.go("/complaints")
        if random.random() < 0.4:
            self.open_row("complaints-grid")

    @task(1)
    def corrections(self):
        self.go("/corrections")

    @task(1)
    def nnc_new_form(self):
        self.go("/nnc/new")


class ServiceUser(PortalUser):
    weight = 16
    kind = "service_user"

    @task(6)
    def my_applications(self):
        self.go("/my/applications")
        roll = random.random()
        if roll < 0.25:
            self.choose("my-status")
        elif roll < 0.4:
            self.next_page("my-next")
        if random.random() < 0.6:
            self.follow(r"^/my/applications/\d+$")  # → one application: stepper, documents, corrections

    @task(2)
    def notifications(self):
        self.go("/my/notifications")

    @task(1)
    def my_nnc(self):
        self.go("/my/nnc")
        if random.random() < 0.3:
            self.follow(r"^/my/nnc/\d+$")

    @task(1)
    def my_complaints(self):
        self.go("/my/complaints")

    @task(1)
    def help(self):
        self.go("/help")


class Admin(PortalUser):
    weight = 4
    kind = "admin"

    @task(3)
    def users(self):
        self.go("/admin/users")
        if random.random() < 0.4:
            self.act("search", lambda: self.tab.set("admin-users-search", "value", random.choice(
                ["load", "coord", "service", "admin"])))

    @task(2)
    def audit(self):
        self.go("/admin/audit")
        if random.random() < 0.3:
            self.next_page("admin-audit-next")

    @task(2)
    def sync(self):
        self.go("/admin/sync")

    @task(1)
    def service_users(self):
        self.go("/admin/service-users")
        if random.random() < 0.5:
            self.act("search", lambda: self.tab.set("admin-service-users-search", "value", random.choice(
                ["PT Uji 1", "PT", "CV", "Uji 42"])))

    @task(2)
    def rankings(self):
        self.go("/rankings")
        if random.random() < 0.3:
            self.open_row("rankings-grid")

    @task(1)
    def applications(self):
        self.go("/applications")
        if random.random() < 0.5:
            self.open_row("applications-grid")
