"""Inspection targeting: the draw, the rates and the risk flags (DOMAIN: inspection targeting). Pure rules.

The draw `u` of an application is reproducible by anyone holding the office's key:

    u = int.from_bytes(HMAC-SHA256(key, str(iqfast_id).encode("ascii")).digest()[:8], "big") / 2**64

i.e. the HMAC-SHA256 of the application's IQFast id written in decimal ASCII digits (no sign, no leading zeros,
no spaces) under the key's bytes, whose first 8 bytes read as a big-endian unsigned integer and divided by 2**64
give a fraction in [0, 1). The application is randomly selected when ``u < rate``; it is selected when it is
randomly selected or any risk flag is raised.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any, Callable, Iterable

TIGHTENED, NORMAL, REDUCED = "tightened", "normal", "reduced"
LEVELS = (TIGHTENED, NORMAL, REDUCED)
# The default inspection rate of each level; the compliance settings' percentages (tightened / normal / reduced
# percent) override them, as they do for the level the profile recommends.
RATES = {TIGHTENED: 1.0, NORMAL: 0.25, REDUCED: 0.05}

# Flag codes, stable for translation and reports.
NEW_COMPANY = "new_company"
NEW_COMMODITY = "new_commodity"
NEW_COUNTRY = "new_country"
HANDLER_FLAGGED = "handler_flagged"
RECENT_NNC = "recent_nnc"
QUANTITY_OUTLIER = "quantity_outlier"
FLAG_CODES = (NEW_COMPANY, NEW_COMMODITY, NEW_COUNTRY, HANDLER_FLAGGED, RECENT_NNC, QUANTITY_OUTLIER)


def draw(key: bytes, iqfast_id: int) -> float:
    """The draw u in [0, 1) of the application with this IQFast id under the office's key (rule above)."""
    if isinstance(iqfast_id, bool) or not isinstance(iqfast_id, int) or iqfast_id < 0:
        raise ValueError("the IQFast id is a non-negative whole number")
    digest = hmac.new(key, str(iqfast_id).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def drawer(key: bytes) -> Callable[[int], float]:
    """`draw` under one key for many ids: the key's HMAC state is prepared once and copied per id (HMAC's own
    copy), which gives the same digest as `draw` and spares a sync deciding a year at once the key setup each time."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def draw_one(iqfast_id: int) -> float:
        if isinstance(iqfast_id, bool) or not isinstance(iqfast_id, int) or iqfast_id < 0:
            raise ValueError("the IQFast id is a non-negative whole number")
        state = keyed.copy()
        state.update(str(iqfast_id).encode("ascii"))
        return int.from_bytes(state.digest()[:8], "big") / 2 ** 64
    return draw_one


def randomly_selected(u: float, rate: float) -> bool:
    return u < rate


def selected(u: float, rate: float, flags: Iterable[dict[str, Any]]) -> bool:
    """Selected when the draw falls under the rate, or whatever the draw says when any risk flag is raised."""
    return randomly_selected(u, rate) or any(True for _ in flags)


def rate_for(level: str, percents: dict[str, Any] | None = None) -> float:
    """The inspection rate of a level: the compliance settings' percentage when given, else RATES."""
    if level not in RATES:
        raise ValueError(f"unknown level {level!r}")
    if percents and percents.get(level) is not None:
        return float(Decimal(str(percents[level])) / 100)
    return RATES[level]


@dataclass(frozen=True)
class TargetingSettings:
    """Which risk flags are on, and their thresholds (admin-editable, versioned)."""

    new_company: bool = True
    new_company_below: int = 10          # fewer consignments than this in the company's history
    new_commodity: bool = True
    new_country: bool = True
    handler_flagged: bool = True         # the handler flag of the compliance settings (tier-D companies served)
    recent_nnc: bool = True
    recent_nnc_days: int = 90
    quantity_outlier: bool = True
    quantity_factor: float = 3.0         # declared quantity more than this times the company's median

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TargetingSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def enabled(self, code: str) -> bool:
        return bool(getattr(self, code))


DEFAULT_SETTINGS = TargetingSettings()


def _flag(code: str, **evidence: Any) -> dict[str, Any]:
    return {"code": code, "evidence": evidence}


# Each rule takes the application's own values and what its history held strictly before it was submitted, and
# returns the flag with its evidence, or None. History is the same company at the same office.

def new_company_flag(prior_consignments: int, below: int = 10) -> dict[str, Any] | None:
    if prior_consignments < below:
        return _flag(NEW_COMPANY, prior_consignments=int(prior_consignments), threshold=below)
    return None


def new_commodity_flags(commodities: Iterable[tuple[int, str]], used_before: set[int]) -> list[dict[str, Any]]:
    """One flag per commodity (id, name) of the application the company never used before."""
    flags, seen = [], set()
    for commodity_id, name in commodities:
        if commodity_id is None or commodity_id in seen:
            continue
        seen.add(commodity_id)
        if commodity_id not in used_before:
            flags.append(_flag(NEW_COMMODITY, commodity_id=commodity_id, commodity=name, prior_uses=0))
    return flags


def country_role(direction: str) -> str | None:
    """Which country of an application says where the risk comes from or goes: origin for imports, destination
    for exports; domestic movements have none."""
    return {"import": "origin", "export": "destination"}.get(direction)


def new_country_flag(direction: str, origin_country: str | None, destination_country: str | None,
                     used_before: set[str]) -> dict[str, Any] | None:
    """The origin (import) or destination (export) country the company never used before in that role."""
    role = country_role(direction)
    country = {"origin": origin_country, "destination": destination_country}.get(role or "")
    if not country or not normal_country(country):
        return None
    if normal_country(country) in used_before:
        return None
    return _flag(NEW_COUNTRY, role=role, country=country, prior_uses=0)


def normal_country(name: str) -> str:
    """How countries are compared: without surrounding spaces, in lower case (as SQL's lower(btrim(…)))."""
    return name.strip(" ").lower()


def handler_flag(handler_id: int | None, handler_name: str | None, tier_d_companies: int,
                 threshold: int) -> dict[str, Any] | None:
    if handler_id is not None and tier_d_companies >= threshold:
        return _flag(HANDLER_FLAGGED, handler_id=handler_id, handler=handler_name,
                     tier_d_companies=int(tier_d_companies), threshold=int(threshold))
    return None


def nnc_window(submitted_on: date, days: int = 90) -> tuple[date, date]:
    """The notice dates that count: the `days` days up to and including the submission day."""
    return submitted_on - timedelta(days=days - 1), submitted_on


def recent_nnc_flag(nncs: list[dict[str, Any]], days: int = 90) -> dict[str, Any] | None:
    """`nncs`: the NNCs naming the company with a notice date in the window ({id, number, notice_date})."""
    if not nncs:
        return None
    listed = sorted(nncs, key=lambda n: (str(n["notice_date"]), n["id"]))
    return _flag(RECENT_NNC, days=days, nncs=[{"id": n["id"], "number": n.get("number"),
                                               "notice_date": str(n["notice_date"])} for n in listed])


def quantity_outlier_flag(line: dict[str, Any], prior_median: float, prior_lines: int,
                          factor: float = 3.0) -> dict[str, Any] | None:
    """A commodity line ({commodity_id, commodity, quantity, unit}) whose quantity is more than `factor` times the
    median quantity of the company's earlier lines of that commodity in the same unit."""
    quantity = line.get("quantity")
    if quantity is None or not prior_lines or prior_median <= 0:
        return None
    if float(quantity) > factor * float(prior_median):
        return _flag(QUANTITY_OUTLIER, commodity_id=line.get("commodity_id"), commodity=line.get("commodity"),
                     quantity=float(quantity), unit=line.get("unit"), median=float(prior_median),
                     factor=float(factor), prior_lines=int(prior_lines))
    return None


def prior_median(earlier: list[float]) -> float:
    return float(median(earlier))


def as_of_text(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None
