"""IQFast's codes and clock as Q-Corner reads them: the code lists that map onto ours, and IQFast's naive WIB
times turned into UTC (and back, for cursors)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.settings import INDONESIAN_TIMEZONES

# IQFast's server clock. Every DATETIME it stores is naive wall-clock time in WIB, also for stations in
# WITA and WIT (docs/iqfast-simulator.md). The office zones below are only for showing times.
# WIB (Jakarta's zone) has been UTC+7 without daylight saving since 1964, so a fixed offset is exact and
# attaching it is the cheapest correct conversion (the UTC columns store the same instant in UTC).
SOURCE_TIMEZONE = timezone(timedelta(hours=7), "WIB")

# m_upt.zona_waktu → the zone our offices table keeps (used to show times and decide "today" there).
OFFICE_TIMEZONES = INDONESIAN_TIMEZONES
# jenis_karantina → sections.code
SECTIONS = {"H": "animal", "T": "plant"}
# jenis_permohonan (m_jenis_permohonan.kode) → applications.direction
DIRECTIONS = {"EX": "export", "IM": "import", "DK": "domestic_out", "DM": "domestic_in"}
# m_status.kode_status → stage_events.stage (models.application.STAGES); the codes do not sort in stage order.
STAGES = {10: "submitted", 20: "verified", 30: "inspected", 40: "treated", 50: "draft_certificate",
          60: "billed", 70: "paid", 80: "certified", 90: "handed_over",
          31: "detained", 32: "released", 33: "refused", 34: "destroyed"}
# penahanan.hasil → quarantine_actions.outcome (the stage the detention ended in)
DETENTION_OUTCOMES = {"DIBEBASKAN": "released", "DITOLAK": "refused", "DIMUSNAHKAN": "destroyed"}


def to_utc(value: datetime | None) -> datetime | None:
    """IQFast's naive WIB time as an aware UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=SOURCE_TIMEZONE).astimezone(timezone.utc)


SOURCE_UTC_OFFSET = SOURCE_TIMEZONE.utcoffset(None)
_OFFSET = SOURCE_UTC_OFFSET
_OFFSET_TEXT = f"{'+' if _OFFSET >= timedelta(0) else '-'}{abs(_OFFSET) // timedelta(hours=1):02d}:" \
               f"{abs(_OFFSET) % timedelta(hours=1) // timedelta(minutes=1):02d}"


def source_time_text(value: datetime) -> str:
    """IQFast's naive WIB time as text with its offset, for PostgreSQL's COPY (it converts to UTC itself)."""
    return f"{value}{_OFFSET_TEXT}"


def from_utc(value: datetime) -> datetime:
    """Our UTC time as IQFast's naive WIB time (for cursors and checks)."""
    return value.astimezone(SOURCE_TIMEZONE).replace(tzinfo=None)
