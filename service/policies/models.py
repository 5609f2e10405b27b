"""The policy history: one row per change of a stored policy, whoever made it and however."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class PolicyRevision(Base):
    """One change: the policy ``kind`` (coaching, sentiment) and ``key`` (form or queue id), the
    document before (None: created) and after (None: deleted), who changed it and when."""

    __tablename__ = "policy_revisions"
    __table_args__ = (Index("ix_policy_revisions_kind_key_at", "kind", "key", "at"),)

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
