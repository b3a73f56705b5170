"""Deciding, once, whether each new application is inspected (DOMAIN: inspection targeting).

How a decision comes to be:
- a sync that INSERTS an application queues it in ``targeting_pending`` in the batch's own transaction
  (``queue_newer_than``), so a new application can never be missed and one synced before targeting existed is
  never taken for new (it has no queue row, so it never gets a decision);
- once the run has brought the compliance scores current, every queued application is decided in one
  transaction (``decide_pending``), set-based: a handful of queries for the whole queue, not per application.
  Its level is its company's current intervention level in its section, so a first load (an empty portal)
  decides with the levels its own history earned rather than "tightened" for everyone;
- history-based flags read the company's history at this office **strictly before the application was
  submitted**, so the same facts give the same flags whatever order the sync brought them in.
A decision is inserted and never updated: later syncs, tier changes, settings changes and key rotations leave it.
"""
from __future__ import annotations

import bisect
import io
import json
from collections import defaultdict, namedtuple
from datetime import date, datetime
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import (BigInteger, DateTime, Float, Integer, Numeric, String, any_, cast, delete, func, insert,
                        literal, or_, select, text, type_coerce)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Commodity, Handler, Nnc, Office
from models.base import UTCDateTime, utcnow
from models.compliance import ComplianceScore, ComplianceSettingsVersion
from models.targeting import TargetingDecision, TargetingPending
from portal import data_version
from portal.domain import compliance as compliance_model
from portal.domain import targeting as rules
from portal.domain.compliance import ScoringSettings
from portal.services.compliance.profile import tier_d_companies_per_handler
from portal.services.compliance.scoring_settings import current_settings as compliance_settings
from portal.services.offices import zone_of
from portal.services.targeting import keys
from portal.services.targeting.settings import current_settings

ID_CHUNK = 5000
# Up to this many applications at once (a usual run's), PostgreSQL answers each one's history questions with
# index probes and aggregates; more (a first load) read the companies' whole histories once instead.
SMALL_BATCH = 2000


# ---------------------------------------------------------------- queueing (inside a sync batch)

def queue_newer_than(connection: Connection, newest_before: int) -> None:
    """Queue every application above the id that was the largest before a batch's upsert: exactly the ones it
    inserted (ids only grow; a sync is the only writer of applications). One statement, whatever the batch size."""
    pending, applications = TargetingPending.__table__, Application.__table__
    connection.execute(insert(pending).from_select(
        ["application_id", "queued_at"],
        select(applications.c.id, literal(utcnow(), UTCDateTime())).where(applications.c.id > newest_before)))


# ---------------------------------------------------------------- deciding

def decide_pending(session: Session) -> int:
    """Decide every queued application (the caller commits: the decisions and the emptied queue go together)."""
    a, queue, d = Application, TargetingPending, TargetingDecision
    apps = [_App._make(row) for row in session.execute(
        _app_columns(session).join(queue, queue.application_id == a.id)
        .outerjoin(d, d.application_id == a.id).where(d.id.is_(None)))]
    decided = _decide(session, apps)
    session.execute(delete(queue))
    return decided


def decide_new_applications(session: Session, application_ids: Iterable[int]) -> int:
    """Decide the given applications that have no decision yet (those that have one keep it)."""
    ids, apps = sorted(set(application_ids)), []
    a, d = Application, TargetingDecision
    for start in range(0, len(ids), ID_CHUNK):
        apps += [_App._make(row) for row in session.execute(_app_columns(session).outerjoin(
            d, d.application_id == a.id).where(d.id.is_(None), a.id.in_(ids[start:start + ID_CHUNK])))]
    return _decide(session, apps)


# An application being decided, as a plain named tuple: a first load reads each one's fields a dozen times, and a
# named tuple's are several times quicker to read than a result row's. `live`: not deleted.
_App = namedtuple("_App", ("id", "source_id", "office_id", "section_id", "service_user_id", "handler_id",
                           "direction", "origin_country", "destination_country", "submitted_at", "live"))


def _app_columns(session: Session):
    a = Application
    return select(a.id, a.source_id, a.office_id, a.section_id, a.service_user_id, a.handler_id, a.direction,
                  a.origin_country, a.destination_country, _instant(session, a.submitted_at), a.deleted_at.is_(None))


def _in_chunks(session: Session, column, ids: list[int]):
    """`column IN ids`: on PostgreSQL `= ANY` of one array (what PostgreSQL makes of an IN list; a first load's
    thousands of companies as thousands of bound parameters cost SQLAlchemy a compile per statement), elsewhere split
    for SQLite's parameter limit (an OR of IN lists)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(column.type)))
    parts = [column.in_(ids[start:start + ID_CHUNK]) for start in range(0, len(ids), ID_CHUNK)]
    return parts[0] if len(parts) == 1 else or_(*parts)


def _decide(session: Session, apps: list) -> int:
    if not apps:
        return 0
    settings_version, settings = current_settings(session)
    comp_version, comp_settings = compliance_settings(session)
    history = _History(session, apps, int(settings.new_company_below), comp_settings)
    comp_versions: dict[int, ScoringSettings] = {comp_version: comp_settings}
    # office → (key version, its drawer: the key prepared once, its zone)
    offices: dict[int, tuple[int, Callable[[int], float], ZoneInfo]] = {}
    zones = {o.id: ZoneInfo(zone_of(o)) for o in session.scalars(select(Office))}
    jakarta, now = ZoneInfo("Asia/Jakarta"), utcnow()
    # (company, section) → (level, rate, the basis's JSON): the level is the company's in the section, whichever
    # application asks; the rate's Decimal arithmetic is done once per (settings version, level) and each basis
    # encoded once (most companies without a score share one).
    levels: dict[tuple[int, int], tuple[str, float, str]] = {}
    percents: dict[int, dict[str, Any]] = {}
    rates: dict[tuple[int, str], float] = {}
    encoded: dict[int, str] = {}
    flags_of = history.flagger(settings)
    rows = []
    append = rows.append
    for app in apps:
        office_id = app.office_id
        office = offices.get(office_id)
        if office is None:
            key_version, key = keys.current_key(session, office_id)
            office = offices[office_id] = (key_version, rules.drawer(key), zones.get(office_id) or jakarta)
        key_version, draw, zone = office
        known = levels.get((app.service_user_id, app.section_id))
        if known is None:
            level, basis = history.level(app, comp_version, comp_versions)
            version = basis["compliance_settings_version"]
            rate = rates.get((version, level))
            if rate is None:
                if version not in percents:
                    percents[version] = _percents(comp_versions[version])
                rate = rates[(version, level)] = rules.rate_for(level, percents[version])
            if id(basis) not in encoded:
                encoded[id(basis)] = _dumps(basis)
            known = levels[(app.service_user_id, app.section_id)] = (level, rate, encoded[id(basis)])
        level, rate, basis_json = known
        source_id = int(app.source_id)
        u = draw(source_id)
        flags = flags_of(app, zone)
        append((app.id, office_id, app.section_id, app.service_user_id, source_id, level, rate, u,
                rules.randomly_selected(u, rate), "[" + ",".join(flags) + "]" if flags else "[]",
                rules.selected(u, rate, flags), key_version, settings_version, basis_json, now))
    _write(session, rows)
    return len(rows)


def _dumps(value) -> str:
    return _ENCODER.encode(value)


# json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str), its encoder made once
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


_COLUMNS = ("application_id", "office_id", "section_id", "service_user_id", "iqfast_id", "level", "rate", "draw",
            "random_selected", "flags", "selected", "key_version", "settings_version", "level_basis", "decided_at")


def _write(session: Session, rows: list[tuple]) -> None:
    """Insert the decisions: COPY on PostgreSQL (a first load decides a year at once), executemany elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # CSV lines formatted here rather than by the csv module, which scanned each row's JSON to quote it (a third
        # of a first load's Python after the flags): the two JSON fields are quoted once per distinct text (most
        # repeat), the run's one decided_at formatted once, floats as their repr (as the csv module writes them).
        # No column is NULL, and the level is one of three words.
        quoted: dict[str, str] = {}

        def quote(value: str) -> str:
            found = quoted.get(value)
            if found is None:
                found = quoted[value] = '"' + value.replace('"', '""') + '"'
            return found

        stamps: dict[datetime, str] = {}
        buffer = io.StringIO("".join([
            f"{row[0]},{row[1]},{row[2]},{row[3]},{row[4]},{row[5]},{row[6]!r},{row[7]!r},{'t' if row[8] else 'f'},"
            f"{quote(row[9])},{'t' if row[10] else 'f'},{row[11]},{row[12]},{quote(row[13])},"
            f"{stamps.get(row[14]) or stamps.setdefault(row[14], row[14].isoformat())}\n" for row in rows]))
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.copy_expert(f"COPY targeting_decisions ({', '.join(_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                               buffer)
        finally:
            cursor.close()
        # COPY goes round SQLAlchemy, so the data version's hook cannot see it, and the effectiveness and KPI panels
        # show decisions. A sync's DELETE of the queue in the same transaction bumped it anyway; nothing else did.
        data_version.mark_changed(connection)
        return
    table = TargetingDecision.__table__
    payload = [dict(zip(_COLUMNS, row)) for row in rows]
    for item in payload:
        item["flags"], item["level_basis"] = json.loads(item["flags"]), json.loads(item["level_basis"])
    for start in range(0, len(payload), ID_CHUNK):
        connection.execute(insert(table), payload[start:start + ID_CHUNK])


def _percents(settings: ScoringSettings) -> dict[str, Any]:
    return {rules.TIGHTENED: settings.tightened_percent, rules.NORMAL: settings.normal_percent,
            rules.REDUCED: settings.reduced_percent}


def compliance_settings_of(session: Session, version: int) -> ScoringSettings:
    if not version:
        return compliance_model.DEFAULT_SETTINGS
    row = session.get(ComplianceSettingsVersion, version)
    return ScoringSettings.from_dict(row.values) if row else compliance_model.DEFAULT_SETTINGS


def level_from_basis(session: Session, basis: dict[str, Any]) -> tuple[str, float]:
    """(level, rate) recomputed from a decision's stored compliance snapshot (its clean streak under the
    compliance settings version it names)."""
    settings = compliance_settings_of(session, basis.get("compliance_settings_version") or 0)
    level = compliance_model.intervention_level(int(basis.get("clean_streak") or 0), settings).name
    return level, rules.rate_for(level, _percents(settings))


class _History:
    """What the flags and the level read, loaded set-based for all the applications being decided."""

    def __init__(self, session: Session, apps: list, cap: int, comp_settings: ScoringSettings):
        self.session = session
        companies = self.companies = sorted({app.service_user_id for app in apps})
        self.app_ids = [app.id for app in apps]
        # Per decided application: earlier consignments (counted up to `cap`, all the rule needs), the
        # commodities and the country it used before, and per commodity line the median of earlier quantities.
        self.prior: dict[int, int] = {}
        self.commodity_used: set[tuple[int, int]] = set()
        self.country_used: set[int] = set()
        self.medians: dict[tuple[int, int, str | None], tuple[float, int]] = {}
        self.lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
        small = session.get_bind().dialect.name == "postgresql" and len(apps) <= SMALL_BATCH
        live = [app for app in apps if app.live]
        # A first load decides every application the companies have: their whole live history is then the live
        # applications in hand, and reading it again cost a first load a second statement over the same rows. Any
        # live application not being decided (synced before targeting, decided already) makes the counts differ.
        complete = not small and len(live) == session.scalar(
            select(func.count()).select_from(Application).where(
                _in_chunks(session, Application.service_user_id, companies), Application.deleted_at.is_(None)))
        if small:
            self._per_application(cap)
            self._per_line()
        else:
            self._whole_histories(apps, companies, live if complete else None)
            self._commodities(apps, companies, live if complete else None)
        # Handlers: the existing handler flag (tier-D companies served, threshold in the compliance settings).
        handler_ids = sorted({app.handler_id for app in apps if app.handler_id is not None})
        self.tier_d = tier_d_companies_per_handler(session, handler_ids) if handler_ids else {}
        # handler_flag_threshold's value, from the compliance settings the caller read (one query fewer)
        self.handler_threshold = int(comp_settings.handler_flag_tier_d)
        self.handler_names = {i: n for i, n in session.execute(select(Handler.id, Handler.name).where(
            _in_chunks(session, Handler.id, handler_ids)))} if handler_ids else {}
        # NNCs naming the companies (not void).
        self.nncs: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
        for su, nnc_id, number, notice in session.execute(
                select(Nnc.service_user_id, Nnc.id, Nnc.number, Nnc.notice_date).where(
                    _in_chunks(session, Nnc.service_user_id, companies), Nnc.counts_against_compliance)
                .order_by(Nnc.notice_date, Nnc.id)):
            self.nncs[su].append((notice, nnc_id, number))
        # Levels: the companies' current snapshots in each section, one basis dict per snapshot.
        s = ComplianceScore
        self.scores: dict[tuple[int, int], tuple[str, dict]] = {}
        for su, section, tier, score, intervention, streak, version, as_of in session.execute(
                select(s.service_user_id, s.section_id, s.tier, s.score, s.intervention, s.clean_streak,
                       s.settings_version, s.as_of).where(_in_chunks(session, s.service_user_id, companies))):
            self.scores[(su, section)] = (intervention, {
                "source": "compliance_scores", "tier": tier, "score": float(score), "clean_streak": int(streak),
                "compliance_settings_version": version, "as_of": as_of.isoformat()})
        self.no_score: dict[int, tuple[str, dict]] = {}

    def _whole_histories(self, apps: list, companies: list[int], live: list | None) -> None:
        """Earlier consignments and countries from the companies' whole histories, read once and walked in Python
        (a first load: every application of a company is being decided, so there is nothing to skip). `live`: the
        decided applications that are live, when they are the whole live history (not read again)."""
        a = Application
        times: dict[int, list[datetime]] = defaultdict(list)
        first_country: dict[tuple[int, str, str], datetime] = {}
        if live is None:
            history = self.session.execute(
                select(a.service_user_id, _instant(self.session, a.submitted_at), a.direction, a.origin_country,
                       a.destination_country)
                .where(_in_chunks(self.session, a.service_user_id, companies), a.deleted_at.is_(None)))
        else:
            history = ((app.service_user_id, app.submitted_at, app.direction, app.origin_country,
                        app.destination_country) for app in live)
        for su, submitted, direction, origin, destination in history:
            times[su].append(submitted)
            role = _ROLE.get(direction)
            country = rules.normal_country((origin if role == "origin" else destination) or "") if role else ""
            if country:
                key = (su, role, country)
                first = first_country.get(key)
                if first is None or submitted < first:
                    first_country[key] = submitted
        for values in times.values():
            values.sort()
        for app in apps:
            su, submitted = app.service_user_id, app.submitted_at
            self.prior[app.id] = bisect.bisect_left(times.get(su, ()), submitted)  # strictly earlier ones
            role = _ROLE.get(app.direction)
            if role:
                country = rules.normal_country((app.origin_country if role == "origin" else
                                                app.destination_country) or "")
                if country and first_country.get((su, role, country), submitted) < submitted:
                    self.country_used.add(app.id)

    def _per_application(self, cap: int) -> None:
        """Earlier consignments and countries asked per decided application in PostgreSQL (a usual run: a few
        hundred new applications of companies whose histories may hold thousands): the count stops at `cap`,
        "used before" at the first earlier use."""
        # PostgreSQL estimates a company's earlier applications at a few rows and answers each question with a
        # bitmap scan that visits the whole earlier history (≈1,500 rows for a big company); an index scan stops at
        # the cap or the first use (115 → 22 ms for a hundred applications). Off for this statement only: the
        # transaction's previous setting is put back.
        previous = self.session.execute(text("SELECT current_setting('enable_bitmapscan')")).scalar()
        self.session.execute(text("SELECT set_config('enable_bitmapscan', 'off', true)"))
        rows = self.session.execute(_SMALL_APPLICATIONS, {"ids": self.app_ids, "cap": cap}).all()
        # (a failed statement aborts the transaction, whose rollback drops the local setting anyway)
        self.session.execute(text("SELECT set_config('enable_bitmapscan', :value, true)"), {"value": previous})
        for app_id, prior, country_used in rows:
            self.prior[app_id] = int(prior)
            if country_used:
                self.country_used.add(app_id)

    def _per_line(self) -> None:
        """The decided applications' live commodity lines, each with its history answered by PostgreSQL (a usual
        run): whether the company used the commodity before, and the count and middle quantities of its earlier
        lines of the commodity in the line's unit, from which the median is taken here as _prior_medians takes it.
        The earlier lines stay in PostgreSQL (≈ 7,500 rows for a usual run's hundred applications on the 110-day
        simulator: reading them into Python and walking them there was most of a usual run's deciding)."""
        for (app_id, commodity_id, name, official, quantity, unit, used, count, low, high) in self.session.execute(
                _SMALL_LINES, {"ids": self.app_ids}):
            self.lines[app_id].append({"commodity_id": commodity_id, "commodity": official or name,
                                       "quantity": None if quantity is None else float(quantity), "unit": unit})
            if used:
                self.commodity_used.add((app_id, commodity_id))
            if count:  # the median of the sorted earlier quantities, as _prior_medians computes it
                self.medians[(app_id, commodity_id, unit)] = (low if count % 2 else (low + high) / 2, count)

    def _commodities(self, apps: list, companies: list[int], live: list | None) -> None:
        """A first load's (or SQLite's) commodity lines and the companies' history of them, read once: first use of
        each commodity, and the running medians of their quantities. `live` as in _whole_histories."""
        history = self._all_lines(companies) if live is None else self._own_lines(live)
        if live is not None:  # every history line is a decided application's own: each pair is wanted
            wanted_pairs = None
        else:
            wanted_pairs = {(app.service_user_id, ln["commodity_id"]) for app in apps
                            for ln in self.lines.get(app.id, ()) if ln["commodity_id"] is not None}
            if not wanted_pairs:
                return
        first_commodity: dict[tuple[int, int], datetime] = {}
        groups: dict[tuple, list[tuple[datetime, int, float]]] = defaultdict(list)
        for su, app_id, submitted, commodity_id, quantity, unit in history:
            key = (su, commodity_id)
            if wanted_pairs is not None and key not in wanted_pairs:
                continue
            first = first_commodity.get(key)
            if first is None or submitted < first:
                first_commodity[key] = submitted
            if quantity is not None:
                groups[(su, commodity_id, unit)].append((submitted, app_id, quantity))
        for app in apps:
            su, submitted = app.service_user_id, app.submitted_at
            for ln in self.lines.get(app.id, ()):
                if first_commodity.get((su, ln["commodity_id"]), submitted) < submitted:
                    self.commodity_used.add((app.id, ln["commodity_id"]))
        self.medians = _prior_medians(groups, set(self.app_ids))

    def _all_lines(self, companies: list[int]) -> list[tuple]:
        """A first load (or SQLite): the companies' lines read once, in one statement, for both uses — the decided
        applications' own lines and the live history the caller walks (the caller drops the pairs no decided line
        carries). Two reads of the same rows cost a first load seconds."""
        a, line = Application, ApplicationCommodity
        wanted, history, lines = set(self.app_ids), [], self.lines
        keep = history.append
        for su, app_id, submitted, live, commodity_id, name, official, quantity, unit in self.session.execute(
                select(a.service_user_id, a.id, _instant(self.session, a.submitted_at), a.deleted_at.is_(None),
                       line.commodity_id, line.commodity_name, Commodity.name, line.quantity, line.unit)
                .join(line, line.application_id == a.id).outerjoin(Commodity, Commodity.id == line.commodity_id)
                .where(_in_chunks(self.session, a.service_user_id, companies), line.deleted_at.is_(None))
                .order_by(line.application_id, line.line_no)):
            amount = None if quantity is None else float(quantity)
            if app_id in wanted:  # as _line, inline: a first load has a line per application or more
                lines[app_id].append({"commodity_id": commodity_id, "commodity": official or name,
                                      "quantity": amount, "unit": unit})
            if live and commodity_id is not None:
                keep((su, app_id, submitted, commodity_id, amount, unit))
        return history

    def _own_lines(self, live: list) -> list[tuple]:
        """A first load whose decided applications are the companies' whole live history (see __init__): their
        lines read once, as _all_lines but with company and time taken from the decided rows, the commodities'
        names from one read of the (small) commodity table, and the quantities converted by PostgreSQL (numeric to
        float8 rounds the same decimal text to the nearest double as Python's float of a Decimal)."""
        a, line, lines = Application, ApplicationCommodity, self.lines
        amount = (cast(line.quantity, Float) if self.session.get_bind().dialect.name == "postgresql"
                  else line.quantity)
        names = {i: n for i, n in self.session.execute(select(Commodity.id, Commodity.name))}
        decided = set(self.app_ids)
        of = {app.id: (app.service_user_id, app.submitted_at) for app in live}
        history = []
        keep = history.append
        for app_id, commodity_id, name, quantity, unit in self.session.execute(
                select(line.application_id, line.commodity_id, line.commodity_name, amount, line.unit)
                .join(a, a.id == line.application_id)
                .where(_in_chunks(self.session, a.service_user_id, self.companies), line.deleted_at.is_(None))
                .order_by(line.application_id, line.line_no)):
            if app_id not in decided:  # a deleted application's, not being decided
                continue
            if quantity is not None and not isinstance(quantity, float):
                quantity = float(quantity)
            lines[app_id].append({"commodity_id": commodity_id, "commodity": names.get(commodity_id) or name,
                                  "quantity": quantity, "unit": unit})
            if commodity_id is not None and app_id in of:
                su, submitted = of[app_id]
                keep((su, app_id, submitted, commodity_id, quantity, unit))
        return history

    def level(self, app, comp_version: int, comp_versions: dict[int, ScoringSettings]) -> tuple[str, dict]:
        """The company's intervention level in the application's section now, and the snapshot it came from.
        A company without a score yet has no clean consignments: the level of a clean streak of 0."""
        found = self.scores.get((app.service_user_id, app.section_id))
        if found is None:
            if comp_version not in self.no_score:
                level = compliance_model.intervention_level(0, comp_versions[comp_version]).name
                self.no_score[comp_version] = (level, {
                    "source": "no_score", "tier": None, "score": None, "clean_streak": 0,
                    "compliance_settings_version": comp_version, "as_of": None})
            return self.no_score[comp_version]
        version = found[1]["compliance_settings_version"]
        if version not in comp_versions:
            comp_versions[version] = compliance_settings_of(self.session, version)
        return found

    def flagger(self, settings: rules.TargetingSettings) -> Callable[[Any, ZoneInfo], list[str]]:
        """flags(app, office zone) under this run's settings, as the JSON of each flag raised, in the rules' order (a
        decision stores the list). The switches, thresholds and tables are bound once, and each distinct flag is
        built by its rule and encoded once, keyed by all that the rule reads: a first load asks for every
        application of a station-year, and a new company's count, a commodity or country first used, a handler and
        a company's recent NNCs on a day repeat thousands of times."""
        prior, lines_of, commodity_used, country_used = self.prior, self.lines, self.commodity_used, self.country_used
        tier_d, threshold, handler_names, nncs, medians = (self.tier_d, self.handler_threshold, self.handler_names,
                                                           self.nncs, self.medians)
        new_company, below = settings.new_company, settings.new_company_below
        new_commodity, new_country, handler_flagged = settings.new_commodity, settings.new_country, settings.handler_flagged
        recent_nnc, days = settings.recent_nnc, settings.recent_nnc_days
        outliers, factor = settings.quantity_outlier and bool(medians), settings.quantity_factor
        # The rule's inputs → the flag's JSON, or None when the rule raises nothing.
        by_count: dict[int, str | None] = {}
        by_commodity: dict[tuple, str] = {}
        by_countries: dict[tuple, str | None] = {}
        by_handler: dict[Any, str | None] = {}
        by_nnc_day: dict[tuple[int, date], str | None] = {}

        def encoded(flag: dict[str, Any] | None) -> str | None:
            return None if flag is None else _dumps(flag)

        def flags(app, zone: ZoneInfo) -> list[str]:
            found: list[str] = []
            app_id, su = app.id, app.service_user_id
            lines = lines_of.get(app_id, ())
            if new_company:
                count = prior.get(app_id, 0)
                if count < below:  # the rule's own test, asked first so most applications look nothing up
                    part = by_count.get(count, _UNSET)
                    if part is _UNSET:
                        part = by_count[count] = encoded(rules.new_company_flag(count, below))
                    if part:
                        found.append(part)
            if new_commodity and lines:
                # The lines of commodities not used before (a commodity's lines are all used or none is): the rule
                # over these alone flags what it flags over all the lines with the used ones named.
                fresh = tuple([(ln["commodity_id"], ln["commodity"]) for ln in lines
                               if (app_id, ln["commodity_id"]) not in commodity_used])
                for flag in rules.new_commodity_flags(fresh, set()) if fresh else ():
                    evidence = flag["evidence"]  # the key: all of it (its values' types too: 3 and 3.0 are equal)
                    key = tuple((name, value.__class__, value) for name, value in evidence.items())
                    part = by_commodity.get(key)
                    if part is None:
                        part = by_commodity[key] = _dumps(flag)
                    found.append(part)
            if new_country and app_id not in country_used:  # used before (country_used) raises nothing
                key = (app.direction, app.origin_country, app.destination_country)
                part = by_countries.get(key, _UNSET)
                if part is _UNSET:  # the rule decides (domestic, blank: none)
                    part = by_countries[key] = encoded(rules.new_country_flag(*key, set()))
                if part:
                    found.append(part)
            if handler_flagged:
                handler_id = app.handler_id
                part = by_handler.get(handler_id, _UNSET)
                if part is _UNSET:
                    served = tier_d.get(handler_id, 0)
                    part = by_handler[handler_id] = encoded(rules.handler_flag(
                        handler_id, handler_names.get(handler_id), served, threshold)) if served >= threshold else None
                if part:
                    found.append(part)
            if recent_nnc and su in nncs:  # most companies have none: no date arithmetic for them
                day = app.submitted_at.astimezone(zone).date()
                part = by_nnc_day.get((su, day), _UNSET)
                if part is _UNSET:
                    first_day, last_day = rules.nnc_window(day, days)
                    notices = nncs[su]
                    low = bisect.bisect_left(notices, (first_day,))
                    listed = [{"id": i, "number": n, "notice_date": d} for d, i, n in notices[low:] if d <= last_day]
                    part = by_nnc_day[(su, day)] = encoded(rules.recent_nnc_flag(listed, days))
                if part:
                    found.append(part)
            if outliers:
                for ln in lines:
                    median = medians.get((app_id, ln["commodity_id"], ln["unit"]))
                    quantity = ln["quantity"]
                    # the rule's own comparison (both floats), asked first: most lines are not outliers
                    if median and quantity is not None and quantity > factor * median[0]:
                        flag = rules.quantity_outlier_flag(ln, median[0], median[1], factor)
                        if flag:
                            found.append(_dumps(flag))
            return found
        return flags


_UNSET = object()  # a memo's "not computed yet" (None is a computed "no flag")


def _instant(session: Session, column):
    """A timestamp column as the driver returns it on PostgreSQL (already an aware datetime: what UTCDateTime would
    make of it, compared by instant the same), sparing the type's per-value work on the rows of a whole history;
    SQLite keeps the type, which attaches the zone its text lacks."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(column, DateTime(timezone=True))
    return column


_ROLE = {"import": "origin", "export": "destination"}  # rules.country_role, looked up once per row


def _prior_medians(groups: dict[tuple, list[tuple[datetime, int, float]]], wanted: set[int]
                   ) -> dict[tuple[int, int, str | None], tuple[float, int]]:
    """(application, commodity, unit) → (median quantity of the company's earlier lines of that commodity in that
    unit, how many) for the applications decided. One pass per (company, commodity, unit) in time order over a
    sorted list; lines submitted at the same instant do not see one another."""
    result = {}
    for (_su, commodity_id, unit), items in groups.items():
        if not any(app_id in wanted for _at, app_id, _q in items):
            continue
        items.sort(key=lambda item: item[0])
        seen: list[float] = []
        i = 0
        while i < len(items):
            j = i
            while j < len(items) and items[j][0] == items[i][0]:
                j += 1
            if seen:
                n = len(seen)
                middle = seen[n // 2] if n % 2 else (seen[n // 2 - 1] + seen[n // 2]) / 2
                for _at, app_id, _q in items[i:j]:
                    if app_id in wanted:
                        result[(app_id, commodity_id, unit)] = (middle, n)
            for _at, _app, q in items[i:j]:
                bisect.insort(seen, q)
            i = j
    return result


# ---------------------------------------------------------------- reading

def _as_dict(d: TargetingDecision) -> dict[str, Any]:
    return {"id": d.id, "application_id": d.application_id, "office_id": d.office_id, "section_id": d.section_id,
            "service_user_id": d.service_user_id, "iqfast_id": d.iqfast_id, "level": d.level, "rate": d.rate,
            "draw": d.draw, "random_selected": d.random_selected, "flags": list(d.flags or []),
            "selected": d.selected, "key_version": d.key_version, "settings_version": d.settings_version,
            "level_basis": dict(d.level_basis or {}), "decided_at": d.decided_at}


def decision_for(session: Session, application_id: int) -> dict[str, Any] | None:
    """The decision of one application as a plain dict, or None (synced before targeting, or still queued).
    Officers only: never hand it to a service user's page."""
    row = session.scalar(select(TargetingDecision).where(TargetingDecision.application_id == application_id))
    return _as_dict(row) if row else None


def decisions(session: Session, office_id: int | None, date_from: date, date_to: date, *,
              section_id: int | None = None, page: int = 0, page_size: int | None = None) -> list[dict[str, Any]]:
    """Decisions made from `date_from` to `date_to` (inclusive, UTC days) at an office (None: every office),
    oldest first, a page of them when `page_size` is given."""
    from datetime import time, timedelta, timezone
    d = TargetingDecision
    start = datetime.combine(date_from, time(0), timezone.utc)
    end = datetime.combine(date_to + timedelta(days=1), time(0), timezone.utc)
    query = select(d, Application.number).join(Application, Application.id == d.application_id).where(
        d.decided_at >= start, d.decided_at < end)
    if office_id is not None:
        query = query.where(d.office_id == office_id)
    if section_id is not None:
        query = query.where(d.section_id == section_id)
    query = query.order_by(d.decided_at, d.id)
    if page_size is not None:
        query = query.offset(max(page, 0) * page_size).limit(page_size)
    return [{**_as_dict(row), "application_number": number} for row, number in session.execute(query)]


# The per-application history questions on PostgreSQL (see _History._per_application). "Earlier" is strictly
# earlier by submission time, the same company, live records only, as in _whole_histories.
_EARLIER = ("h.service_user_id = d.service_user_id AND h.submitted_at < d.submitted_at AND h.deleted_at IS NULL")
_COUNTRY = ("lower(btrim(CASE {t}.direction WHEN 'import' THEN {t}.origin_country "
            "WHEN 'export' THEN {t}.destination_country END))")
_SMALL_APPLICATIONS = text(f"""
SELECT d.id,
       (SELECT count(*) FROM (SELECT 1 FROM applications h WHERE {_EARLIER} LIMIT :cap) x) AS prior,
       COALESCE({_COUNTRY.format(t="d")}, '') <> '' AND EXISTS (
           SELECT 1 FROM applications h WHERE {_EARLIER} AND h.direction = d.direction
             AND {_COUNTRY.format(t="h")} = {_COUNTRY.format(t="d")}) AS country_used
FROM applications d WHERE d.id = ANY(CAST(:ids AS bigint[]))
""")
# The decided applications' live lines, in line order, each with its history (see _History._per_line): `used`, a
# live line of a live application of the same company and commodity submitted strictly before the application (any
# unit or quantity; as the whole-history walk's first use); `n`, `low`, `high`, for a line of a live application
# with a quantity, the number of such earlier lines in its unit with a quantity and the two middle values of their
# quantities sorted as float8 (the same one for an odd count): numeric to float8 rounds the decimal text to the
# nearest double, as Python's float of a Decimal. The line's own copies place it, as the walk groups it (the sync
# keeps them equal to its application's). Each history question is an index range (ix_application_commodities_history).
_LINE_EARLIER = ("h.service_user_id = {su} AND h.commodity_id = l.commodity_id AND h.submitted_at < {at} "
                 "AND h.deleted_at IS NULL AND h.application_deleted_at IS NULL")
_SMALL_LINES = text(f"""
SELECT l.application_id, l.commodity_id, l.commodity_name, c.name, l.quantity, l.unit,
       EXISTS (SELECT 1 FROM application_commodities h
               WHERE {_LINE_EARLIER.format(su="d.service_user_id", at="d.submitted_at")}) AS used,
       m.n, m.q[(m.n + 1) / 2] AS low, m.q[m.n / 2 + 1] AS high
FROM application_commodities l
JOIN applications d ON d.id = l.application_id
LEFT JOIN commodities c ON c.id = l.commodity_id
LEFT JOIN LATERAL (
    SELECT cardinality(x.q) AS n, x.q FROM (
        SELECT array_agg(CAST(h.quantity AS float8) ORDER BY CAST(h.quantity AS float8)) AS q
        FROM application_commodities h
        WHERE {_LINE_EARLIER.format(su="l.service_user_id", at="l.submitted_at")}
          AND h.unit IS NOT DISTINCT FROM l.unit AND h.quantity IS NOT NULL) x
) m ON l.application_deleted_at IS NULL AND l.quantity IS NOT NULL AND l.service_user_id = d.service_user_id
WHERE l.application_id = ANY(CAST(:ids AS bigint[])) AND l.deleted_at IS NULL
ORDER BY l.application_id, l.line_no
""").columns(application_id=BigInteger, commodity_id=Integer, commodity_name=String, name=String,
             quantity=Numeric(16, 3), unit=String)
