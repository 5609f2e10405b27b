"""The directory copy: one row per Genesys user (or queue) with the division it lives in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, utcnow


class DirectoryEntry(Base):
    """A Genesys user (``kind`` ``user``) or queue (``queue``) and its division id.

    Written by ``qmloop directory sync`` and the hourly ``directory.sync`` job; read by the
    division rule. An object whose agent has no row is outside every division scope.
    """

    __tablename__ = "directory_entries"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    division_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
