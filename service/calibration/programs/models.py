"""Program tables: the program (its YAML spec as JSON) and one run per scheduled period.

The run table is the rotation history too: each run records the calibrator chosen and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, id_column, utcnow


class CalibrationProgram(Base):
    """A recurring calibration of one form (or team): the validated ``ProgramSpec`` as JSON."""

    __tablename__ = "calibration_programs"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="standard")
    form_id: Mapped[str] = mapped_column(String(128), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalibrationProgramRun(Base):
    """One period of a program: created once (unique program and period), with its calibrator."""

    __tablename__ = "calibration_program_runs"
    __table_args__ = (UniqueConstraint("program_id", "period_key"),)

    id: Mapped[str] = id_column()
    program_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_programs.id", ondelete="CASCADE"), index=True
    )
    period_key: Mapped[str] = mapped_column(String(32))
    scheduled_for: Mapped[datetime] = mapped_column()
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="SET NULL"), default=None
    )
    calibrator_id: Mapped[str] = mapped_column(String(128), default="")
    rotation_reason: Mapped[str] = mapped_column(String(40), default="")
    notified: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
