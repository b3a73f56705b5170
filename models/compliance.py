"""Compliance profiling: scoring settings (versioned), small rollups the pages read, score snapshots, guidance.

The pages never aggregate the raw applications / 3P actions / NNCs: they read `compliance_monthly`, one row
per (office, service user, section, direction, primary commodity, month), kept up to date by
portal.services.compliance.rollup after each sync and NNC change, and rebuilt daily.

`section_id = 0` in compliance_streaks / compliance_scores / compliance_tier_history means "all sections"
(the overall score); any other value is a sections.id.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JSONType, UTCDateTime, utcnow

ALL_SECTIONS = 0
GUIDANCE_KINDS = ("visit", "letter", "meeting", "socialisation")
# planned → done, planned → cancelled, done → cancelled (recorded by mistake); never back to planned.
GUIDANCE_STATUSES = ("planned", "done", "cancelled")


class ComplianceSettingsVersion(Base):
    """One saved set of scoring settings; every computed score names the version it used."""

    __tablename__ = "compliance_settings_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


COUNTS = ("n", "d", "r", "x", "k")


class ComplianceCounts:
    """What a score is computed from (``COUNTS``): n applications; d / r / x detention / refusal / destruction
    records; k NNCs."""

    n: Mapped[int] = mapped_column(Integer, default=0)
    d: Mapped[int] = mapped_column(Integer, default=0)
    r: Mapped[int] = mapped_column(Integer, default=0)
    x: Mapped[int] = mapped_column(Integer, default=0)
    k: Mapped[int] = mapped_column(Integer, default=0)


class ComplianceMonthly(ComplianceCounts, Base):
    """Counts per (office, service user, section, direction, primary commodity, local month).

    n = applications completed in the month; d / r / x = detention / refusal / destruction records; k = NNCs
    (not void) by notice date. Deleted records never count.
    """

    __tablename__ = "compliance_monthly"
    __table_args__ = (
        Index("ix_compliance_monthly_office_month", "office_id", "month", "section_id"),
        Index("ix_compliance_monthly_service_user_month", "service_user_id", "month"),
        # A commodity-filtered window: every office's (p0 of an office below p0_min_consignments) and the office's.
        Index("ix_compliance_monthly_section_commodity", "section_id", "commodity_id", "direction", "month",
              "office_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer)
    service_user_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    commodity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    month: Mapped[date] = mapped_column(Date)


class ComplianceStreak(Base):
    """Clean streak and last violation of a service user over all synced history (section 0 = overall)."""

    __tablename__ = "compliance_streaks"

    service_user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    office_id: Mapped[int] = mapped_column(Integer)
    clean_streak: Mapped[int] = mapped_column(Integer, default=0)
    last_violation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplianceScore(ComplianceCounts, Base):
    """The current score of a service user (default window, no filters), with the settings version it used."""

    __tablename__ = "compliance_scores"
    __table_args__ = (Index("ix_compliance_scores_office_section_tier", "office_id", "section_id", "tier"),
                      # Every office's companies of a tier (the handler flag's tier-D ones), index-only (0037h).
                      Index("ix_compliance_scores_section_tier", "section_id", "tier", "service_user_id"))

    service_user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    office_id: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    window_from: Mapped[date] = mapped_column(Date)
    window_to: Mapped[date] = mapped_column(Date)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    tier: Mapped[str] = mapped_column(String(1))
    intervention: Mapped[str] = mapped_column(String(12))
    clean_streak: Mapped[int] = mapped_column(Integer)
    last_violation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settings_version: Mapped[int] = mapped_column(ForeignKey("compliance_settings_versions.version"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplianceTierHistory(Base):
    """A row each time a service user's tier (or the settings version behind it) changes. A row of the day a refresh
    scores keeps that day's latest score (a sync or an NNC later that day that leaves the tier where it is)."""

    __tablename__ = "compliance_tier_history"
    __table_args__ = (Index("ix_compliance_tier_history_service_user", "service_user_id", "section_id", "as_of"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_user_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    office_id: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(1))
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    settings_version: Mapped[int] = mapped_column(ForeignKey("compliance_settings_versions.version"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuidanceRecord(Base):
    """Guidance (pembinaan) for a service user: a visit, letter, meeting or socialisation, planned or given.

    `given_on` is the planned day while `planned` and the day it was given once `done`; only a done guidance has
    an effect on the score. `version` goes up with every save (the forms send the one they loaded).
    """

    __tablename__ = "guidance_records"
    __table_args__ = (Index("ix_guidance_records_service_user_date", "service_user_id", "given_on"),
                      Index("ix_guidance_records_office_date", "office_id", "given_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), nullable=True)
    given_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text)
    officer_name: Mapped[str] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="done")
    cancel_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ComplianceNationalScore(ComplianceCounts, Base):
    """A company's national figures of a section's default view, as `national.national_scores` computed them from
    the score snapshots at their last refresh (issue #19: the national ranking read, not recomputed, on every view).
    `offices` holds its per-office rows (office, record, consignments, violations, score, tier); `name` and `tax_id`
    are those at the refresh (the page shows the company's current ones, joined)."""

    __tablename__ = "compliance_national_scores"
    __table_args__ = (Index("ix_compliance_national_scores_section_rank", "section_id", "rank"),)

    section_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    company_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    service_user_id: Mapped[int] = mapped_column(Integer)
    violations: Mapped[int] = mapped_column(Integer)
    weighted_violations: Mapped[float] = mapped_column(Float)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    tier: Mapped[str] = mapped_column(String(1))
    clean_streak: Mapped[int] = mapped_column(Integer)
    last_violation_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    offices: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)


class ComplianceNationalRun(Base):
    """What a section's stored national rows were computed from: the day and window, the settings version, each
    office's day of the snapshots read, the company links (a fingerprint) and the totals. The rows are served only
    while all of these are still today's (portal/services/compliance/national.py: stored_national)."""

    __tablename__ = "compliance_national_runs"

    section_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    as_of: Mapped[date] = mapped_column(Date)
    window_from: Mapped[date] = mapped_column(Date)
    window_to: Mapped[date] = mapped_column(Date)
    settings_version: Mapped[int] = mapped_column(Integer)
    office_days: Mapped[dict[str, Any]] = mapped_column(JSONType)
    links: Mapped[str] = mapped_column(String(80))
    all_v: Mapped[float] = mapped_column(Float)
    all_n: Mapped[int] = mapped_column(Integer)
    p0: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
