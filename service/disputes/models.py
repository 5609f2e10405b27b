"""Dispute tables: one review per evaluation, its dispute rounds, and each disputed question.

Concurrency rules in the schema: one review per evaluation id, one round per (review, number)
(two simultaneous disputes make one round), one item per (review, round, question).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class Review(Base):
    """The review workflow of one released Genesys evaluation for its agent."""

    __tablename__ = "dispute_reviews"
    __table_args__ = (
        Index("ix_dispute_reviews_agent_status", "agent_id", "status"),
        Index("ix_dispute_reviews_supervisor_status", "supervisor_id", "status"),
        # The export change cursor reads in (changed_at, id) order (service/exports).
        Index("ix_dispute_reviews_changed", "updated_at", "id"),
    )

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    # The agent's manager in Genesys when the review opened ("" when unknown).
    supervisor_id: Mapped[str] = mapped_column(String(128), default="")
    evaluator_id: Mapped[str] = mapped_column(String(128), default="")
    form_id: Mapped[str] = mapped_column(String(128), default="")
    form_name: Mapped[str] = mapped_column(String(512), default="")
    queue_id: Mapped[str] = mapped_column(String(128), default="")
    queue_name: Mapped[str] = mapped_column(String(512), default="")
    interaction_at: Mapped[datetime | None] = mapped_column(default=None)
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(32), default="pending_agent_review")
    # Dispute rounds opened so far (the open one included).
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    # Supervisor audit score: the evaluation's total score (a percentage), now and at release.
    score: Mapped[float | None] = mapped_column(Float, default=None)
    original_score: Mapped[float | None] = mapped_column(Float, default=None)
    genesys_version: Mapped[int] = mapped_column(Integer, default=0)
    # The form's questions with the current answers and options (rules.question_table).
    questions: Mapped[list[Any]] = mapped_column(default=list)
    # Where the latest dispute round was opened: ``qmloop`` (here; also before any dispute) or
    # ``genesys`` (an InReview / disputeCount event; that round is answered in Genesys).
    source: Mapped[str] = mapped_column(String(20), default="qmloop")
    # "", pending, written, failed, not_configured: the last changed round's write-back.
    writeback_state: Mapped[str] = mapped_column(String(20), default="")
    writeback_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class DisputeRound(Base):
    """One dispute round: opened by the agent, answered question by question by a supervisor."""

    __tablename__ = "dispute_rounds"
    __table_args__ = (
        UniqueConstraint("review_id", "number"),
        Index("ix_dispute_rounds_changed", "updated_at", "id"),
    )

    id: Mapped[str] = id_column()
    review_id: Mapped[str] = mapped_column(ForeignKey("dispute_reviews.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(128), default="")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by: Mapped[str] = mapped_column(String(128), default="")
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    writeback_job_id: Mapped[str] = mapped_column(String(36), default="")
    # Every write (opened, answered, write-back queued): the export change cursor's column.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DisputeItem(Base):
    """One disputed question of one round, with the agent's reason and the supervisor's answer."""

    __tablename__ = "dispute_items"
    __table_args__ = (
        UniqueConstraint("review_id", "round_number", "question_id"),
        Index("ix_dispute_items_changed", "updated_at", "id"),
    )

    id: Mapped[str] = id_column()
    review_id: Mapped[str] = mapped_column(ForeignKey("dispute_reviews.id", ondelete="CASCADE"))
    round_number: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(128))
    question_group_id: Mapped[str] = mapped_column(String(128), default="")
    answer_id: Mapped[str] = mapped_column(String(128), default="")
    reason: Mapped[str] = mapped_column(Text)
    # "" until answered, then ``upheld`` or ``changed``.
    decision: Mapped[str] = mapped_column(String(20), default="")
    new_answer_id: Mapped[str] = mapped_column(String(128), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(128), default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    # Every write (disputed, answered): the export change cursor's column.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
