"""The governance audit trail: what was purged, erased or forgotten, without personal content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class GovernanceAudit(Base):
    """One deletion: action, kind of data, a hashed subject (never the id itself), a count."""

    __tablename__ = "governance_audit"

    id: Mapped[str] = id_column()
    action: Mapped[str] = mapped_column(String(40))  # purge, erase, forget
    kind: Mapped[str] = mapped_column(String(40))  # llm_payloads, evidence, ...
    subject: Mapped[str] = mapped_column(String(64), default="")  # sha256 prefix or ""
    count: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
