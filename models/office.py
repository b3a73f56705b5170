"""Quarantine stations (UPT) and the technical sections, both reference data."""
from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Office(Base):
    """A quarantine station; every record belongs to one."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The office's own IQFast database, when its records are not in the installation's configured source
    # (settings.iqfast_url): the sync reads each distinct source once (docs/operations.md, "Adding a station").
    iqfast_url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Section(Base):
    """A technical section (animal, plant, fish…): reference data a station can extend."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_id: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
