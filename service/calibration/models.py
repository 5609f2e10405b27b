"""Calibration tables: sessions, their interactions and panel, blind scores, rubric notes.

Calibration scores live only here: no other domain reads these tables, so a calibration
evaluation never counts toward an agent's results.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.calibration.programs.models import CalibrationProgram, CalibrationProgramRun
from service.db import Base, id_column, utcnow

__all__ = [
    "CalibrationAudit",
    "CalibrationCandidate",
    "CalibrationInteraction",
    "CalibrationPanelist",
    "CalibrationProgram",
    "CalibrationProgramRun",
    "CalibrationScore",
    "CalibrationSession",
    "RubricNote",
]


class CalibrationSession(Base):
    """A panel scoring the same interactions on one form, blind until all submit or the deadline."""

    __tablename__ = "calibration_sessions"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200))
    form_id: Mapped[str] = mapped_column(String(128), index=True)
    expert_id: Mapped[str] = mapped_column(String(128), index=True)
    calibrator_id: Mapped[str] = mapped_column(String(128))
    deadline: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    mirror_to_genesys: Mapped[bool] = mapped_column(default=False)
    selection_seed: Mapped[int | None] = mapped_column(BigInteger, default=None)
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interactions: Mapped[list[CalibrationInteraction]] = relationship(
        back_populates="session", order_by="CalibrationInteraction.position"
    )
    panel: Mapped[list[CalibrationPanelist]] = relationship(
        back_populates="session", order_by="CalibrationPanelist.evaluator_id"
    )


class CalibrationInteraction(Base):
    """One conversation of a session (and its Genesys calibration when mirrored)."""

    __tablename__ = "calibration_interactions"
    __table_args__ = (UniqueConstraint("session_id", "conversation_id"),)

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    agent_id: Mapped[str] = mapped_column(String(128), default="")
    handle_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    genesys_calibration_id: Mapped[str] = mapped_column(String(128), default="", index=True)

    session: Mapped[CalibrationSession] = relationship(back_populates="interactions")


class CalibrationPanelist(Base):
    """A panelist: a person (Genesys user id) or the AI scorer (``ai:<model>``)."""

    __tablename__ = "calibration_panelists"
    __table_args__ = (UniqueConstraint("session_id", "evaluator_id"),)

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="human")

    session: Mapped[CalibrationSession] = relationship(back_populates="panel")


class CalibrationScore(Base):
    """One panelist's evaluation of one interaction: a total percentage and per-question answers."""

    __tablename__ = "calibration_scores"
    __table_args__ = (UniqueConstraint("interaction_id", "evaluator_id"),)

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True
    )
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_interactions.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[str] = mapped_column(String(128), index=True)
    total: Mapped[float] = mapped_column(Float)
    answers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="api")
    external_id: Mapped[str] = mapped_column(String(128), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RubricNote(Base):
    """An agreed interpretation of one criterion, versioned per form and question."""

    __tablename__ = "calibration_rubric_notes"
    __table_args__ = (UniqueConstraint("form_id", "question_id", "version"),)

    id: Mapped[str] = id_column()
    form_id: Mapped[str] = mapped_column(String(128), index=True)
    question_id: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="SET NULL"), default=None
    )
    author: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationCandidate(Base):
    """An interaction already known here that a session may draw (imported or recorded locally)."""

    __tablename__ = "calibration_candidates"

    id: Mapped[str] = id_column()
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    agent_id: Mapped[str] = mapped_column(String(128), default="")
    handle_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    media_type: Mapped[str] = mapped_column(String(32), default="voice")
    has_recording: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalibrationAudit(Base):
    """One change to a session before its reveal: who, when, what (kept after the session goes)."""

    __tablename__ = "calibration_audit"

    id: Mapped[str] = id_column()
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
