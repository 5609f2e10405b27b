"""Scoring use cases: ingest an interaction, score it in a job, write the evaluation back."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import utcnow
from service.errors import NotFound
from service.governance.crypto import encrypt_json
from service.jobs import service as jobs
from service.scoring import rules
from service.scoring.engine import policy_from_settings
from service.scoring.models import ScoringCall, ScoringRequest
from service.scoring.registry import current_scorecard
from service.scoring.results import ScoreResult
from service.scoring.schemas import InteractionIn, ScoreTranscriptOut
from service.scoring.scorecard import Scorecard, ScorecardError
from service.settings import Settings
from service.transcripts.rules import TranscriptError, parse_document
from service.webhooks import payloads
from service.webhooks.service import emit

log = logging.getLogger(__name__)

SCORE_JOB = "scoring.score"
WRITEBACK_JOB = "scoring.writeback"
FINAL_TRANSCRIPT = {"", "COMPLETE", "COMPLETED", "FINISHED"}


def _delay(body: InteractionIn, settings: Settings, inline: bool) -> float:
    """Wait out diarization (unless the transcript is final already), then off-peak hours."""
    now = utcnow()
    wait = 0.0
    if not inline and not body.transcriptStatus:
        window = float(settings.scoring_diarization_window_seconds)
        if body.conversationEnd is not None:
            end = body.conversationEnd
            end = end if end.tzinfo else end.replace(tzinfo=UTC)
            # Capped: an end in the future is clock skew, not a reason to wait for days.
            wait = min(max(0.0, (end - now).total_seconds() + window), window + 300.0)
        else:
            wait = window
    later = datetime.fromtimestamp(now.timestamp() + wait, UTC)
    return wait + rules.offpeak_delay(settings.scoring_offpeak_hours, later.hour, later.minute)


def _get_or_create(
    session: Session, key: str, fields: dict[str, Any]
) -> tuple[ScoringRequest, bool]:
    existing = session.scalar(select(ScoringRequest).where(ScoringRequest.idempotency_key == key))
    if existing is not None:
        return existing, False
    row = ScoringRequest(idempotency_key=key, **fields)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A concurrent identical delivery won the race: theirs is the request.
        found = session.scalar(select(ScoringRequest).where(ScoringRequest.idempotency_key == key))
        if found is None:
            raise
        return found, False
    return row, True


def _inline_exclusion(transcript: dict[str, Any] | None, settings: Settings) -> str:
    """Why an inline transcript is not scored (no agent speech, too short), known at once."""
    if transcript is None:
        return ""
    try:
        parsed = parse_document(transcript)
    except TranscriptError:
        return ""  # the job reports the unreadable transcript
    return rules.transcript_exclusion(policy_from_settings(settings), parsed)


def ingest(
    session: Session,
    *,
    body: InteractionIn,
    settings: Settings,
    api: Any | None,
    source: str = "data_action",
    transcript: dict[str, Any] | None = None,
) -> ScoreTranscriptOut:
    """Accept an interaction for scoring: policy, idempotency, then a delayed job."""
    if body.transcriptStatus.upper() not in FINAL_TRANSCRIPT:
        # Not recorded: the COMPLETE event that follows must still be accepted.
        return ScoreTranscriptOut(jobId="", status="skipped", reason="transcript_not_final")
    try:
        card = current_scorecard(settings.scoring_scorecard, api)
    except ScorecardError as exc:
        log.warning("scoring skipped: %s", exc)
        return ScoreTranscriptOut(jobId="", status="skipped", reason="scorecard_unavailable")
    key = rules.idempotency_key(body.conversationId, body.communicationId, card.id, card.version)
    why = rules.exclusion_reason(
        policy_from_settings(settings),
        queues=(body.queueName, body.queueId),
        wrapup_code=body.wrapupCode,
        abandoned=body.abandoned,
        duration_seconds=body.durationSeconds,
    ) or _inline_exclusion(transcript, settings)
    fields = {
        "conversation_id": body.conversationId,
        "communication_id": body.communicationId,
        "media_type": body.mediaType,
        "agent_id": body.agentId,
        "source": source,
        "scorecard_id": card.id,
        "scorecard_version": card.version,
        "status": "skipped" if why else "queued",
        "reason": why,
    }
    row, created = _get_or_create(session, key, fields)
    if row.status == "skipped":
        return ScoreTranscriptOut(jobId=row.id, status="skipped", reason=row.reason)
    if not created:
        return ScoreTranscriptOut(jobId=row.id, status="duplicate", reason="already_received")
    payload: dict[str, Any] = {"requestId": row.id}
    if transcript is not None:
        # Encrypted at rest when QM_GOVERNANCE_ENCRYPTION_KEYS is set (docs/governance.md).
        payload["transcript"] = encrypt_json(transcript)
    job, _ = jobs.enqueue(
        session,
        SCORE_JOB,
        payload,
        key=f"score:{key}",
        delay_seconds=_delay(body, settings, transcript is not None),
    )
    row.job_id = job.id
    session.flush()
    return ScoreTranscriptOut(jobId=row.id, status="queued", reason="")


def record(session: Session, row: ScoringRequest, card: Scorecard, result: ScoreResult) -> None:
    """Store a result and every LLM attempt (raw request and response) for audit."""
    for call in result.calls:
        session.add(
            ScoringCall(
                request_id=row.id,
                attempt=call.attempt,
                model=result.model,
                prompt_version=result.prompt_version,
                scorecard_version=card.version,
                request=call.request,
                response=call.response,
                latency_ms=call.latency_ms,
                prompt_tokens=call.prompt_tokens,
                completion_tokens=call.completion_tokens,
                error=call.error[:4000],
            )
        )
    row.scorecard_id, row.scorecard_version = card.id, card.version
    row.result = result.to_json()
    row.percentage = result.percentage
    row.review_reasons = list(result.review_reasons)
    row.model, row.prompt_version = result.model, result.prompt_version
    row.prompt_tokens += result.prompt_tokens
    row.completion_tokens += result.completion_tokens
    row.latency_ms += result.latency_ms
    if result.skipped:
        row.status, row.reason = "skipped", result.skipped
    else:
        row.status = "needs_review" if result.needs_review else "scored"
        row.reason = "; ".join(result.review_reasons)[:2000]
    session.flush()
    if not result.skipped:
        emit(session, "evaluation.scored", payloads.scoring(row))


def get_request(session: Session, *, request_id: str) -> ScoringRequest:
    """One scoring request; raises ``NotFound``."""
    row = session.get(ScoringRequest, request_id)
    if row is None:
        raise NotFound(f"No scoring request {request_id}.", code="scoring_request_not_found")
    return row


def attempts(session: Session, *, request_id: str) -> int:
    """How many LLM attempts the audit trail holds for a request."""
    return len(
        list(session.scalars(select(ScoringCall.id).where(ScoringCall.request_id == request_id)))
    )


def reconcile(session: Session, *, max_age_days: float) -> int:
    """Requeue dead scoring and write-back jobs younger than ``max_age_days`` (daily job)."""
    cutoff = utcnow().timestamp() - max_age_days * 86400
    count = 0
    for kind in (SCORE_JOB, WRITEBACK_JOB):
        for job in jobs.list_jobs(session, state="dead", kind=kind, limit=100_000):
            if job.created_at.timestamp() >= cutoff:
                jobs.retry(session, job_id=job.id)
                count += 1
    return count
