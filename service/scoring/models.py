"""Scoring requests (one per interaction and scorecard version) and their LLM audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow
from service.governance.crypto import EncryptedJSON


class ScoringRequest(Base):
    """One interaction to score; ``idempotency_key`` collapses duplicate deliveries."""

    __tablename__ = "scoring_requests"

    id: Mapped[str] = id_column()
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    communication_id: Mapped[str] = mapped_column(String(128), default="")
    media_type: Mapped[str] = mapped_column(String(32), default="")
    agent_id: Mapped[str] = mapped_column(String(128), default="")
    source: Mapped[str] = mapped_column(String(16), default="data_action")
    scorecard_id: Mapped[str] = mapped_column(String(128))
    scorecard_version: Mapped[str] = mapped_column(String(128))
    # queued, scored, written, needs_review, skipped
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[str | None] = mapped_column(String(36), default=None)
    percentage: Mapped[float | None] = mapped_column(Float, default=None)
    review_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    model: Mapped[str] = mapped_column(String(128), default="")
    prompt_version: Mapped[str] = mapped_column(String(64), default="")
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    evaluation_id: Mapped[str | None] = mapped_column(String(128), default=None)
    writeback_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    writeback_response: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScoringCall(Base):
    """One LLM attempt: the raw request and response, for audits and disputes."""

    __tablename__ = "scoring_llm_calls"

    id: Mapped[str] = id_column()
    request_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("scoring_requests.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(128), default="")
    prompt_version: Mapped[str] = mapped_column(String(64), default="")
    scorecard_version: Mapped[str] = mapped_column(String(128), default="")
    # Encrypted at rest with QM_GOVERNANCE_ENCRYPTION_KEYS (service/governance/crypto.py).
    request: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    response: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
