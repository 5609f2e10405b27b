"""Request and response bodies of the calibration API and the ``calibration-report`` data action.

Envelopes are camelCase like the rest of the API; statistics blocks are snake_case, the same keys
the ``qmloop calibration agreement`` CLI prints.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from service.api import Input, Output

ID = Field(min_length=1, max_length=128)
AI_PREFIX = "ai:"


class InteractionIn(Input):
    conversationId: str = ID
    agentId: str = Field(default="", max_length=128)
    handleSeconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class CandidateIn(Input):
    """A candidate conversation supplied by the caller (interactions already in our hands)."""

    conversationId: str = ID
    agentId: str = Field(default="", max_length=128)
    handleSeconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    talkSeconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    mediaType: str = Field(default="voice", max_length=32)
    hasRecording: bool = True
    start: datetime | None = None


class SelectionIn(Input):
    source: Literal["genesys", "inline", "database"] = "inline"
    count: int | None = Field(default=None, ge=1, le=100)
    days: int | None = Field(default=None, ge=1, le=90)
    minTalkSeconds: float | None = Field(default=None, ge=0)
    minAgents: int | None = Field(default=None, ge=1, le=50)
    seed: int | None = Field(default=None, ge=0, le=2**62)
    candidates: list[CandidateIn] = Field(default_factory=list, max_length=5000)
    maxPages: int = Field(default=20, ge=1, le=200)


class CandidatePoolIn(Input):
    candidates: list[CandidateIn] = Field(min_length=1, max_length=5000)


class CandidatePoolOut(Output):
    added: int
    updated: int
    total: int


class QuestionIn(Input):
    id: str = ID
    name: str = Field(default="", max_length=300)


class SessionCreateIn(Input):
    name: str = Field(min_length=1, max_length=200)
    formId: str = ID
    expertId: str = ID
    calibratorId: str = Field(default="", max_length=128)
    evaluatorIds: list[str] = Field(default_factory=list, max_length=100)
    aiEvaluatorIds: list[str] = Field(default_factory=list, max_length=10)
    deadline: datetime
    interactions: list[InteractionIn] = Field(default_factory=list, max_length=100)
    selection: SelectionIn | None = None
    questions: list[QuestionIn] = Field(default_factory=list, max_length=500)
    mirrorToGenesys: bool = False

    @field_validator("aiEvaluatorIds")
    @classmethod
    def _ai_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.startswith(AI_PREFIX) or len(item) <= len(AI_PREFIX) or len(item) > 128:
                raise ValueError("AI evaluator ids look like 'ai:<model>'")
        return value

    @field_validator("evaluatorIds")
    @classmethod
    def _human_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item or len(item) > 128 or item.startswith(AI_PREFIX):
                raise ValueError("human evaluator ids are Genesys user ids (not 'ai:...')")
        return value

    @model_validator(mode="after")
    def _interactions_or_selection(self) -> SessionCreateIn:
        if self.interactions and self.selection:
            raise ValueError("give interactions or selection, not both")
        return self


class AnswerIn(Input):
    questionId: str = ID
    answerId: str = ID
    score: float | None = Field(default=None, allow_inf_nan=False)
    maxScore: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class ScoreIn(Input):
    conversationId: str = ID
    evaluatorId: str = Field(default="", max_length=128)
    totalScore: float = Field(ge=0, le=100, allow_inf_nan=False)
    answers: list[AnswerIn] = Field(default_factory=list, max_length=500)


class ScoreOut(Output):
    conversationId: str
    evaluatorId: str
    totalScore: float
    answers: list[dict[str, Any]]
    source: str
    submittedAt: datetime


class PanelistOut(Output):
    evaluatorId: str
    kind: str
    isExpert: bool
    submitted: int
    expected: int


class InteractionOut(Output):
    conversationId: str
    agentId: str
    handleSeconds: float
    genesysCalibrationId: str


class SessionOut(Output):
    id: str
    name: str
    formId: str
    expertId: str
    calibratorId: str
    deadline: datetime
    status: str
    revealed: bool
    submitted: int
    expected: int
    interactions: list[InteractionOut]
    panel: list[PanelistOut]
    questions: list[dict[str, Any]]
    selection: dict[str, Any]
    mirrorToGenesys: bool
    createdAt: datetime


class SessionList(Output):
    sessions: list[SessionOut]


class ScoresOut(Output):
    status: str
    revealed: bool
    scores: list[ScoreOut]
    hidden: int = Field(description="Scores submitted by others and not visible yet.")


class ReportOut(Output):
    sessionId: str
    status: str
    revealed: bool
    submitted: int
    expected: int
    statistics: dict[str, Any] | None


class CollectOut(Output):
    sessionId: str
    collected: int
    pending: int
    skipped: int


class RubricNoteIn(Input):
    formId: str = ID
    questionId: str = ID
    text: str = Field(min_length=1, max_length=10000)
    sessionId: str | None = Field(default=None, max_length=128)


class RubricNoteOut(Output):
    id: str
    formId: str
    questionId: str
    version: int
    text: str
    sessionId: str | None
    author: str
    createdAt: datetime


class RubricNoteQuery(Input):
    formId: str = ID
    questionId: str | None = Field(default=None, max_length=128)


class RubricNoteList(Output):
    notes: list[RubricNoteOut]


class PeriodQuery(Input):
    formId: str | None = Field(default=None, max_length=128)
    questionId: str | None = Field(default=None, max_length=128)
    since: datetime | None = None
    until: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PeriodQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("'since' is after 'until'")
        return self


class ReportBody(Output):
    """A cross-session report: which sessions went in, and the rows."""

    sessions: int
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = Field(default_factory=dict)


class CandidatesOut(Output):
    picks: list[dict[str, Any]]
    seed: int
    poolSize: int
    agents: int
    agentSpreadMet: bool
    agentsAvailable: int


class CalibrationReportIn(Input):
    calibrationId: str = ID


class CalibrationReportOut(Output):
    calibrationId: str
    status: Literal["revealed", "incomplete", "empty", "not_found"]
    evaluatorCount: int
    mean: float
    stdDev: float
    range: float
    tier: str
    varianceFlag: bool
    expertScore: float
    maxDeviation: float
    worstCriterion: str
    submitted: int
    expected: int


class PanelistAddIn(Input):
    """A person (Genesys user id) or the AI scorer (``ai:<model>``) to add to the panel."""

    evaluatorId: str = ID


class DeadlineIn(Input):
    deadline: datetime


class AuditEntryOut(Output):
    actor: str
    action: str
    at: datetime
    detail: dict[str, Any]


class AuditOut(Output):
    sessionId: str
    entries: list[AuditEntryOut]
