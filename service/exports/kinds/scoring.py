"""Export kinds of automated scoring: per scoring and per question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.exports.kinds.common import INT, B, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare
from service.scoring.models import ScoringRequest

# --- automated scoring -------------------------------------------------------------------------

_REQUEST_COLUMNS = (
    (
        "scoring_request_id",
        S,
        "QM Loop id of the automated scoring (one interaction, one scorecard version).",
    ),
    ("conversation_id", S, "Genesys conversation id."),
    ("agent_id", S, "Genesys user id of the scored agent (empty when unknown)."),
    ("evaluation_id", S, "Genesys evaluation written back from this scoring (empty when none)."),
    ("scorecard_id", S, "Scorecard (Genesys form) id."),
    ("scorecard_version", S, "Scorecard version scored against."),
    ("model", S, "LLM model that produced the answers."),
    ("prompt_version", S, "Version of the scoring prompt."),
    ("status", S, "queued, scored, written, needs_review or skipped."),
)


def _scoring_request(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "scoring_request_id": r.id,
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "evaluation_id": r.evaluation_id or "",
        "scorecard_id": r.scorecard_id,
        "scorecard_version": r.scorecard_version,
        "model": r.model,
        "prompt_version": r.prompt_version,
        "status": r.status,
        "percentage": r.percentage,
        "needs_review": r.status == "needs_review",
        "review_reasons": "; ".join(str(x) for x in r.review_reasons or []),
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "latency_ms": r.latency_ms,
        "created_at": r.created_at,
        "changed_at": r.updated_at,
    }


declare(
    ExportKind(
        name="scoring_requests",
        description="One row per automated scoring of one interaction (one scorecard version).",
        model=ScoringRequest,
        occurred=ScoringRequest.created_at,
        changed=ScoringRequest.updated_at,
        columns=_cols(
            *_REQUEST_COLUMNS,
            (
                "percentage",
                N,
                "Overall score in percent (0-100, 2 decimals); null when not scored.",
            ),
            ("needs_review", B, "True when a person must review the result."),
            ("review_reasons", S, "Why it needs review, '; '-separated."),
            ("prompt_tokens", INT, "LLM prompt tokens over every attempt."),
            ("completion_tokens", INT, "LLM completion tokens over every attempt."),
            ("latency_ms", N, "Time spent waiting for the LLM, milliseconds."),
            ("created_at", T, "When the scoring was requested (UTC)."),
            ("changed_at", T, "Last change of the row (UTC); the change cursor's column."),
        ),
        rows=_scoring_request,
        key=("scoring_request_id",),
        filters={
            "agent_id": ScoringRequest.agent_id,
            "status": ScoringRequest.status,
            "scorecard_id": ScoringRequest.scorecard_id,
        },
    )
)


def _item(r: Any, item: dict[str, Any]) -> dict[str, Any]:
    evidence = item.get("evidence") or []
    return {
        "scoring_request_id": r.id,
        "question_id": item.get("id", ""),
        "section_id": item.get("sectionId", ""),
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "evaluation_id": r.evaluation_id or "",
        "scorecard_id": r.scorecard_id,
        "scorecard_version": r.scorecard_version,
        "answer": item.get("answer"),
        "answer_id": item.get("answerId"),
        "points": item.get("score"),
        "max_points": item.get("maxScore"),
        "not_applicable": bool(item.get("na", False)),
        "excluded": bool(item.get("excluded", False)),
        "method": item.get("method", ""),
        "evidence_verified": bool(item.get("verified", False)),
        "evidence_count": len(evidence),
        "model": r.model,
        "prompt_version": r.prompt_version,
        "status": r.status,
        "created_at": r.created_at,
        "changed_at": r.updated_at,
    }


def _scoring_answers(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    for item in (r.result or {}).get("items", []):
        yield _item(r, item)


declare(
    ExportKind(
        name="scoring_answers",
        description="One row per question of an automated scoring: answer, points, evidence.",
        model=ScoringRequest,
        occurred=ScoringRequest.created_at,
        changed=ScoringRequest.updated_at,
        columns=_cols(
            ("scoring_request_id", S, "The automated scoring this answer belongs to."),
            ("question_id", S, "Scorecard question id."),
            ("section_id", S, "Scorecard section (question group) id."),
            *_REQUEST_COLUMNS[1:6],
            (
                "answer",
                S,
                "Chosen option text, 'N/A', or null when the model gave no usable answer.",
            ),
            ("answer_id", S, "Chosen option id (Genesys answer option id), or null."),
            ("points", N, "Points earned for this question."),
            ("max_points", N, "Points the question is worth."),
            ("not_applicable", B, "True when the answer is N/A (left out of totals)."),
            ("excluded", B, "True when left out of totals (e.g. a redacted disclosure)."),
            ("method", S, "llm or phrase (a deterministic phrase check)."),
            ("evidence_verified", B, "True when the quoted evidence was found in the transcript."),
            ("evidence_count", INT, "How many evidence quotes the answer cites."),
            *_REQUEST_COLUMNS[6:9],
            ("created_at", T, "When the scoring was requested (UTC)."),
            ("changed_at", T, "Last change of the scoring (UTC); the change cursor's column."),
        ),
        rows=_scoring_answers,
        key=("scoring_request_id", "question_id"),
        filters={
            "agent_id": ScoringRequest.agent_id,
            "status": ScoringRequest.status,
            "scorecard_id": ScoringRequest.scorecard_id,
        },
    )
)
