"""Request and response bodies of the coaching data actions (SPEC section 4).

These models are the service side of each contract; ``data_actions/<slug>.json`` is the Genesys
side, and a test holds the two equal. Outputs are flat and never null: every key is always
present, strings default to "" and numbers to 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from service.api import Input, Output

Id = str  # Genesys ids are UUIDs, but other QM systems send their own; length-bounded below.
ID_FIELD = Field(min_length=1, max_length=128)
OPT_ID = Field(default="", max_length=128)
TEXT = Field(default="", max_length=512)

AssignDecision = Literal[
    "assigned", "duplicate", "rate_limited", "agent_inactive", "skipped", "queued"
]
TriageDecision = Literal[
    "assigned", "duplicate", "rate_limited", "agent_inactive", "skipped", "queued"
]


class NormalizeScoreIn(Input):
    evaluationId: Id = ID_FIELD
    status: str = Field(min_length=1, max_length=32)
    score: float = Field(ge=0, allow_inf_nan=False)
    totalPoints: float = Field(ge=0, allow_inf_nan=False)
    formId: Id = OPT_ID
    threshold: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)

    @model_validator(mode="after")
    def _score_within_total(self) -> NormalizeScoreIn:
        if self.totalPoints > 0 and self.score > self.totalPoints:
            raise ValueError("score cannot exceed totalPoints")
        return self


class NormalizeScoreOut(Output):
    evaluationId: str
    percentage: float
    eligible: bool
    belowThreshold: bool
    threshold: float
    decision: Literal["coach", "skip"]
    reason: str


class WeakestSectionIn(Input):
    conversationId: Id = ID_FIELD
    evaluationId: Id = ID_FIELD
    evaluation: dict[str, Any] | None = Field(
        default=None, description="An inline Genesys evaluation; when present nothing is fetched."
    )


class WeakestSectionOut(Output):
    found: bool
    sectionId: str
    sectionName: str
    sectionPercentage: float
    coachingModuleId: str
    reason: str


class CheckDuplicateIn(Input):
    agentId: Id = ID_FIELD
    sectionId: Id = ID_FIELD
    evaluationId: Id = OPT_ID


class CheckDuplicateOut(Output):
    duplicate: bool
    reason: str
    existingAssignmentId: str


class AssignCoachingIn(Input):
    agentId: Id = ID_FIELD
    evaluationId: Id = ID_FIELD
    sectionId: Id = ID_FIELD
    conversationId: Id = OPT_ID
    sectionName: str = TEXT
    percentage: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    evaluationDate: str = Field(default="", max_length=64, description="ISO 8601 date or datetime")


class AssignCoachingOut(Output):
    decision: AssignDecision
    assignmentId: str
    dueDate: str
    target: str
    reason: str


class TriageEvaluationIn(Input):
    evaluationId: Id = ID_FIELD
    conversationId: Id = ID_FIELD
    status: str = Field(default="", max_length=32)


class TriageEvaluationOut(Output):
    decision: TriageDecision
    percentage: float
    sectionId: str
    sectionName: str
    assignmentId: str
    dueDate: str
    reason: str
