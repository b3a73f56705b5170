"""A small stand-in for Dash's browser renderer, for load tests: what a browser tab sends, request for request.

It keeps the tab's component tree, and, like dash-renderer:
- on a full page load fetches the page, /_dash-layout and /_dash-dependencies, sets every dcc.Location to the
  address, then fires the callbacks whose inputs or outputs are in the layout (not those with
  prevent_initial_call), all inputs and outputs present, each with its inputs' and states' current values;
- applies every response to the tree; new components fire their own initial callbacks, changed properties fire
  the callbacks that take them as inputs (changedPropIds), chained until the tab is quiet;
- sends the callbacks that are ready at once concurrently (as the browser does over its connections), holding back
  any whose inputs another pending callback still has to write;
- navigates inside the app (a menu link, a dcc.Location the server sets with refresh="callback-nav") by changing
  the Locations' pathname, which fires the router;
- ticks dcc.Interval components that are due.

Requests are named by page and callback ("/rankings | rankings-grid.rowData"), so a per-page table is readable.
No JavaScript runs: clientside callbacks (the shell's title, phone menu and alert: assets/qc-shell.js) are skipped —
they never reach the server, and no server callback takes their outputs as inputs.
"""
from __future__ import annotations

import json
import re
import time

try:
    from gevent.pool import Group
except ImportError:  # outside locust's venv (e.g. profiling with Flask's test client): one request at a time
    class _Done:
        def __init__(self, value):
            self.value = value

    class Group:
        def spawn(self, function, *args):
            return _Done(function(*args))

        def join(self):
            pass

ALL = ["ALL"]


def id_key(component_id) -> str:
    """Dash's string form of a component id (dict ids as sorted compact JSON)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def page_template(path: str) -> str:
    """/profile/123 → /profile/<id>: one stats line per page, not per record."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", path.split("?")[0]) or "/"


class Callback:
    """One entry of /_dash-dependencies."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.key = raw["output"]
        self.prevent_initial_call = bool(raw.get("prevent_initial_call"))
        if self.key.startswith(".."):
            parts = self.key.strip(".").split("...")
        else:
            parts = [self.key]
        self.outputs = []
        for part in parts:
            component, prop = part.split("@")[0].rsplit(".", 1)
            self.outputs.append((component, prop))
        self.multi = self.key.startswith("..")
        self.inputs = [(self._parse(i["id"]), i["property"]) for i in raw["inputs"]]
        self.state = [(self._parse(s["id"]), s["property"]) for s in raw["state"]]
        first = self.outputs[0]
        self.label = f"{first[0]}.{first[1]}"

    @staticmethod
    def _parse(component_id: str):
        return json.loads(component_id) if component_id.startswith("{") else component_id

    def body_outputs(self):
        outputs = [{"id": c, "property": p} for c, p in self.outputs]
        return outputs if self.multi else outputs[0]


class Dependencies:
    """The app's callback graph: which callbacks read or write each property."""

    def __init__(self, raw: list[dict]):
        self.callbacks = [Callback(c) for c in raw if not c.get("clientside_function")]
        self.by_input: dict[tuple[str, str], list[Callback]] = {}
        self.pattern_inputs: list[tuple[dict, str, Callback]] = []
        self.by_component: dict[str, list[Callback]] = {}
        for callback in self.callbacks:
            for component, prop in callback.inputs:
                if isinstance(component, dict):
                    self.pattern_inputs.append((component, prop, callback))
                else:
                    self.by_input.setdefault((component, prop), []).append(callback)
                    self.by_component.setdefault(component, []).append(callback)
            for component, _prop in callback.outputs:
                self.by_component.setdefault(component, []).append(callback)


def _matches(pattern: dict, component_id) -> bool:
    if not isinstance(component_id, dict) or set(pattern) != set(component_id):
        return False
    return all(value == ALL or value == component_id[key] for key, value in pattern.items())


class Tab:
    """One browser tab of the portal for one logged-in person."""

    def __init__(self, client, dependencies: Dependencies | None = None, on_request=None):
        self.client = client            # a locust FastHttpSession (or HttpSession): keeps the cookies
        self.dependencies = dependencies
        self.root = None
        self.components: dict[str, dict] = {}   # id_key → the component's props (the tree's own dicts)
        self.ids: dict[str, object] = {}        # id_key → the id as Dash has it
        self.types: dict[str, str] = {}         # id_key → component type (Location, Interval, …)
        self.born: dict[str, float] = {}        # id_key → when it appeared (for Intervals)
        self.path = "/"
        self.errors = 0

    # ------------------------------------------------------------------ the tree
    def _index(self) -> set[str]:
        before = set(self.components)
        components, ids, types = {}, {}, {}

        def walk(node):
            if isinstance(node, list):
                for item in node:
                    walk(item)
            elif isinstance(node, dict) and "props" in node and "type" in node:
                props = node["props"]
                if "id" in props and props["id"] is not None:
                    key = id_key(props["id"])
                    components[key], ids[key], types[key] = props, props["id"], node["type"]
                for value in props.values():
                    if isinstance(value, (list, dict)):
                        walk(value)

        walk(self.root)
        self.components, self.ids, self.types = components, ids, types
        now = time.monotonic()
        new = set(components) - before
        for key in new:
            self.born[key] = now
        for key in before - set(components):
            self.born.pop(key, None)
        return new

    def value(self, component, prop):
        props = self.components.get(id_key(component))
        return None if props is None else props.get(prop)

    def has(self, component) -> bool:
        return id_key(component) in self.components

    def _present(self, component) -> bool:
        if isinstance(component, dict):
            return True  # a pattern input: zero matches is allowed (an empty list)
        return id_key(component) in self.components

    def _ready_to_fire(self, callback: Callback) -> bool:
        return all(self._present(c) for c, _ in callback.inputs + callback.state) and all(
            id_key(c) in self.components for c, _ in callback.outputs)

    def _values(self, pairs):
        result = []
        for component, prop in pairs:
            if isinstance(component, dict):
                result.append([{"id": self.ids[key], "property": prop, "value": self.components[key].get(prop)}
                               for key in self.components if _matches(component, self.ids[key])])
            else:
                result.append({"id": component, "property": prop, "value": self.value(component, prop)})
        return result

    # ------------------------------------------------------------------ requests
    def _callback_request(self, callback: Callback, changed: list[str]) -> dict | None:
        body = {"output": callback.key, "outputs": callback.body_outputs(), "inputs": self._values(callback.inputs),
                "state": self._values(callback.state), "changedPropIds": changed}
        name = f"{page_template(self.path)} | {callback.label}"
        with self.client.post("/_dash-update-component", data=json.dumps(body),
                              headers={"Content-Type": "application/json", "Accept": "application/json"},
                              name=name, catch_response=True) as response:
            if response.status_code == 204:  # PreventUpdate
                response.success()
                return None
            payload = self._json_of(response)
            return None if payload is None else payload.get("response") or {}

    def _apply(self, updates: dict) -> tuple[set[str], list[tuple[str, str]], str | None]:
        """Write a callback's answer into the tree; returns new components, changed props, a navigation."""
        changed, navigate, structure = [], None, False
        for key, props in updates.items():
            target = self.components.get(key)
            if target is None:
                continue
            for prop, value in props.items():
                target[prop] = value
                changed.append((key, prop))
                if prop == "children" or isinstance(value, (dict, list)):
                    structure = True
                if self.types.get(key) == "Location" and prop in ("pathname", "href") and value:
                    navigate = value
        new = self._index() if structure else set()
        return new, changed, navigate

    def _initial(self, new: set[str]) -> dict[str, tuple[Callback, set[str]]]:
        """Callbacks a freshly drawn chunk fires: inputs or outputs in it, not prevent_initial_call."""
        found = {}
        for key in new:
            for callback in self.dependencies.by_component.get(key, ()):
                if not callback.prevent_initial_call and self._ready_to_fire(callback):
                    found.setdefault(callback.key, (callback, set()))
        return found

    def _grown(self, new: set[str]) -> dict[str, tuple[Callback, set[str]]]:
        """A callback with an ALL pattern input fires when a callback draws components that match it (the set of
        matches changed), even with prevent_initial_call, as dash-renderer does."""
        found = {}
        for pattern, prop, callback in self.dependencies.pattern_inputs:
            matched = {f"{key}.{prop}" for key in new if _matches(pattern, self.ids.get(key))}
            if matched and self._ready_to_fire(callback):
                found.setdefault(callback.key, (callback, set()))[1].update(matched)
        return found

    def _triggered(self, changed: list[tuple[str, str]]) -> dict[str, tuple[Callback, set[str]]]:
        found = {}
        for key, prop in changed:
            component = self.ids.get(key, key)
            for callback in self.dependencies.by_input.get((key, prop), ()):
                if self._ready_to_fire(callback):
                    found.setdefault(callback.key, (callback, set()))[1].add(f"{key}.{prop}")
            if isinstance(component, dict):
                for pattern, pattern_prop, callback in self.dependencies.pattern_inputs:
                    if pattern_prop == prop and _matches(pattern, component) and self._ready_to_fire(callback):
                        found.setdefault(callback.key, (callback, set()))[1].add(f"{key}.{prop}")
        return found

    def _run(self, pending: dict[str, tuple[Callback, set[str]]]) -> None:
        """Send callbacks until the tab is quiet: ready ones together, chained ones after their inputs."""
        navigations = []
        while pending:
            blocked_outputs = {(id_key(c), p) for cb, _ in pending.values() for c, p in cb.outputs}
            ready = []
            for key, (callback, changed) in list(pending.items()):
                own = {(id_key(c), p) for c, p in callback.outputs}
                inputs = {(id_key(c), p) for c, p in callback.inputs if not isinstance(c, dict)}
                if not (inputs & (blocked_outputs - own)):
                    ready.append((callback, sorted(changed)))
            if not ready:  # a cycle: send them all, as the browser would eventually
                ready = [(callback, sorted(changed)) for callback, changed in pending.values()]
            for callback, _ in ready:
                pending.pop(callback.key, None)
            group = Group()
            jobs = [group.spawn(self._callback_request, callback, changed) for callback, changed in ready]
            group.join()
            for job in jobs:
                updates = job.value
                if not updates:
                    continue
                new, changed, navigate = self._apply(updates)
                if navigate:
                    navigations.append(navigate)
                for key, item in self._triggered(changed).items():
                    pending.setdefault(key, (item[0], set()))[1].update(item[1])
                for key, item in self._initial(new).items():
                    pending.setdefault(key, item)
                for key, item in self._grown(new).items():
                    pending.setdefault(key, (item[0], set()))[1].update(item[1])
        for target in navigations[-1:]:
            self.navigate(target)

    # ------------------------------------------------------------------ what a person does
    def load(self, path: str) -> None:
        """A full page load (typing the address, a reload, the first page after login)."""
        with self.client.get(path, name=f"GET {page_template(path)}", catch_response=True) as response:
            if response.status_code != 200:
                self.errors += 1
                response.failure(f"HTTP {response.status_code}")
                return
            response.success()
        group = Group()
        layout_job = group.spawn(self._get_json, "/_dash-layout")
        deps_job = group.spawn(self._get_json, "/_dash-dependencies")
        group.join()
        if layout_job.value is None or deps_job.value is None:
            return
        if self.dependencies is None:
            self.dependencies = Dependencies(deps_job.value)
        self.root = layout_job.value
        self.components, self.born = {}, {}
        new = self._index()
        self.path = path
        located = self._set_locations(path)
        pending = self._initial(new)
        # The Locations report the address once mounted: the router sees it as a change of pathname.
        for key, item in self._triggered(located).items():
            pending.setdefault(key, (item[0], set()))[1].update(item[1])
        self._run(pending)

    def _get_json(self, path: str):
        with self.client.get(path, name=f"GET {path}", catch_response=True) as response:
            return self._json_of(response)

    def _json_of(self, response):
        """The JSON body of a 200 answer (and the request counted a success); None, counted as an error and a
        failure in Locust's statistics, for any other status or a body that is not JSON."""
        if response.status_code != 200:
            self.errors += 1
            response.failure(f"HTTP {response.status_code}")
            return None
        try:
            value = json.loads(response.content)
        except ValueError:
            self.errors += 1
            response.failure("not JSON")
            return None
        response.success()
        return value

    def _set_locations(self, path: str) -> list[tuple[str, str]]:
        pathname, _, search = path.partition("?")
        changed = []
        for key, kind in self.types.items():
            if kind == "Location":
                props = self.components[key]
                props.update(pathname=pathname, search=f"?{search}" if search else "",
                             href=f"http://localhost{path}", hash="")
                changed += [(key, "pathname"), (key, "search"), (key, "href"), (key, "hash")]
        return changed

    def navigate(self, path: str) -> None:
        """Client-side navigation (a menu link, dcc.Link, a callback-nav Location): the router redraws."""
        path = re.sub(r"^https?://[^/]+", "", path)
        self.path = path
        self._run(self._triggered(self._set_locations(path)))

    def set(self, component, prop: str, value) -> bool:
        """The person changes a control (a select, a search box, a date): its callbacks fire."""
        key = id_key(component)
        if key not in self.components:
            return False
        self.components[key][prop] = value
        self._run(self._triggered([(key, prop)]))
        return True

    def click(self, component) -> bool:
        key = id_key(component)
        if key not in self.components or self.components[key].get("disabled"):
            return False
        return self.set(component, "n_clicks", (self.components[key].get("n_clicks") or 0) + 1)

    def options(self, component) -> list:
        """The values a select or radio offers (its options property)."""
        values = []
        for option in self.value(component, "options") or []:
            if isinstance(option, dict):
                if not option.get("disabled"):
                    values.append(option.get("value"))
            else:
                values.append(option)
        return values

    def rows(self, grid) -> list[dict]:
        return self.value(grid, "rowData") or []

    def click_row(self, grid, row: dict) -> bool:
        """A click on a grid row (dash-ag-grid's cellClicked; rowId is the row's id, as getRowId says)."""
        rows = self.rows(grid)
        index = rows.index(row) if row in rows else 0
        return self.set(grid, "cellClicked", {"value": row.get("id"), "colId": "id", "rowIndex": index,
                                              "rowId": str(row.get("id")), "timestamp": time.time() * 1000})

    def links(self, pattern: str) -> list[str]:
        """Every href in the tab matching `pattern` (links a callback drew, e.g. to one application)."""
        found = []

        def walk(node):
            if isinstance(node, list):
                for item in node:
                    walk(item)
            elif isinstance(node, dict) and "props" in node:
                href = node["props"].get("href")
                if isinstance(href, str) and re.search(pattern, href):
                    found.append(href)
                for value in node["props"].values():
                    if isinstance(value, (list, dict)):
                        walk(value)

        walk(self.root)
        return found

    def tick_intervals(self) -> None:
        """dcc.Interval components that are due fire once (the stale-data check every few minutes…)."""
        now = time.monotonic()
        changed = []
        for key, kind in self.types.items():
            props = self.components[key]
            if kind != "Interval" or props.get("disabled"):
                continue
            due = int((now - self.born.get(key, now)) * 1000 // (props.get("interval") or 1000))
            if due > (props.get("n_intervals") or 0):
                props["n_intervals"] = (props.get("n_intervals") or 0) + 1
                changed.append((key, "n_intervals"))
        if changed:
            self._run(self._triggered(changed))


__all__ = ["Tab", "Dependencies", "page_template"]
