"""The ``score-transcript`` data action, the scoring event endpoint and the result API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service import get_settings
from service.api import data_action, parse_body, respond, route
from service.db import get_session
from service.errors import InvalidInput
from service.genesys import get_genesys
from service.scoring import registry, service
from service.scoring.schemas import (
    InteractionIn,
    InvalidateOut,
    ScoreTranscriptIn,
    ScoreTranscriptOut,
    ScoringEventIn,
    ScoringRequestOut,
)
from service.transcripts.rules import TranscriptError, parse_document

bp = Blueprint("scoring", __name__)


@data_action(
    bp,
    "score-transcript",
    ScoreTranscriptIn,
    ScoreTranscriptOut,
    "Queue a finished interaction's transcript for automated QA scoring",
)
def score_transcript(body: ScoreTranscriptIn) -> ScoreTranscriptOut:
    """Queue a transcript for scoring (idempotent per interaction and scorecard version)."""
    return service.ingest(
        get_session(),
        body=InteractionIn.model_validate(body.model_dump()),
        settings=get_settings(),
        api=get_genesys(),
        source="data_action",
    )


def _flatten(event: ScoringEventIn) -> InteractionIn:
    """A flat event, or the fields of a Genesys notification's ``eventBody``."""
    data: dict[str, Any] = event.model_dump(exclude={"eventBody", "transcript"})
    if event.eventBody:
        data.update({k: v for k, v in event.eventBody.items() if k in InteractionIn.model_fields})
    if not data.get("conversationId"):
        raise InvalidInput(
            "conversationId is required.",
            errors=[{"field": "conversationId", "message": "required"}],
        )
    return InteractionIn.model_validate(data)


@route(
    bp,
    "post",
    "/api/v1/scoring/events",
    "Transcript or conversation-end event: queue scoring (optionally with an inline transcript)",
    body=ScoringEventIn,
    response=ScoreTranscriptOut,
)
def scoring_event() -> Response:
    """Accept an event (flat, or a Genesys notification) and queue scoring."""
    event = parse_body(ScoringEventIn)
    if event.transcript is not None:
        try:
            parse_document(event.transcript)
        except TranscriptError as exc:
            raise InvalidInput(
                f"The transcript is unreadable: {exc}",
                errors=[{"field": "transcript", "message": str(exc)}],
            ) from exc
    out = service.ingest(
        get_session(),
        body=_flatten(event),
        settings=get_settings(),
        api=get_genesys(),
        source="event",
        transcript=event.transcript,
    )
    return respond(out)


@route(
    bp,
    "get",
    "/api/v1/scoring/requests/<request_id>",
    "One scoring request: status, result, review reasons and audit totals",
    response=ScoringRequestOut,
)
def get_scoring_request(request_id: str) -> Response:
    """One scoring request with its result."""
    session = get_session()
    row = service.get_request(session, request_id=request_id)
    return respond(
        ScoringRequestOut(
            id=row.id,
            conversationId=row.conversation_id,
            communicationId=row.communication_id,
            status=row.status,
            reason=row.reason,
            scorecardId=row.scorecard_id,
            scorecardVersion=row.scorecard_version,
            percentage=row.percentage,
            reviewReasons=[str(r) for r in row.review_reasons or []],
            model=row.model,
            promptVersion=row.prompt_version,
            promptTokens=row.prompt_tokens,
            completionTokens=row.completion_tokens,
            latencyMs=row.latency_ms,
            evaluationId=row.evaluation_id or "",
            attempts=service.attempts(session, request_id=row.id),
            result=row.result,
        )
    )


@route(
    bp,
    "post",
    "/api/v1/scoring/scorecard/invalidate",
    "The scorecard changed: drop cached scorecards and prompts",
    response=InvalidateOut,
)
def invalidate_scorecard() -> Response:
    """Webhook target for scorecard modifications."""
    registry.invalidate()
    return respond(InvalidateOut(invalidated=True))
