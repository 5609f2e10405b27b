"""Insight tables: per-section scores and per-question answers of finished evaluations (taken
from the coaching triage path), and the trust alerts shown on ``/app/console/trust``.

One row per (evaluation, section) and per (evaluation, question): a re-scored version replaces
the rows of the version before it. At most one open alert per (form, question, kind, language):
``open_key`` is unique and set to NULL when the alert resolves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class SectionScore(Base):
    """One section's score (a percentage of its points) in one finished evaluation."""

    __tablename__ = "insights_section_scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "section_id"),
        Index("ix_insights_section_scores_key_at", "section_key", "evaluated_at"),
    )

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128))
    evaluation_version: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[str] = mapped_column(String(128), index=True)
    conversation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    form_id: Mapped[str] = mapped_column(String(128), default="")
    section_id: Mapped[str] = mapped_column(String(128))
    section_name: Mapped[str] = mapped_column(String(512), default="")
    # ``service.coaching.rules.section_key``: the same key coaching assignments carry.
    section_key: Mapped[str] = mapped_column(String(512))
    percentage: Mapped[float] = mapped_column(Float)
    evaluated_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationAnswer(Base):
    """One question's chosen answer in one finished (human or written-back) evaluation."""

    __tablename__ = "insights_evaluation_answers"
    __table_args__ = (UniqueConstraint("evaluation_id", "question_id"),)

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    form_id: Mapped[str] = mapped_column(String(128), default="")
    evaluator_id: Mapped[str] = mapped_column(String(128), default="")
    question_id: Mapped[str] = mapped_column(String(128))
    answer_id: Mapped[str] = mapped_column(String(128), default="")
    evaluated_at: Mapped[datetime] = mapped_column()


class TrustAlert(Base):
    """A question below the agreement floor or above the overturn ceiling, for its form's owners."""

    __tablename__ = "insights_alerts"

    id: Mapped[str] = id_column()
    open_key: Mapped[str | None] = mapped_column(String(800), unique=True, default=None)
    form_id: Mapped[str] = mapped_column(String(128), index=True)
    question_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(35), default="")
    # ``kappa`` (agreement below the floor) or ``overturn`` (overturn rate above the ceiling)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=0)
    owners: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
