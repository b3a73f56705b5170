"""No two callbacks feed each other: a loop through two or more callbacks (one's output another's input, and back)
makes Dash's renderer wait on each for the other, and now and then it ran none of them again — My applications'
search and status changed nothing, with no request sent and nothing loading, while its list and its company picker's
callback fed each other through the picker. A callback may read what it writes itself (Dash allows that)."""
from __future__ import annotations

from support.graphs import loops


def _props(items) -> set[str]:
    return {f"{item['id']}.{item['property']}" for item in items}


def _loops(app) -> list[list[str]]:
    """The groups of callbacks (by their outputs' key) that reach each other through their outputs and inputs."""
    specs = {key: spec for key, spec in app.callback_map.items()}
    # A key names the outputs: "id.prop", or "..id.prop...id.prop.." for several.
    writes = {key: {part for part in key.strip(".").split("...")} if key.startswith("..") else {key}
              for key in specs}
    reads = {key: _props(spec["inputs"]) for key, spec in specs.items()}
    feeds = {key: {other for other in specs if other != key and writes[key] & reads[other]} for key in specs}
    assert sum(map(len, feeds.values())) > 10, "no callback feeds another: the keys were not read"
    return loops(specs, feeds.__getitem__)


def test_no_callbacks_feed_each_other_in_a_loop(app):
    assert _loops(app) == []
