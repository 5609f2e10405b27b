"""Request and response models of the insights API (``/api/v1/insights/...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from service.api import Input, Output


class WindowQuery(Input):
    """``?from=...&to=...``: coachings completed in ``[from, to)`` (ISO 8601, UTC)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    start: datetime | None = Field(default=None, alias="from")
    end: datetime | None = Field(default=None, alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value  # an empty date field of the page's form

    @model_validator(mode="after")
    def _ordered(self) -> WindowQuery:
        if self.start and self.end and self.start >= self.end:
            raise ValueError("'from' must be before 'to'")
        return self


class NoQuery(Input):
    """No parameters (unknown ones are refused)."""

    model_config = ConfigDict(extra="forbid")


class EffectivenessOut(Output):
    """Per module (module, section, trigger, target) and per coaching: before/after, change,
    difference-in-differences with 95 % intervals, and the verdict."""

    modules: list[dict[str, Any]]
    coachings: list[dict[str, Any]]
    summary: dict[str, Any]


class TrustOut(Output):
    """Per question, per language, per evaluator; the open alerts and the thresholds."""

    questions: list[dict[str, Any]]
    languages: list[dict[str, Any]]
    evaluators: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    summary: dict[str, Any]


class AlertsOut(Output):
    """The open trust alerts, newest first."""

    alerts: list[dict[str, Any]]


class CheckOut(Output):
    """What an alert check did."""

    opened: int
    resolved: int
