"""Filters in the address: a list page draws its filters with the values its query string names, and
callbacks.common.register_url_filters writes them back as they change, so a reload, the Back button or a shared
link opens the same view.

What comes from the address is checked here and anything that does not fit (an unknown choice, a date that is
not a date, text too long, a parameter nobody knows) is left out: the filter keeps its default, never an error.
The address is rewritten in place (assets/qc-url.js), so trying ten filters does not leave ten Back steps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode

from dash import dcc

TEXT = "text"
CHOICE = "choice"
DAY = "day"
CODE = "code"
FLAG = "flag"
# The page of a paged list (the pager's store, its `data`): "page=3" in the address is the store's 2. A list that
# shrank since the link was made shows its last page (callbacks.common.paged_callback).
PAGE = "page"
MAX_PAGE = 100_000
# Codes of choices filled by a callback (sections, commodities): their form is checked here, their existence by
# the service, which answers an unknown one with its usual message.
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
MAX_TEXT = 100


@dataclass(frozen=True)
class UrlField:
    """One filter in the address: its parameter, the component (its `value`), its kind and its default.

    `choices` for a CHOICE; a value equal to the default is left out of the address.
    """

    param: str
    component_id: str
    kind: str = TEXT
    default: object = None
    choices: tuple = ()

    @property
    def prop(self) -> str:
        """The component's property the filter is: a pager's store holds its page in `data`."""
        return "data" if self.kind == PAGE else "value"


def page_field(store_id: str) -> UrlField:
    """The list's page in the address, so Back from a row's page returns to the page it was opened from."""
    return UrlField("page", store_id, PAGE, 0)


def clean(field: UrlField, raw: str | None):
    """The value of a parameter as the filter takes it, or None when it does not fit."""
    if raw is None:
        return None
    if field.kind == TEXT:
        text = raw.strip()
        return text if 0 < len(text) <= MAX_TEXT else None
    if field.kind == CHOICE:
        return raw if raw in field.choices else None
    if field.kind == DAY:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return None
    if field.kind == CODE:
        return raw if _CODE.match(raw) else None
    if field.kind == FLAG:
        return {"1": True, "0": False}.get(raw)
    if field.kind == PAGE:  # a number past any list (page=999999999) is a page past the end too: the last is shown
        return min(int(raw[:12]), MAX_PAGE) - 1 if raw.isascii() and raw.isdigit() and int(raw[:12]) >= 1 else None
    raise ValueError(f"unknown kind {field.kind!r}")


def parse(search: str | None, fields) -> dict[str, object]:
    """The valid filter values of a query string ("?status=new&q=…"), by component id."""
    try:
        given = parse_qs((search or "").lstrip("?"), keep_blank_values=False, max_num_fields=50)
    except ValueError:
        return {}
    values = {}
    for field in fields:
        value = clean(field, (given.get(field.param) or [None])[-1])
        if value is not None:
            values[field.component_id] = value
    return values


def query_string(values: dict[str, object], fields) -> str:
    """The query string of filter values by component id ("" when every filter has its default)."""
    pairs = []
    for field in fields:
        value = values.get(field.component_id)
        if value in (None, "", field.default) or (field.kind == FLAG and not value):
            continue
        if field.kind == FLAG:
            value = "1"
        if field.kind == PAGE:
            if not isinstance(value, int) or value < 1:
                continue
            value = value + 1
        if field.kind == TEXT:
            value = str(value).strip()[:MAX_TEXT]
        pairs.append((field.param, str(value)))
    return "?" + urlencode(pairs) if pairs else ""


def location(prefix: str):
    """The page's own view of the address, written without reloading (see register_url_filters).

    "callback-nav", not False: after writing, it tells the page's other dcc.Location components the address
    changed. Left stale, the one that opens a clicked row pushed its old address back instead of the row's page.
    (The shell's router reads the query string as a State: the page is not drawn again.)
    """
    return dcc.Location(id=f"{prefix}-url", refresh="callback-nav")


def applied(tree, fields, search: str | None):
    """The layout `tree` with each filter set to the value the address gives it (a locked filter stays)."""
    values = parse(search, fields)
    if not values:
        return tree
    props = {field.component_id: field.prop for field in fields}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        component_id = getattr(node, "id", None)
        if isinstance(component_id, str) and component_id in values and not getattr(node, "disabled", False):
            setattr(node, props[component_id], values[component_id])
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return tree
