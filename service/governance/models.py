"""The governance audit trail and the reconciliation cursor (no personal content in either)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class GovernanceAudit(Base):
    """One deletion step: action, kind of data, a hashed subject (never the Genesys id itself),
    a count and QM Loop's own ids of the rows removed or anonymized (for downstream copies)."""

    __tablename__ = "governance_audit"

    id: Mapped[str] = id_column()
    action: Mapped[str] = mapped_column(String(40))  # purge, erase, forget, reconcile
    kind: Mapped[str] = mapped_column(String(40))  # llm_payloads, evidence, ...
    subject: Mapped[str] = mapped_column(String(64), default="")  # sha256 prefix or ""
    count: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Groups the rows of one purge run or one deletion ("" for rows written before 0002).
    run_id: Mapped[str] = mapped_column(String(36), default="", server_default="", index=True)
    # QM Loop row ids (UUIDs we made, e.g. the ``request_id`` or ``review_id`` of an export).
    ids: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GovernanceCursor(Base):
    """Per periodic governance job: when it last ran, where a resumable sweep (the Genesys
    reconciliation) stands, and who holds it now."""

    __tablename__ = "governance_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The last conversation id checked in the current sweep ("" at the start of a sweep).
    position: Mapped[str] = mapped_column(String(128), default="")
    sweeps: Mapped[int] = mapped_column(Integer, default=0)  # completed sweeps
    checked: Mapped[int] = mapped_column(Integer, default=0)  # conversations checked, all time
    # When the job last ran (purge) or last finished a sweep (reconciliation).
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    holder: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
