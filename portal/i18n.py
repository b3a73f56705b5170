"""The translation layer: every UI text goes through `t()`; Indonesian first, English second.

Also formats money (IDR) and times in the office's time zone, the way officers read them.
"""
from __future__ import annotations

import json
import math
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal
from babel.numbers import format_percent as _babel_percent
from flask import g, has_request_context, session
from flask_login import current_user

from portal.settings import DEFAULT_TIMEZONE, INDONESIAN_TIMEZONES

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
BABEL_LOCALE = {"id": "id_ID", "en": "en_GB"}
# One pattern for every calendar date shown or printed; times add "HH:mm" to the same shape.
DATE_PATTERN = "d MMM yyyy"


def catalog_files(language: str) -> list[Path]:
    """One catalog file per area (translations/<language>/<area>.json), so areas never edit the same file."""
    return sorted((CATALOG_DIR / language).glob("*.json"))


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """The key → text table of one language, merged from its area files."""
    merged: dict[str, str] = {}
    for path in catalog_files(language):
        with open(path, encoding="utf-8") as handle:
            merged.update(json.load(handle))
    return merged


def current_language() -> str:
    """The language of the person behind this request: their account's, else the session's."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    # Asked dozens of times a request (every t()): the user Flask-Login already loaded for this request is read
    # from `g` directly; going through the `current_user` proxy twice per call cost ≈ 5 % of a worker's CPU.
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object()
    if getattr(user, "is_authenticated", False):
        return user.language
    language = session.get("lang")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


class _Unknown(dict):
    """A text's values, where one its caller did not give reads "–" (a notification of an application no longer on
    record had no company to name, and raised instead of being sent)."""

    def __missing__(self, name: str) -> str:
        return "–"


def t(key: str, language: str | None = None, **params) -> str:
    """Translate `key`, filling `{name}` placeholders; a missing key shows itself and a missing value reads "–", never
    crashes."""
    language = language or current_language()
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return text.format_map(_Unknown(params)) if params else text


class Phrase(str):
    """A text said in Indonesian (what a stored record keeps, as it always has) that keeps the keys it was said from,
    so a page can say it again in its reader's language (``said``). ``parts``: (key, params) each, joined by "; ".

    A str, so it passes unchanged through code that only carries text: an exception's message (str() of it gives the
    Phrase back, not a plain copy) and the sync's batches, which pass a mapping's reason on as str(error)."""

    parts: tuple[tuple[str, dict], ...]

    def __new__(cls, parts):
        parts = tuple((key, dict(params)) for key, params in parts)
        phrase = super().__new__(cls, PHRASE_JOIN.join(t(key, language="id", **params)
                                                       for key, params in parts))
        phrase.parts = parts
        return phrase

    def __str__(self) -> str:
        return self

    def __reduce__(self):
        return Phrase, (self.parts,)

    def said(self, language: str | None = None) -> str:
        return said(self.parts, language)


PHRASE_JOIN = "; "


def phrase(key: str, **params) -> Phrase:
    return Phrase([(key, params)])


def said(parts, language: str | None = None) -> str:
    """(key, params) parts as one text in ``language`` (default: the reader's)."""
    return PHRASE_JOIN.join(t(key, language, **params) for key, params in parts)


def format_idr(amount: Decimal | int | float | None, language: str | None = None) -> str:
    """Rupiah with the reader's separators: `Rp 1.234.567` in Indonesian, `Rp 1,234,567` in English (an English
    page's "Rp 360.000" read as 360 rupiah to three decimals, beside the KPI card's "Rp 391.92 m"). No decimals:
    rupiah has no cents in practice. The space after "Rp" does not break: a narrow card or a notification title
    never leaves "Rp" at a line's end."""
    if amount is None:
        return "–"
    return "Rp\u00a0" + format_decimal(Decimal(amount).quantize(Decimal(1)), format="#,##0",
                                        locale=BABEL_LOCALE[language or current_language()])


def format_number(value, language: str | None = None, decimals: int = 0) -> str:
    """A number with the language's separators."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALE[language or current_language()])


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """A country's name as IQFast may write it, folded (Indonesian first: "jepang"; an English "japan" too) → its
    ISO 3166 code, from CLDR's names (Babel's data: nothing is fetched)."""
    codes: dict[str, str] = {}
    for locale in ("en_GB", "id_ID"):  # Indonesian last: its names win where the two spell one alike
        codes.update({name.casefold(): code for code, name in Locale.parse(locale).territories.items()
                      if len(code) == 2 and code.isalpha()})
    return codes


def sort_key(text: str) -> str:
    """A name as a reader's alphabet orders it: accents and case aside ("Côte d'Ivoire" before "Czechia", "Türkiye"
    before "Tuvalu"); Python's own order puts every accented letter after "z"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_name(name: str | None, language: str | None = None) -> str | None:
    """A country as IQFast names it ("Jepang", "Tiongkok", "Amerika Serikat") in the reader's language: "Japan",
    "China", "United States" in English. IQFast keeps the Indonesian name; a name CLDR does not know (or a place
    that is no country) stays as IQFast wrote it, and Indonesian readers get it as written."""
    language = language or current_language()
    if not name or language == "id":
        return name
    code = _country_codes().get(name.strip().casefold())
    return _territories(language).get(code, name) if code else name


@lru_cache(maxsize=len(LANGUAGES))
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(BABEL_LOCALE[language]).territories)


def action_outcome(value: str | None, language: str | None = None) -> str | None:
    """How a 3P action ended, as IQFast records it: the stage it ended in ("released", "destroyed") in the reader's
    words; any other text as written. The application's page and the dossier say it alike (the dossier printed
    "released" in an Indonesian PDF)."""
    from models.application import STAGES  # the stages' names: models sits below i18n, imported where it is needed

    return t(f"stage.{value}", language) if value in STAGES else value


def commodity_lines(first: str | None, more: int = 0) -> str | None:
    """An application's goods in one line, its first commodity and how many lines follow: "Salak (+1 lainnya)" — the
    applications list, the inspection queue and a service user's cards (online and their offline copy) say it alike
    (a flag may be about another line). None when it names none."""
    if not first:
        return None
    return f"{first} {t('applications.more_lines', count=more)}" if more else first


# The end of the trip that tells the user something, by direction (DOMAIN.md): "→ Indonesia" on every import and
# domestic card said only where the station is. An export names the country it goes to, an import the country it
# comes from; a domestic shipment stays in Indonesia, so its city (there the country would say nothing).
# direction → (words, the row's place, the place when that one is missing)
ROUTES = {"export": ("my.route.to", "destination", "destination_place"),
          "import": ("my.route.from", "origin", "origin_place"),
          "domestic_out": ("my.route.to", "destination_place", None),
          "domestic_in": ("my.route.from", "origin_place", None)}


def route(row: dict) -> str | None:
    """"ke Tiongkok", "dari Australia", "ke Manado", "dari Medan"; nothing when the data does not say."""
    if row.get("direction") not in ROUTES:
        return None
    key, place, fallback = ROUTES[row["direction"]]
    # A country in the reader's language ("to China"); a city as IQFast wrote it.
    where = (country_name(row.get(place)) if fallback else row.get(place)) or (row.get(fallback) if fallback else None)
    return t(key, place=where) if where else None


def goods_and_route(row: dict) -> str | None:
    """A service user's application in a line: "Salak (+1 lainnya) ke Tiongkok" (its card, and the offline copy the
    phone app keeps of it, which said "→ Indonesia" of every import)."""
    return " ".join(x for x in (commodity_lines(row.get("commodity"), row.get("other_lines") or 0), route(row))
                    if x) or None


def format_rate(value, language: str | None = None) -> str:
    """A rate such as a compliance p or p0 (a fraction, usually far below one) with three significant digits and at
    least three decimals: 0,136 · 0,00689 · 0,000224. At a fixed three decimals a big company's p of 0,000224 read
    "0,000", and the score's working (100 × (1 − min(1; 0,000))) could not be checked by hand."""
    if value is None:
        return "–"
    decimals = 3
    if value and abs(value) < 0.1:
        decimals = max(3, 2 - math.floor(math.log10(abs(value))))
    return format_number(value, language, decimals)


def format_percent(share, language: str | None = None, decimals: int = 0, trim: bool = False,
                   floor: bool = False) -> str:
    """A share as a percentage, the sign right after the number as PUEBI and Babel's `id` and `en` patterns write it:
    "52%", "2,5%" ("2.5%" in English); "–" when there is none. The portal's one way to write a percent: pages wrote
    "52%" and "5 %" side by side.

    `share` is the fraction (0.52 for 52%), as Babel takes it; a setting kept in percent (a level's 25) is passed
    as 25 / 100. `decimals`: how many after the comma. `trim`: no zeros after the last digit, for a rate that is
    usually whole: a level's "5%", as the setting it comes from, and "2,5%" when it is not. `floor`: a share above zero
    that would round to nothing reads "<0,1%" (at one decimal; "<1%" at none), never "0%" under an arrow.
    """
    if share is None:
        return "–"
    locale = BABEL_LOCALE[language or current_language()]
    # Through its shortest text, as Babel does: 0.05 is five hundredths, not the float nearest to it.
    value = share if isinstance(share, Decimal) else Decimal(str(share))
    step = Decimal(1).scaleb(-decimals)  # the smallest percent shown
    if floor and value > 0 and (value * 100).quantize(step) == 0:
        return "<" + _babel_percent(step / 100, format=_percent_pattern(decimals, trim=False), locale=locale)
    return _babel_percent(value, format=_percent_pattern(decimals, trim), locale=locale)


def _percent_pattern(decimals: int, trim: bool) -> str:
    return "#,##0" + ("." + ("#" if trim else "0") * decimals if decimals else "") + "%"


def format_quantity(value, unit: str | None = None, language: str | None = None) -> str:
    """A quantity as IQFast records it (up to three decimals), with no zeros after its last digit and its unit:
    "1.152,8 kg", "12 Ekor" ("1.152,800" read as a million); "–" when there is none."""
    if value is None:
        return "–"
    number = format_decimal(value, format="#,##0.###", locale=BABEL_LOCALE[language or current_language()])
    return f"{number} {unit or ''}".strip()


def format_datetime(value: datetime | None, tz: str = DEFAULT_TIMEZONE, language: str | None = None) -> str:
    """A UTC time shown in the office's time zone, with its zone name (WIB, WITA, WIT)."""
    if value is None:
        return "–"
    local = value.astimezone(ZoneInfo(tz))
    return _babel_datetime(local, f"{DATE_PATTERN} HH:mm", locale=BABEL_LOCALE[language or current_language()]) + \
        " " + zone_label(tz)


def format_end_time(start: datetime | None, end: datetime | None, tz: str = DEFAULT_TIMEZONE,
                    language: str | None = None) -> str:
    """When something that began at `start` ended, beside its start: the time alone on the same day ("18:43"), else
    the day too ("7 Des 00:02", a run past midnight); no zone name (a column header names it)."""
    if end is None:
        return "–"
    zone = ZoneInfo(tz)
    local = end.astimezone(zone)
    same_day = start is not None and start.astimezone(zone).date() == local.date()
    return _babel_datetime(local, "HH:mm" if same_day else "d MMM HH:mm",
                           locale=BABEL_LOCALE[language or current_language()])


def format_date(value, language: str | None = None, tz: str | None = None) -> str:
    """A calendar date the way officers write it: 17 Agu 2026 (the one date pattern of the portal).

    Takes a date, an ISO date string (a value from the audit log) or a UTC time, which is first moved to the
    office's zone `tz`: the day there is the day the officer lived.
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz or DEFAULT_TIMEZONE)).date()
    return _babel_date(value, DATE_PATTERN, locale=BABEL_LOCALE[language or current_language()])


def format_month(value: date, language: str | None = None) -> str:
    """A month as charts and profiles label it: Agu 2026."""
    return _babel_date(value, "MMM yyyy", locale=BABEL_LOCALE[language or current_language()])


def format_months_ago(months: int, language: str | None = None) -> str:
    """Whole months since something, as the rankings, the profile and the dossier say the last violation: "3 bulan
    lalu", "1 month ago"; under a month "kurang dari 1 bulan lalu" (it read "0 bulan lalu")."""
    if months == 0:
        return t("compliance.months_ago_under_one", language)
    return t("compliance.months_ago_one" if months == 1 else "compliance.months_ago", language, months=months)


def format_duration(seconds: float | int | None, language: str | None = None) -> str:
    """A span of time the way people say it: '45 detik', '12 menit', '3 jam 5 menit', '2 hari 4 jam'; under a
    second '<1 detik' (a sync run of 0,4 s read "0 detik", as if it had done nothing)."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return t("duration.under_second", language)
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [("duration.days", days)] + ([("duration.hours", hours)] if hours else [])
    elif hours:
        parts = [("duration.hours", hours)] + ([("duration.minutes", minutes)] if minutes else [])
    elif minutes:
        # Seconds only matter while the span is short: "4 menit 10 detik", but "12 menit".
        parts = [("duration.minutes", minutes)] + ([("duration.seconds", secs)] if secs and minutes < 5 else [])
    else:
        parts = [("duration.seconds", secs)]
    return " ".join(t(key, language, n=n) for key, n in parts)


def zone_label(tz: str) -> str:
    """Indonesia's own names for its three time zones (WIB, WITA, WIT: the tz database's abbreviations there);
    any other zone by its name."""
    name = datetime.now(ZoneInfo(tz)).tzname()
    return name if name in INDONESIAN_TIMEZONES else tz
