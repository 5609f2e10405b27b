"""Bodies of the ``evaluate-sentiment`` data action, sentiment policies and reports.

``EvaluateSentimentOut`` is flat and never null: every key is always present, strings default
to "" and ``consecutive`` to 0 (SPEC section 8).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.api import Input, Output

Decision = Literal["coach", "kudos", "watch", "none", "capped", "queued", "skipped"]
Score = Field(default=None, ge=-1, le=1, allow_inf_nan=False)


class EvaluateSentimentIn(Input):
    conversationId: str = Field(min_length=1, max_length=128)
    agentId: str = Field(min_length=1, max_length=128)
    customerScore: float | None = Score
    agentScore: float | None = Score
    queueId: str = Field(default="", max_length=128)
    endedAt: datetime | None = Field(
        default=None, description="ISO 8601; when absent, the time of the first delivery."
    )

    @field_validator("endedAt", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("endedAt")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class EvaluateSentimentOut(Output):
    decision: Decision
    reason: str
    consecutive: int
    assignmentId: str
    appointmentStart: str
    recognitionId: str


class SentimentPolicyDoc(BaseModel):
    """One sentiment policy; ``queue_id`` ``*`` is the default. Unset fields inherit."""

    model_config = ConfigDict(extra="forbid")

    queue_id: str = Field(default="*", min_length=1, max_length=128)
    name: str = Field(default="", max_length=200)
    enabled: bool | None = None  # false: interactions of this queue are skipped (excluded)
    customer_below: float | None = Field(default=None, ge=-1, le=1)
    agent_below: float | None = Field(default=None, ge=-1, le=1)
    kudos_above: float | None = Field(default=None, ge=-1, le=1)
    run_length: int | None = Field(default=None, ge=1, le=50)
    window_days: int | None = Field(default=None, ge=1, le=90)
    weekly_cap: int | None = Field(default=None, ge=0, le=50)
    min_phrases: int | None = Field(default=None, ge=1, le=1000)
    appointment_minutes: int | None = Field(default=None, ge=15, le=60, multiple_of=15)
    horizon_business_days: int | None = Field(default=None, ge=1, le=30)
    service_level_target: float | None = Field(default=None, ge=0, le=1)
    fallback_target: (
        Literal["local", "genesys_learning", "genesys_workitem", "lms_webhook"] | None
    ) = None
    coach_pool: list[str] | None = None
    calendar_unreachable: Literal["retry", "book_flagged"] | None = None


class SentimentPolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policies: list[SentimentPolicyDoc]


class BalanceRow(Output):
    agentId: str
    recognitions: int
    correctiveSessions: int
    ratio: float = Field(description="recognitions / max(1, corrective sessions)")


class BalanceReport(Output):
    days: int
    agents: list[BalanceRow]


class RecognitionOut(Output):
    id: str
    agentId: str
    day: str
    conversationId: str
    customerScore: float
    deliveryState: str


class RecognitionList(Output):
    recognitions: list[RecognitionOut]


class BalanceQuery(Input):
    days: int = Field(default=30, ge=1, le=365)
    agentId: str = Field(default="", max_length=128)
