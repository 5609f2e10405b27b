"""Request and response bodies of the coaching data actions (SPEC section 4).

These models are the service side of each contract; ``data_actions/<slug>.json`` is the Genesys
side, and a test holds the two equal. Outputs are flat and never null: every key is always
present, strings default to "" and numbers to 0.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.api import DateText, Input, Output, PlausibleDate
from service.paging import PageLimit

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
    evaluationDate: DateText = Field(
        default="", max_length=64, description="ISO 8601 date or datetime, years 1970-2100"
    )


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


# --- policies ------------------------------------------------------------------------------

Target = Literal[
    "local", "genesys_learning", "genesys_workitem", "genesys_coaching_appointment", "lms_webhook"
]


class _Strict(BaseModel):
    """Policy documents are written by people: an unknown key is a typo, not an extra."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SectionRule(_Strict):
    module_id: str = Field(default="", max_length=128)
    target: Target | None = None


class TargetOptions(_Strict):
    workitem_type_id: str = Field(default="", max_length=128)
    workitem_priority: int | None = Field(default=None, ge=0, le=100)
    appointment_minutes: int = Field(default=30, ge=15, le=60)
    facilitator_id: str = Field(default="", max_length=128)
    add_to_schedule: bool = True


class PolicyDoc(_Strict):
    """One policy: for an evaluation form id, or ``*`` for every form without its own."""

    form_id: str = Field(min_length=1, max_length=128)
    name: str = Field(default="", max_length=200)
    threshold: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    weekly_cap: int | None = Field(default=None, ge=0, le=1000)
    max_open: int | None = Field(default=None, ge=0, le=1000)
    due_business_days: int | None = Field(default=None, ge=0, le=60)
    holidays: list[PlausibleDate] | None = None
    target: Target | None = None
    default_module_id: str | None = Field(default=None, max_length=128)
    sections: dict[str, str | SectionRule] = Field(default_factory=dict)
    target_options: TargetOptions | None = None


class PolicyFile(_Strict):
    """The YAML file ``qmloop policies load`` reads."""

    policies: list[PolicyDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_forms(self) -> PolicyFile:
        seen = [p.form_id for p in self.policies]
        dupes = sorted({f for f in seen if seen.count(f) > 1})
        if dupes:
            raise ValueError(f"form_id appears more than once: {', '.join(dupes)}")
        return self


class PolicyOut(Output):
    id: str
    formId: str
    version: int
    updatedAt: datetime
    policy: dict[str, Any]


class PolicyList(Output):
    policies: list[PolicyOut]


class PolicyPutIn(Input):
    """``PUT /api/v1/policies/<formId>``: the policy document without its form id."""

    policy: dict[str, Any]


# --- assignments and events ----------------------------------------------------------------


class AssignmentOut(Output):
    id: str
    evaluationId: str
    agentId: str
    conversationId: str
    formId: str
    sectionId: str
    sectionName: str
    percentage: float | None
    moduleId: str
    evaluationDate: date | None
    dueDate: date
    trigger: str
    status: str
    target: str
    targetReason: str
    deliveryState: str
    externalId: str
    deliveryError: str | None
    createdAt: datetime
    closedAt: datetime | None
    evaluationVersion: int
    startedAt: datetime | None
    closeReason: str
    reviewFlag: str
    flaggedAt: datetime | None


class AssignmentList(Output):
    assignments: list[AssignmentOut]


class AssignmentQuery(Input):
    agentId: str = Field(default="", max_length=128)
    status: Literal["", "open", "completed", "cancelled"] = ""
    sectionId: str = Field(default="", max_length=128)
    evaluationId: str = Field(default="", max_length=128)
    deliveryState: Literal["", "pending", "delivered", "failed", "local"] = ""
    flagged: bool | None = Field(
        default=None, description="true: only those flagged for the supervisor; false: none of them"
    )
    limit: PageLimit = 100


class AssignmentStatusIn(Input):
    """``started`` marks an open assignment as begun (it stays open); the others close it."""

    status: Literal["started", "completed", "cancelled"]


class EventRef(Input):
    """A reference in an event: ``{"id"}`` (users also carry ``displayName``)."""

    id: str | None = Field(default=None, max_length=128)
    displayName: str | None = Field(default=None, max_length=512)


class EventScoringSet(Input):
    """``scoringSet`` of the topic: integer totals."""

    totalScore: int | None = None
    totalCriticalScore: int | None = None


class EventSource(Input):
    """``evaluationSource`` of the topic."""

    evaluationSourceType: str | None = Field(default=None, max_length=64)
    evaluationSourceId: str | None = Field(default=None, max_length=128)
    evaluationSourceName: str | None = Field(default=None, max_length=512)


OPT_TEXT = Field(default=None, max_length=128)


class EvaluationEventIn(Input):
    """The ``v2.quality.evaluations`` event body, every field of the SDK's topic model
    ``EvaluationQualityV2TopicEvaluationV2`` with its declared type (all but ``id``,
    ``conversationId`` and ``status`` may be absent or null).
    """

    id: Id = ID_FIELD
    conversationId: Id = ID_FIELD
    status: str = Field(min_length=1, max_length=32)
    agent: EventRef | None = None
    evaluator: EventRef | None = None
    eventTime: datetime | None = None
    evaluationFormId: str | None = OPT_TEXT
    formName: str | None = Field(default=None, max_length=512)
    scoringSet: EventScoringSet | None = None
    contextId: str | None = OPT_TEXT
    agentHasRead: bool | None = None
    releaseDate: datetime | None = None
    assignedDate: datetime | None = None
    changedDate: datetime | None = None
    eventType: str | None = Field(default=None, max_length=64)
    resourceId: str | None = OPT_TEXT
    resourceType: str | None = Field(default=None, max_length=64)
    divisionIds: list[str] | None = Field(default=None, max_length=1000)
    rescore: bool | None = None
    conversationDate: datetime | None = None
    mediaType: list[str] | None = Field(default=None, max_length=100)
    calibration: EventRef | None = None
    evaluationSource: EventSource | None = None
    assigneeUserId: str | None = OPT_TEXT
    previousAssigneeUserId: str | None = OPT_TEXT
    assigneeApplicable: bool | None = None
    evaluationContextId: str | None = OPT_TEXT
    disputeCount: int | None = Field(default=None, ge=0)
    version: int | None = Field(default=None, ge=0)
    previousStatus: str | None = Field(default=None, max_length=32)
    declinedReview: bool | None = None
    retractedEvaluation: EventRef | None = None
    rescoreCount: int | None = Field(default=None, ge=0)
    evaluatorCommentHasUpdated: bool | None = None
    agentCommentHasUpdated: bool | None = None
    previousRescoreCount: int | None = Field(default=None, ge=0)
    previousEvaluatorUserId: str | None = OPT_TEXT


class EventOut(Output):
    decision: Literal["queued", "duplicate", "skipped", "withdrawn"]
    reason: str
    evaluationId: str
    jobId: str
