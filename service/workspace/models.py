"""Coaching session tables: sessions, interactions marked for coaching, best-response examples,
and the history of coaches' edits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, id_column, utcnow
from service.workspace.rules import OPEN

# The open statuses as SQL constants: the partial index below and the team overview's filter
# (``service.team_overview``) must say the same, or PostgreSQL cannot use the index.
OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in sorted(OPEN)) + ")"


class CoachingSession(Base):
    """One agent's coaching session (a group creates one per agent, ``group_id`` shared)."""

    __tablename__ = "coaching_sessions"
    __table_args__ = (
        Index("ix_coaching_sessions_agent_assigned", "agent_id", "assigned_on"),
        Index("ix_coaching_sessions_agent_status", "agent_id", "status"),
        # The team page counts open sessions and overdue follow-ups per agent: an index-only
        # scan of the open ones (workspace_0002).
        Index(
            "ix_coaching_sessions_open",
            "agent_id",
            "follow_up_on",
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
    )

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    agent_id: Mapped[str] = mapped_column(String(128))
    coach_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    areas: Mapped[list[Any]] = mapped_column(JSON, default=list)
    assigned_on: Mapped[date] = mapped_column(Date)
    follow_up_on: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(32), default="assigned")
    feedback: Mapped[str] = mapped_column(Text, default="")
    action_plan: Mapped[str] = mapped_column(Text, default="")
    # The automated coaching assignment this session projects (None: created by a person).
    assignment_id: Mapped[str | None] = mapped_column(String(36), unique=True, default=None)
    group_id: Mapped[str] = mapped_column(String(36), default="")  # never shown to the agent
    created_by: Mapped[str] = mapped_column(String(128), default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    interactions: Mapped[list[SessionInteraction]] = relationship(
        cascade="all, delete-orphan", order_by="SessionInteraction.created_at"
    )
    examples: Mapped[list[BestResponseExample]] = relationship(
        cascade="all, delete-orphan", order_by="BestResponseExample.created_at"
    )
    edits: Mapped[list[SessionEdit]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class SessionInteraction(Base):
    """An interaction marked for coaching, with its three scores (percent; None when unknown)."""

    __tablename__ = "coaching_session_interactions"

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    evaluation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    interaction_on: Mapped[date | None] = mapped_column(Date, default=None)
    area: Mapped[str] = mapped_column(String(200), default="")
    queue_name: Mapped[str] = mapped_column(String(200), default="")
    auto_score: Mapped[float | None] = mapped_column(Float, default=None)
    audit_score: Mapped[float | None] = mapped_column(Float, default=None)
    sentiment_score: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BestResponseExample(Base):
    """A reference answer for the agent: another interaction's best answer to a question."""

    __tablename__ = "coaching_session_examples"

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    question_id: Mapped[str] = mapped_column(String(128), default="")
    question: Mapped[str] = mapped_column(String(500), default="")
    quote: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionEdit(Base):
    """One change a coach made to a session: who, when, which field (issue 14's audit trail).

    It never copies the session's text: feedback and action plan are recorded by their length
    in characters only, so the history holds no personal content the session does not; status
    and follow-up date keep both values; a marked interaction or an added example keeps the id
    of its row. Deleted with its session (retention and erasure reach it through the cascade).
    """

    __tablename__ = "coaching_session_edits"
    __table_args__ = (
        Index("ix_coaching_session_edits_session", "session_id", "changed_at"),
        # The export change cursor reads in (changed_at, id) order (service/exports).
        Index("ix_coaching_session_edits_changed", "changed_at", "id"),
    )

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(ForeignKey("coaching_sessions.id", ondelete="CASCADE"))
    changed_by: Mapped[str] = mapped_column(String(128))  # Genesys user id of the coach
    # feedback, action_plan, status, follow_up_on, interaction or example (rules.EDIT_FIELDS)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str] = mapped_column(String(64), default="")
    new_value: Mapped[str] = mapped_column(String(64), default="")
    old_length: Mapped[int | None] = mapped_column(Integer, default=None)
    new_length: Mapped[int | None] = mapped_column(Integer, default=None)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
