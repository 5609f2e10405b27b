"""Replay request and report shapes (REST, CLI and web page share them)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.replay.rules import check_span

MAX_YAML = 200_000


class ReplayIn(BaseModel):
    """A replay: the period (inclusive UTC days), and optionally a candidate policy file and a
    second one to compare (YAML as ``qmloop policies export`` writes it, optionally with a
    ``sentiment_policies`` list as ``qmloop sentiment policies export`` writes its
    ``policies``). Without ``policyYaml`` the stored policies replay."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    policyYaml: str | None = Field(default=None, max_length=MAX_YAML)
    compareYaml: str | None = Field(default=None, max_length=MAX_YAML)
    policyName: str = Field(default="", max_length=200)
    compareName: str = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _span(self) -> ReplayIn:
        check_span(self.start, self.end)
        return self


class Pair(BaseModel):
    """A metric's values (one per policy) and, for two, the difference (second - first)."""

    values: list[float]
    difference: float | None


class ReplayRow(BaseModel):
    """One ISO week, team (the agent's manager) and agent."""

    week: str
    teamId: str
    team: str
    agentId: str
    agent: str
    values: dict[str, list[float]]
    difference: dict[str, float | None]


class ModuleRow(BaseModel):
    """Assignments of one week and agent on one section, with the module the policy gives."""

    week: str
    teamId: str
    team: str
    agentId: str
    agent: str
    section: str
    module: str
    moduleName: str = ""
    values: list[float]
    difference: float | None


class WeekRow(BaseModel):
    """Every metric of one week, summed over agents."""

    week: str
    values: dict[str, list[float]]


class ReplayReport(BaseModel):
    """What replaying the period under one or two policies would have done."""

    model_config = ConfigDict(populate_by_name=True)

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    policies: list[str]
    metrics: list[str]
    totals: dict[str, Pair]
    weeks: list[WeekRow]
    rows: list[ReplayRow]
    modules: list[ModuleRow]
    source: dict[str, Any]


Format = Literal["table", "json", "csv"]
