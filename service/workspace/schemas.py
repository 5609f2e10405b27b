"""Inputs of the workspace use cases (HTML forms are validated into these)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from service.api import Input
from service.workspace import rules


class ListQuery(Input):
    """``/app/coaching`` filter and sort."""

    status: str = Field(default="", pattern="^(|open|" + "|".join(rules.STATUS_LABELS) + ")$")
    sort: str = Field(default="assigned", pattern="^(" + "|".join(rules.SORTS) + ")$")
    order: str = Field(default="", pattern="^(|asc|desc)$")


class SessionCreate(Input):
    """A coaching session for one agent or a group (each agent gets their own)."""

    name: str = Field(min_length=1, max_length=200)
    agents: list[str] = Field(min_length=1, max_length=200)
    areas: list[str] = Field(default_factory=list, max_length=20)
    follow_up_on: date | None = None
    feedback: str = Field(default="", max_length=10_000)
    action_plan: str = Field(default="", max_length=10_000)

    @field_validator("areas", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return rules.parse_areas(value) if isinstance(value, str) else value


class PlanUpdate(Input):
    """Feedback, action plan, status and follow-up date, written by the coach (a follow-up
    date left out of the form keeps the session's)."""

    feedback: str = Field(default="", max_length=10_000)
    action_plan: str = Field(default="", max_length=10_000)
    status: str = Field(default="", pattern="^(|" + "|".join(rules.STATUS_LABELS) + ")$")
    follow_up_on: date | None = None


class InteractionMark(Input):
    """An interaction marked for coaching; scores in percent (empty: unknown)."""

    conversation_id: str = Field(default="", max_length=128)
    evaluation_id: str = Field(default="", max_length=128)
    interaction_on: date | None = None
    area: str = Field(default="", max_length=200)
    queue_name: str = Field(default="", max_length=200)
    auto_score: float | None = Field(default=None, ge=0, le=100)
    audit_score: float | None = Field(default=None, ge=0, le=100)
    sentiment_score: float | None = Field(default=None, ge=-100, le=100)


class ExamplePick(Input):
    """A best-response example: the question, the quote, and where it came from."""

    conversation_id: str = Field(default="", max_length=128)
    question_id: str = Field(default="", max_length=128)
    question: str = Field(default="", max_length=500)
    quote: str = Field(min_length=1, max_length=4000)
    note: str = Field(default="", max_length=4000)
