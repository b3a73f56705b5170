"""The data version: one row whose stamp changes in the same transaction as every write the views show."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DataVersion(Base):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A counter for people (how many changes) and a random stamp for cache keys: a restored backup or a test's
    # reset brings back an old counter, never an old stamp, so a cache never answers from before the restore.
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    stamp: Mapped[str] = mapped_column(String(32), nullable=False)
