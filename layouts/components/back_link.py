"""A record's link back: to the page it was opened from, when that was not its own list.

An application opened from the inspection queue or a company's profile said "Back to the applications list" and led
there, away from the queue the officer was working through. A page that opens a record names itself in the record's
address (`/applications/7?back=/targeting/queue`); the record's link back then names that page and leads to it, as
the reader left it in the tab (assets/qc-url.js, class qc-list-link). Only a page the reader may open is taken: the
address is typed by anyone, so it is never a way off the portal or onto a page the guard would refuse.
"""
from __future__ import annotations

from urllib.parse import parse_qs

from portal import pages
from portal.i18n import t
from portal.pages import BACK_PARAMETER as PARAMETER


def back_target(user, query: str | None, default_href: str, default_text: str) -> tuple[str, str]:
    """(href, text) of the record's link back: the page named in `query` when the reader may open it, else the
    record's own list."""
    named = parse_qs((query or "").lstrip("?")).get(PARAMETER, [""])[0]
    # One leading slash and no scheme: "//host/x" and "https://…" are other sites, not a page of ours.
    if not named.startswith("/") or named.startswith("//") or "\\" in named:
        return default_href, default_text
    found = pages.match(named)
    if found is None or not user.can(found[0].permission) or named == default_href:
        return default_href, default_text
    return named, t("back.to_page", page=t(found[0].title_key))
