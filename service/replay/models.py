"""The replay's cache: each fetched evaluation, scored once, so a repeated replay of the same
period asks Genesys only for the query pages and for evaluations changed since."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, utcnow


class CachedEvaluation(Base):
    """One evaluation as the replay needs it (``sources.record_of``), keyed by id; ``changed``
    is Genesys' ``changedDate``: a newer one makes the replay fetch the evaluation again."""

    __tablename__ = "replay_evaluations"

    evaluation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[str] = mapped_column(String(40), default="")
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
