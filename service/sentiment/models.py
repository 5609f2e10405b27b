"""Sentiment tables: policies, judged interactions, recognitions, booked sessions.

The rules that must hold under concurrency live in the schema: one interaction row per
(conversation, agent), so late or duplicate deliveries never count twice; one recognition per
agent per day; one session row per coaching assignment.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class SentimentPolicy(Base):
    """A sentiment policy for one queue id (``*`` is the default policy)."""

    __tablename__ = "sentiment_policies"

    id: Mapped[str] = id_column()
    queue_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SentimentInteraction(Base):
    """One finished interaction of one agent, its sentiment and the decision it got."""

    __tablename__ = "sentiment_interactions"
    __table_args__ = (
        UniqueConstraint("conversation_id", "agent_id"),
        Index("ix_sentiment_interactions_agent_ended", "agent_id", "ended_at"),
    )

    id: Mapped[str] = id_column()
    conversation_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str] = mapped_column(String(128))
    queue_id: Mapped[str] = mapped_column(String(128), default="")
    ended_at: Mapped[datetime] = mapped_column()
    customer_score: Mapped[float | None] = mapped_column(Float, default=None)
    agent_score: Mapped[float | None] = mapped_column(Float, default=None)
    customer_phrases: Mapped[int] = mapped_column(Integer, default=0)
    agent_phrases: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    decision: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    consecutive: Mapped[int] = mapped_column(Integer, default=0)
    pattern_key: Mapped[str] = mapped_column(Text, default="")
    assignment_id: Mapped[str] = mapped_column(String(36), default="")
    recognition_id: Mapped[str] = mapped_column(String(36), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Recognition(Base):
    """Kudos for a highly positive interaction: at most one per agent per day."""

    __tablename__ = "sentiment_recognitions"
    __table_args__ = (UniqueConstraint("agent_id", "day"),)

    id: Mapped[str] = id_column()
    agent_id: Mapped[str] = mapped_column(String(128))
    day: Mapped[date] = mapped_column(Date)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    customer_score: Mapped[float] = mapped_column(Float)
    delivery_state: Mapped[str] = mapped_column(String(20), default="local")
    delivery_error: Mapped[str | None] = mapped_column(Text, default=None)
    email_state: Mapped[str] = mapped_column(String(20), default="none")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SentimentSession(Base):
    """The appointment plan of one sentiment coaching assignment and where it was booked."""

    __tablename__ = "sentiment_sessions"

    id: Mapped[str] = id_column()
    assignment_id: Mapped[str] = mapped_column(String(36), unique=True)
    agent_id: Mapped[str] = mapped_column(String(128), index=True)
    queue_id: Mapped[str] = mapped_column(String(128), default="")
    facilitator_id: Mapped[str] = mapped_column(String(128), default="")
    conversation_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    length_minutes: Mapped[int] = mapped_column(Integer, default=30)
    appointment_id: Mapped[str] = mapped_column(String(128), default="")
    appointment_start: Mapped[datetime | None] = mapped_column(default=None)
    slot_source: Mapped[str] = mapped_column(String(40), default="")
    slot_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
