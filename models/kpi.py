"""KPI panel rollups and the IKM follow-up plan.

The KPI panel never aggregates the raw applications / stage events / bills at request time. It reads:

- `kpi_application_times`: one row per application — the times of its happy-path stages as hours
  (submitted→certified and each stage from the one before), so exact percentiles are one indexed range scan;
- `kpi_daily_facts`: what each application contributed to each local day of its office (submitted, completed,
  certificates, fees, 3P records) — kept so an incremental refresh can take back an application's old
  contribution without knowing what changed;
- `kpi_daily`: the sum of the facts per (office, local day, section, direction), a few thousand rows per
  office-year, which every count and sum of the panel reads.

All three are refreshed by portal.services.kpi.rollup.refresh_kpi_rollups (the sync calls it for the
applications it touched; `qcorner kpi rebuild` rebuilds them whole).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, EditVersion, UTCDateTime, utcnow


# The happy path, each stage measured from the stage before it (treatment is optional: the draft certificate
# is measured from the treatment when there was one, else from the inspection).
TIMED_STAGES = ("verified", "inspected", "treated", "draft_certificate", "billed", "paid", "certified",
                "handed_over")


class KpiApplicationTime(Base):
    """Service time of one application: submitted→certified and per stage, in hours."""

    __tablename__ = "kpi_application_times"
    __table_args__ = (Index("ix_kpi_application_times_office_completed", "office_id", "completed_at"),)

    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("applications.id", ondelete="CASCADE"),
                                                primary_key=True, autoincrement=False)
    office_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completion_stage: Mapped[str | None] = mapped_column(String(24), nullable=True)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_verified: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_inspected: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_treated: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_draft_certificate: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_billed: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_paid: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_certified: Mapped[float | None] = mapped_column(Float, nullable=True)
    h_handed_over: Mapped[float | None] = mapped_column(Float, nullable=True)


class _DailyMetrics:
    """The counts and sums of one day (local to the office)."""

    submitted: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    handed_over: Mapped[int] = mapped_column(Integer, default=0)
    certificates: Mapped[int] = mapped_column(Integer, default=0)
    billed: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=0)
    paid: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=0)
    detentions: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    destructions: Mapped[int] = mapped_column(Integer, default=0)


class KpiDailyFact(_DailyMetrics, Base):
    """What one application contributed to one local day of its office."""

    __tablename__ = "kpi_daily_facts"
    __table_args__ = (Index("ix_kpi_daily_facts_office_day", "office_id", "day"),)

    application_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16))


class KpiDaily(_DailyMetrics, Base):
    """Per office, local day, section and direction: the sums the KPI panel reads."""

    __tablename__ = "kpi_daily"

    office_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    section_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)


class IkmFollowUpPlan(EditVersion, Base):
    """The follow-up plan for the weakest survey elements that a station publishes each semester.

    Edited from the survey results page: a save names the version its form opened (EditVersion), so two officers
    writing the same semester's plan cannot overwrite each other silently."""

    __tablename__ = "ikm_follow_up_plans"
    __table_args__ = (UniqueConstraint("office_id", "year", "semester"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    year: Mapped[int] = mapped_column(Integer)
    semester: Mapped[int] = mapped_column(SmallInteger)  # 1 = January–June, 2 = July–December
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
