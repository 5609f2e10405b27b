"""The result of scoring one transcript, and its JSON form (``qmloop score --format json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Evidence:
    """One quote and whether it was found in the turn it cites."""

    turn: int
    quote: str
    verified: bool
    start: int = -1
    end: int = -1
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The public shape; the matched span is included when verified."""
        out: dict[str, Any] = {"turn": self.turn, "quote": self.quote, "verified": self.verified}
        if self.verified:
            out["span"] = [self.start, self.end]
        elif self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class ItemResult:
    """One scored question."""

    id: str
    section_id: str
    answer: str | None  # option text, "N/A", or None when not scored (needs review)
    answer_id: str | None
    score: float
    max_score: float
    method: str  # "llm" or "phrase"
    verified: bool
    evidence: list[Evidence] = field(default_factory=list)
    rationale: str = ""
    model_answer: str | None = None
    na: bool = False
    excluded: bool = False  # left out of totals (a redacted disclosure, a neutral result)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """The public shape of an item."""
        out: dict[str, Any] = {
            "id": self.id,
            "sectionId": self.section_id,
            "answer": self.answer,
            "answerId": self.answer_id,
            "score": self.score,
            "maxScore": self.max_score,
            "method": self.method,
            "verified": self.verified,
            "evidence": [e.to_json() for e in self.evidence],
            "rationale": self.rationale,
        }
        if self.na or self.excluded:
            out["na"], out["excluded"] = self.na, self.excluded
        if self.model_answer is not None and self.model_answer != self.answer:
            out["modelAnswer"] = self.model_answer
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemResult:
        """Rebuild an item stored with ``to_json``."""
        evidence = []
        for e in data.get("evidence", []):
            start, end = e.get("span") or (-1, -1)
            evidence.append(
                Evidence(e["turn"], e["quote"], e["verified"], start, end, e.get("reason", ""))
            )
        return cls(
            id=data["id"],
            section_id=data["sectionId"],
            answer=data["answer"],
            answer_id=data.get("answerId"),
            score=data["score"],
            max_score=data["maxScore"],
            method=data["method"],
            verified=data["verified"],
            evidence=evidence,
            rationale=data.get("rationale", ""),
            model_answer=data.get("modelAnswer", data["answer"]),
            na=data.get("na", False),
            excluded=data.get("excluded", False),
            note=data.get("note", ""),
        )


@dataclass
class CallLog:
    """One LLM attempt, for the audit trail."""

    attempt: int
    request: dict[str, Any]
    response: dict[str, Any]
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    error: str = ""


@dataclass
class ScoreResult:
    """Everything one scoring produced."""

    scorecard_id: str
    scorecard_version: str
    model: str
    prompt_version: str
    items: list[ItemResult]
    percentage: float | None
    needs_review: bool
    review_reasons: list[str]
    calls: list[CallLog] = field(default_factory=list)
    retryable: bool = False  # the LLM was unavailable: a job should try again later
    skipped: str = ""  # why the interaction is not scored at all (e.g. "no_agent_speech")
    retry_after: float | None = None  # seconds the LLM server asked to wait
    throttled: bool = False  # that wait is longer than we sleep in-process: defer the job

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over every attempt."""
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        """Completion tokens over every attempt."""
        return sum(c.completion_tokens for c in self.calls)

    @property
    def latency_ms(self) -> float:
        """Time spent waiting for the LLM."""
        return sum(c.latency_ms for c in self.calls)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoreResult:
        """Rebuild a stored result (without its call log)."""
        return cls(
            scorecard_id=data["scorecardId"],
            scorecard_version=data["scorecardVersion"],
            model=data["model"],
            prompt_version=data["promptVersion"],
            items=[ItemResult.from_json(i) for i in data["items"]],
            percentage=data["percentage"],
            needs_review=data["needsReview"],
            review_reasons=list(data["reviewReasons"]),
            skipped=str(data.get("skipped") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        """The public shape (documented in docs/scoring.md); ``skipped`` only when skipped."""
        out = {
            "scorecardId": self.scorecard_id,
            "scorecardVersion": self.scorecard_version,
            "model": self.model,
            "promptVersion": self.prompt_version,
            "percentage": self.percentage,
            "needsReview": self.needs_review,
            "reviewReasons": list(self.review_reasons),
            "attempts": len(self.calls),
            "promptTokens": self.prompt_tokens,
            "completionTokens": self.completion_tokens,
            "latencyMs": round(self.latency_ms, 1),
            "items": [i.to_json() for i in self.items],
        }
        return {"skipped": self.skipped, **out} if self.skipped else out
