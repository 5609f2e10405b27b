"""Bodies of the ``score-transcript`` data action, the event endpoint and the result API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from service.api import Input, Output

ID = Field(min_length=1, max_length=128)
OPT = Field(default="", max_length=128)


class ScoreTranscriptIn(Input):
    """The ``score-transcript`` data action input (equal to data_actions/score-transcript.json)."""

    conversationId: str = ID
    communicationId: str = OPT
    mediaType: str = Field(default="", max_length=32)
    agentId: str = OPT
    queueId: str = OPT
    wrapupCode: str = Field(default="", max_length=256)


class InteractionIn(ScoreTranscriptIn):
    """What ingestion understands: the data action input plus what events may also carry."""

    queueName: str = Field(default="", max_length=256)
    durationSeconds: float | None = Field(default=None, ge=0, le=10 * 86400, allow_inf_nan=False)
    abandoned: bool = False
    conversationEnd: datetime | None = None
    transcriptStatus: str = Field(default="", max_length=32)


class ScoreTranscriptOut(Output):
    jobId: str
    status: Literal["queued", "duplicate", "skipped"]
    reason: str


class ScoringEventIn(InteractionIn):
    """A flat event, or a Genesys notification with the fields under ``eventBody``."""

    conversationId: str = Field(default="", max_length=128)
    eventBody: dict[str, Any] | None = None
    transcript: dict[str, Any] | None = Field(
        default=None, description="An inline transcript (plain or Genesys form); nothing fetched."
    )


class ScoringRequestOut(Output):
    id: str
    conversationId: str
    communicationId: str
    status: str
    reason: str
    scorecardId: str
    scorecardVersion: str
    percentage: float | None
    reviewReasons: list[str]
    model: str
    promptVersion: str
    promptTokens: int
    completionTokens: int
    latencyMs: float
    evaluationId: str
    attempts: int
    result: dict[str, Any] | None


class InvalidateOut(Output):
    invalidated: bool
