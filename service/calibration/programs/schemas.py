"""Program spec (the YAML and REST body), listings and the calibrators report."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from service.api import Input, Output
from service.calibration.schemas import AI_PREFIX, ID, QuestionIn, SelectionIn

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class RotationIn(Input):
    periodsPerCalibrator: int = Field(default=1, ge=1, le=52)
    onDrift: Literal["keep", "skip", "rotate_out"] = "skip"


class ProgramSpec(Input):
    """One program. ``kind: calibrators`` is a calibration of calibrators (quarterly default)."""

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["standard", "calibrators"] = "standard"
    formId: str = ID
    team: str = Field(default="", max_length=128)
    cadence: Literal["weekly", "biweekly", "monthly", "quarterly"] | None = None
    weekday: int = Field(default=0, ge=0, le=6)
    day: int = Field(default=1, ge=1, le=31)
    time: str = "09:00"
    timezone: str = "UTC"
    startDate: date | None = None
    panel: list[str] = Field(default_factory=list, max_length=100)
    aiEvaluatorIds: list[str] = Field(default_factory=list, max_length=10)
    calibrators: list[str] = Field(min_length=1, max_length=50)
    rotation: RotationIn = Field(default_factory=RotationIn)
    interactions: int = Field(default=5, ge=1, le=100)
    selection: SelectionIn = Field(default_factory=lambda: SelectionIn(source="database"))
    lookbackDays: int = Field(default=92, ge=1, le=366)
    deadlineDays: float = Field(default=7.0, gt=0, le=60, allow_inf_nan=False)
    mirrorToGenesys: bool = False
    questions: list[QuestionIn] = Field(default_factory=list, max_length=500)
    active: bool = True

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not TIME.match(value):
            raise ValueError("time is HH:MM (24-hour, the program's time zone)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name)") from None
        return value

    @field_validator("panel", "calibrators")
    @classmethod
    def _people(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item or len(item) > 128 or item.startswith(AI_PREFIX):
                raise ValueError("people are Genesys user ids (not 'ai:...')")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _defaults(self) -> ProgramSpec:
        if self.cadence is None:
            self.cadence = "quarterly" if self.kind == "calibrators" else "monthly"
        if self.kind == "calibrators" and not self.panel:
            raise ValueError("a calibration of calibrators needs a leadership panel")
        return self

    def export(self) -> dict[str, Any]:
        """The spec as plain data (YAML and JSON), dates as ISO strings."""
        return self.model_dump(mode="json")


class ProgramsIn(Input):
    programs: list[ProgramSpec] = Field(min_length=1, max_length=200)


class RunOut(Output):
    periodKey: str
    scheduledFor: str
    sessionId: str | None
    calibratorId: str
    rotationReason: str
    notified: list[str]


class ProgramOut(Output):
    id: str
    name: str
    kind: str
    formId: str
    active: bool
    spec: dict[str, Any]
    nextPeriod: str | None
    nextAt: str | None
    runs: list[RunOut]


class ProgramList(Output):
    programs: list[ProgramOut]


class TickOut(Output):
    created: list[dict[str, Any]]
    skipped: list[dict[str, Any]]


class CalibratorsReportOut(Output):
    sessionId: str
    status: str
    gap: float
    calibrators: list[dict[str, Any]]
    flagged: list[str]
    note: str
