"""The AI scorer on the panel: score each session interaction with automated scoring and submit
the result as the ``ai:<model>`` panelist, through the same submission path as the humans.

The transcript, the scorecard (the session's Genesys form) and the engine are the scoring
domain's; only the mapping to a calibration score and the submission live here.
"""

from __future__ import annotations

from typing import Any

from service.auth.rules import Principal
from service.calibration import service
from service.calibration.jobs import AI_SCORE
from service.calibration.models import CalibrationInteraction, CalibrationSession
from service.calibration.schemas import AnswerIn, ScoreIn
from service.db import utcnow
from service.errors import Conflict
from service.genesys import get_genesys
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler
from service.scoring import engine
from service.scoring.jobs import last_attempt, load_scorecard, load_transcript
from service.scoring.results import ItemResult, ScoreResult

# The job submits on the AI panelist's behalf, like an integration client would.
AI_PANEL = Principal(subject="qmloop-ai-panel", role="integration")


def _answer(item: ItemResult) -> AnswerIn | None:
    """One item as a calibration answer (N/A as Genesys marks it: answer "NA", no score)."""
    if item.na:
        return AnswerIn(questionId=item.id, answerId="NA", score=None, maxScore=None)
    if not item.answer_id:
        return None
    max_score = item.max_score if item.max_score > 0 else None
    return AnswerIn(
        questionId=item.id, answerId=item.answer_id, score=item.score, maxScore=max_score
    )


def to_score_in(result: ScoreResult, *, conversation_id: str, evaluator_id: str) -> ScoreIn:
    """A scored result as the calibration submission: total percentage and per-question answers.

    Question and answer ids are the Genesys form's, the same ids the humans' scores carry.
    Raises ``ValueError`` for a result without a percentage.
    """
    if result.percentage is None:
        raise ValueError("a result without a percentage (nothing scorable) is no score")
    answers = [a for a in map(_answer, result.items) if a is not None]
    total = min(100.0, max(0.0, round(result.percentage, 2)))
    return ScoreIn(
        conversationId=conversation_id, evaluatorId=evaluator_id, totalScore=total, answers=answers
    )


def _interaction(ctx: JobContext) -> CalibrationInteraction | None:
    found = ctx.session.get(CalibrationInteraction, ctx.payload.get("interactionId"))
    if found is not None and found.session_id != ctx.payload.get("sessionId"):
        raise PermanentFailure("the interaction belongs to another session")
    return found


def _score(ctx: JobContext, sess: CalibrationSession, conversation_id: str) -> ScoreResult:
    api = get_genesys(ctx.app)
    if api is None:
        raise PermanentFailure("Genesys is not configured: no transcript or form to score with")
    transcript = load_transcript(api, conversation_id)
    card = load_scorecard(f"genesys:{sess.form_id}", api)
    cfg = engine.EngineConfig.from_settings(ctx.settings)
    result = engine.score(transcript, card, ctx.app.extensions.get("llm"), cfg)
    if result.retryable and (result.throttled or not last_attempt(ctx)):
        # The runner rolls this attempt back; the next one starts clean. A throttle defers
        # the job to the time the server asked for and does not spend an attempt.
        raise RetryLater("the LLM is unavailable", result.retry_after, throttled=result.throttled)
    return result


def _submit(ctx: JobContext, data: ScoreIn, sess: CalibrationSession) -> dict[str, Any]:
    try:
        service.submit(
            ctx.session,
            session_id=sess.id,
            data=data,
            principal=AI_PANEL,
            now=utcnow(),
            source="ai",
        )
    except Conflict as exc:
        # Revealed while the AI was scoring: the AI's score stays missing, like a late human's.
        return {"status": "skipped", "reason": exc.code}
    return {"status": "submitted", "totalScore": data.totalScore, "answers": len(data.answers)}


@job_handler(AI_SCORE)
def ai_score(ctx: JobContext) -> dict[str, Any]:
    """Score one session interaction as the AI panelist and submit it (not when in doubt)."""
    interaction = _interaction(ctx)
    if interaction is None:
        return {"status": "skipped", "reason": "interaction deleted"}
    sess = interaction.session
    if service.progress(ctx.session, sess, utcnow()).revealed:
        return {"status": "skipped", "reason": "session_revealed"}
    result = _score(ctx, sess, interaction.conversation_id)
    if result.skipped:
        return {"status": "skipped", "reason": result.skipped, "model": result.model}
    if result.needs_review or result.percentage is None:
        # An uncertain AI score would skew the agreement figures: leave it missing, say why.
        return {"status": "needs_review", "reasons": result.review_reasons, "model": result.model}
    data = to_score_in(
        result,
        conversation_id=interaction.conversation_id,
        evaluator_id=str(ctx.payload.get("evaluatorId") or ""),
    )
    return {**_submit(ctx, data, sess), "model": result.model}
