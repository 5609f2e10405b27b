"""Coaching tables: policies, assignments, per-agent lock rows, archive tasks, processed events.

The rules that must hold under concurrency live in the schema: one assignment per evaluation
version, at most one open assignment per (agent, section), one archive task per evaluation, one
row per processed event version.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow

OPEN = "open"
STATUSES = ("open", "completed", "cancelled")
DELIVERY_STATES = ("pending", "delivered", "failed", "local")


class CoachingPolicy(Base):
    """A coaching policy for one evaluation form id (``*`` is the default policy)."""

    __tablename__ = "coaching_policies"

    id: Mapped[str] = id_column()
    form_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CoachingAgent(Base):
    """One row per agent, locked while an assignment is decided so the weekly cap holds."""

    __tablename__ = "coaching_agents"

    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    assignments_total: Mapped[int] = mapped_column(Integer, default=0)
    last_assigned_at: Mapped[datetime | None] = mapped_column(default=None)


class CoachingAssignment(Base):
    """One coaching assignment for one evaluation, delivered to one target."""

    __tablename__ = "coaching_assignments"
    __table_args__ = (
        Index(
            "uq_coaching_assignments_open_agent_section",
            "agent_id",
            "section_key",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_coaching_assignments_agent_created", "agent_id", "created_at"),
        UniqueConstraint("evaluation_id", "evaluation_version"),
    )

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128))
    # The Genesys evaluation ``version`` (0 when the caller did not say): a re-scored version is
    # coached on its own, and the assignment of the version it replaced is withdrawn.
    evaluation_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    agent_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str] = mapped_column(String(128), default="", index=True)
    form_id: Mapped[str] = mapped_column(String(128), default="")
    section_id: Mapped[str] = mapped_column(String(128))
    section_name: Mapped[str] = mapped_column(String(512), default="")
    section_key: Mapped[str] = mapped_column(String(512))
    percentage: Mapped[float | None] = mapped_column(Float, default=None)
    module_id: Mapped[str] = mapped_column(String(128), default="")
    evaluation_date: Mapped[date | None] = mapped_column(Date, default=None)
    due_date: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(40), default="data_action")
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    target: Mapped[str] = mapped_column(String(40), default="local")
    target_reason: Mapped[str] = mapped_column(String(200), default="")
    target_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivery_state: Mapped[str] = mapped_column(String(20), default="pending")
    external_id: Mapped[str] = mapped_column(String(256), default="")
    delivery_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when the agent starts working on it (the workspace's "In progress").
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # Why it was closed by the system, e.g. ``evaluation_retracted`` ("" when closed by a person).
    close_reason: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Set for the supervisor when the evaluation behind a started assignment was withdrawn.
    review_flag: Mapped[str] = mapped_column(String(40), default="", server_default="")
    flagged_at: Mapped[datetime | None] = mapped_column(default=None)


class ArchiveTask(Base):
    """A manager's task to archive the coaching record of an inactive or deleted agent."""

    __tablename__ = "coaching_archive_tasks"

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128), unique=True)
    agent_id: Mapped[str] = mapped_column(String(128), index=True)
    agent_state: Mapped[str] = mapped_column(String(40))
    manager_id: Mapped[str] = mapped_column(String(128), default="")
    section_id: Mapped[str] = mapped_column(String(128), default="")
    section_name: Mapped[str] = mapped_column(String(512), default="")
    target: Mapped[str] = mapped_column(String(40), default="local")
    delivery_state: Mapped[str] = mapped_column(String(20), default="local")
    external_id: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedEvent(Base):
    """A ``v2.quality.evaluations`` event already taken in, by evaluation id and version."""

    __tablename__ = "coaching_processed_events"
    __table_args__ = (UniqueConstraint("evaluation_id", "version"),)

    id: Mapped[str] = id_column()
    evaluation_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32), default="")
    job_id: Mapped[str] = mapped_column(String(36), default="")
    outcome: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
