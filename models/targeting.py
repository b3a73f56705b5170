"""Inspection targeting (DOMAIN: inspection targeting): one decision per new application, written once.

A decision names everything needed to show and re-check its working: the level and the compliance snapshot it
came from (`level_basis`), the draw and the key version it was drawn under, the rate, the risk flags with their
evidence, and the targeting settings version that chose which flags were on. Nothing ever updates a decision.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JSONType, UTCDateTime, utcnow

LEVELS = ("tightened", "normal", "reduced")


class TargetingKey(Base):
    """An office's secret targeting key: the draw is an HMAC under it. Never shown; a rotation retires the
    current one and adds the next version (decisions keep the version they used)."""

    __tablename__ = "targeting_keys"
    __table_args__ = (UniqueConstraint("office_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # An office's keys go with it (offices are reference data; the sync's tests remove the ones they add).
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(String(128))  # hex; the key is its bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TargetingSettingsVersion(Base):
    """One saved set of targeting settings (which risk flags are on, and their thresholds); every decision
    names the version it used. Version 0 is the built-in defaults and has no row."""

    __tablename__ = "targeting_settings_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


class TargetingPending(Base):
    """An application a sync inserted and that still waits for its decision.

    Written in the same transaction as the application itself, so no new application can be missed (or one
    synced before targeting existed be taken for new); deleted in the transaction that writes its decision."""

    __tablename__ = "targeting_pending"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TargetingDecision(Base):
    """The inspection decision for one application: selected when the draw is under the level's rate or any
    risk flag is raised."""

    __tablename__ = "targeting_decisions"
    __table_args__ = (
        Index("ix_targeting_decisions_office_decided", "office_id", "decided_at"),
        Index("ix_targeting_decisions_office_section_decided", "office_id", "section_id", "decided_at"),
        Index("ix_targeting_decisions_service_user", "service_user_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    # Copied from the application at decision time, so lists read one table.
    office_id: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    service_user_id: Mapped[int] = mapped_column(Integer)
    iqfast_id: Mapped[int] = mapped_column(BigInteger)  # the application's source id: what the draw hashes
    level: Mapped[str] = mapped_column(String(12))
    rate: Mapped[float] = mapped_column(Float)
    draw: Mapped[float] = mapped_column(Float)
    random_selected: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    selected: Mapped[bool] = mapped_column(Boolean)
    key_version: Mapped[int] = mapped_column(Integer)
    settings_version: Mapped[int] = mapped_column(Integer)
    # What the level was read from: the compliance snapshot (tier, score, clean streak, settings version, as_of).
    level_basis: Mapped[dict[str, Any]] = mapped_column(JSONType)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
