"""Job handlers: score a queued interaction; write its evaluation back to Genesys."""

from __future__ import annotations

import logging
import time
from typing import Any

from service.genesys import get_genesys
from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable
from service.governance.crypto import KeyError_, decrypt_json
from service.jobs import service as jobs
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler
from service.scoring import engine, rules, service
from service.scoring.models import ScoringRequest
from service.scoring.registry import current_scorecard
from service.scoring.results import ScoreResult
from service.scoring.scorecard import Scorecard, ScorecardError, from_genesys_form
from service.scoring.writeback import build_body, create_evaluation, parity_problems, result_parity
from service.transcripts.rules import Transcript, TranscriptError, parse_document
from service.transcripts.service import fetch_transcript

log = logging.getLogger(__name__)


def _row(ctx: JobContext) -> ScoringRequest:
    row = ctx.session.get(ScoringRequest, ctx.payload.get("requestId"))
    if row is None:
        raise PermanentFailure(f"no scoring request {ctx.payload.get('requestId')}")
    return row


def _skip(row: ScoringRequest, reason: str) -> dict[str, Any]:
    row.status, row.reason = "skipped", reason
    return {"status": "skipped", "reason": reason}


def load_transcript(api: Any, conversation_id: str, communication_id: str = "") -> Transcript:
    """A conversation's transcript from Genesys; ``RetryLater`` while it is not ready yet."""
    try:
        return fetch_transcript(api, conversation_id, communication_id)
    except GenesysNotFound as exc:
        # The transcript is not there yet (still processing): try later, then dead-letter.
        raise RetryLater(f"transcript not available: {exc}") from exc
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    except TranscriptError as exc:
        raise PermanentFailure(f"unreadable transcript: {exc}") from exc


def _transcript(ctx: JobContext, row: ScoringRequest, api: Any) -> Transcript | None:
    inline = ctx.payload.get("transcript")
    if inline is not None:
        try:
            # Stored as (encrypted) text since issue 17; older jobs carry the document itself.
            return parse_document(decrypt_json(inline) if isinstance(inline, str) else inline)
        except (TranscriptError, KeyError_, ValueError) as exc:
            raise PermanentFailure(f"unreadable transcript: {exc}") from exc
    if api is None:
        return None
    return load_transcript(api, row.conversation_id, row.communication_id)


def load_scorecard(ref: str, api: Any) -> Scorecard:
    """The scorecard ``ref`` names (``genesys:<formId>`` or a YAML path), as a job sees it."""
    try:
        return current_scorecard(ref, api)
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    except (ScorecardError, GenesysNotFound) as exc:
        raise PermanentFailure(f"scorecard unavailable: {exc}") from exc


def _scorecard(ctx: JobContext, api: Any) -> Scorecard:
    return load_scorecard(ctx.settings.scoring_scorecard, api)


def last_attempt(ctx: JobContext) -> bool:
    """Whether this is the job's final attempt (after it, a RetryLater dead-letters)."""
    return ctx.attempt >= jobs.get(ctx.session, job_id=ctx.job_id).max_attempts


def _score(ctx: JobContext, row: ScoringRequest, transcript: Transcript, card: Scorecard) -> None:
    result = engine.score(
        transcript,
        card,
        ctx.app.extensions.get("llm"),
        engine.EngineConfig.from_settings(ctx.settings),
    )
    if result.retryable and (result.throttled or not last_attempt(ctx)):
        # The runner rolls this attempt back; the next one starts clean. A throttle defers
        # the job to the time the server asked for and does not spend an attempt.
        raise RetryLater("the LLM is unavailable", result.retry_after, throttled=result.throttled)
    service.record(ctx.session, row, card, result)
    if transcript.language and row.result is not None:
        # The transcript's language, for agreement per language (docs/insights.md).
        row.result = {**row.result, "language": transcript.language}


@job_handler(service.SCORE_JOB)
def score_job(ctx: JobContext) -> dict[str, Any]:
    """Fetch the transcript, apply policy, score it, store the result and audit trail."""
    row = _row(ctx)
    if row.status != "queued":
        return {"status": row.status}  # a replayed job: the work is done
    api = get_genesys(ctx.app)
    transcript = _transcript(ctx, row, api)
    if transcript is None:
        return _skip(row, "no_transcript_source")
    window = ctx.settings.scoring_diarization_window_seconds
    wait = rules.diarization_wait(transcript, int(time.time() * 1000), window)
    if wait > 0 and "transcript" not in ctx.payload:
        # The call ended moments ago: diarization may still append segments. Come back later.
        raise RetryLater("the transcript may still change (diarization window)", wait)
    why = rules.transcript_exclusion(engine.policy_from_settings(ctx.settings), transcript)
    if why:
        return _skip(row, why)
    card = _scorecard(ctx, api)
    row.agent_id = row.agent_id or next(iter(transcript.agent_user_ids), "")
    _score(ctx, row, transcript, card)
    if (
        row.status == "scored"
        and ctx.settings.scoring_writeback
        and api
        and card.source == "genesys"
    ):
        jobs.enqueue(ctx.session, service.WRITEBACK_JOB, {"requestId": row.id}, key=f"wb:{row.id}")
    return {"status": row.status, "percentage": row.percentage}


def _fresh_form(api: Any, ref: str) -> Scorecard:
    """The configured published form, read past any cache (the pre-submission parity check)."""
    form_id = ref.split(":", 1)[1] if ref.startswith("genesys:") else ref
    return from_genesys_form(
        api.request("GET", f"/api/v2/quality/publishedforms/evaluations/{form_id}")
    )


@job_handler(service.WRITEBACK_JOB)
def writeback_job(ctx: JobContext) -> dict[str, Any]:
    """Check field parity with the current form (re-score on drift), then create."""
    row = _row(ctx)
    if row.status != "scored":
        return {"status": row.status}
    api = get_genesys(ctx.app)
    evaluator = ctx.settings.genesys_service_user_id
    if api is None or not evaluator or not row.agent_id:
        row.reason = "writeback_skipped: no Genesys, service user or agent id"
        return {"status": row.status, "reason": row.reason}
    try:
        outcome = _write(ctx, row, api, evaluator)
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from exc
    _to_coaching(ctx, row)
    return outcome


def _write(ctx: JobContext, row: ScoringRequest, api: Any, evaluator: str) -> dict[str, Any]:
    current = _fresh_form(api, ctx.settings.scoring_scorecard)
    if result_parity(ScoreResult.from_json(row.result or {}), current):
        log.warning("scorecard drift before write-back; re-scoring", extra={"request": row.id})
        transcript = _transcript(ctx, row, api)
        assert transcript is not None  # it was read once already
        _score(ctx, row, transcript, current)
        if row.status != "scored":
            return {"status": row.status, "reason": row.reason}
    result = ScoreResult.from_json(row.result or {})
    if result.percentage is None or result.needs_review:
        # Nothing scorable (0 of 0 points) is no score: Genesys must never show it as 0 %.
        row.status, row.reason = "needs_review", "; ".join(result.review_reasons) or "no_score"
        return {"status": row.status, "reason": row.reason}
    body = build_body(
        current,
        result,
        conversation_id=row.conversation_id,
        agent_id=row.agent_id,
        evaluator_id=evaluator,
        comment_limit=ctx.settings.scoring_comment_max_chars,
    )
    problems = parity_problems(body, current)
    if problems:
        row.status, row.reason = "needs_review", "scorecard_drift: " + "; ".join(problems)[:500]
        return {"status": row.status, "reason": row.reason}
    return _create(api, row, body)


def _create(api: Any, row: ScoringRequest, body: dict[str, Any]) -> dict[str, Any]:
    try:
        outcome = create_evaluation(
            api, conversation_id=row.conversation_id, agent_id=row.agent_id, body=body
        )
    except (GenesysError, GenesysNotFound) as exc:
        status = getattr(exc, "upstream_status", 404)
        row.status, row.reason = "needs_review", f"writeback_rejected: {status}"
        row.writeback_request = body
        row.writeback_response = {"error": str(getattr(exc, "body", exc))[:2000]}
        return {"status": row.status, "reason": row.reason}
    row.status, row.evaluation_id = "written", outcome.evaluation_id
    row.writeback_request, row.writeback_response = outcome.request, outcome.response
    return {"status": "written", "evaluationId": outcome.evaluation_id}


def _to_coaching(ctx: JobContext, row: ScoringRequest) -> None:
    """Hand the written evaluation to coaching triage like any other finished evaluation."""
    if not (ctx.settings.scoring_queue_coaching and row.evaluation_id):
        return
    from service.coaching.triage import queue_triage

    queue_triage(
        ctx.session,
        evaluation_id=row.evaluation_id,
        conversation_id=row.conversation_id,
        status="FINISHED",
        trigger="automated_qa",
    )
