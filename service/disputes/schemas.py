"""Request and response bodies of the reviews API (``/api/v1/reviews``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from service.api import Input, Output

ID = Field(min_length=1, max_length=128)
Tab = Literal["pending", "disputes", "resolved"]


class ReviewQuery(Input):
    """``GET /api/v1/reviews``: one tab; staff may name an agent."""

    tab: Tab = "pending"
    agentId: str = Field(default="", max_length=128)


class OpenReviewIn(Input):
    """Open the review of a released Genesys evaluation (fetched from Genesys)."""

    conversationId: str = ID
    evaluationId: str = ID


class DisputedQuestionIn(Input):
    """One question the agent disputes, and why."""

    questionId: str = ID
    reason: str = Field(min_length=1, max_length=2000)


class DisputeIn(Input):
    """One dispute round: one or more questions, each at most once."""

    questions: list[DisputedQuestionIn] = Field(min_length=1, max_length=200)


class AnswerItemIn(Input):
    """The supervisor's answer to one disputed question: uphold, or change to another option."""

    questionId: str = ID
    decision: Literal["uphold", "change"]
    answerId: str = Field(default="", max_length=128)
    comment: str = Field(min_length=1, max_length=2000)


class AnswerIn(Input):
    """Answers to some or all of the open round's disputed questions."""

    answers: list[AnswerItemIn] = Field(min_length=1, max_length=200)


class OptionOut(Output):
    id: str
    text: str
    value: float


class QuestionOut(Output):
    """A question of the form with the evaluation's current answer."""

    questionGroupId: str
    groupName: str
    questionId: str
    text: str
    answerId: str
    answerText: str
    score: float
    markedNA: bool
    options: list[OptionOut]


class DisputeItemOut(Output):
    questionId: str
    reason: str
    answerId: str
    decision: Literal["", "upheld", "changed"]
    newAnswerId: str
    comment: str
    decidedBy: str
    decidedAt: datetime | None


class RoundOut(Output):
    number: int
    openedBy: str
    openedAt: datetime
    answeredBy: str
    answeredAt: datetime | None
    items: list[DisputeItemOut]


class ReviewRow(Output):
    """One row of a review tab or of the supervisor's dispute queue (the seed's columns)."""

    evaluationId: str
    conversationId: str
    agentId: str
    supervisorId: str
    date: datetime | None = Field(description="When the evaluated interaction happened.")
    releasedAt: datetime
    finishedAt: datetime | None
    queueId: str
    queueName: str
    formName: str
    supervisorAuditScore: float | None = Field(description="The evaluation's total score, %.")
    reviewStatus: str = Field(description="Pending Agent Review, ..., Resolved or Closed.")
    status: Literal["pending_agent_review", "pending_supervisor_review", "resolved", "closed"]
    disputeRounds: int = Field(description="Dispute rounds the supervisor has answered.")
    outcome: str
    source: Literal["qmloop", "genesys"]


class ReviewOut(ReviewRow):
    """One review with its questions, rounds and what the caller may do next."""

    originalScore: float | None
    maxRounds: int
    disputeDeadline: datetime
    genesysVersion: int
    writebackState: str
    questions: list[QuestionOut]
    rounds: list[RoundOut]
    canAccept: bool
    canDispute: bool
    canAnswer: bool


class ReviewList(Output):
    tab: str
    reviews: list[ReviewRow]


class QueueOut(Output):
    reviews: list[ReviewRow]
