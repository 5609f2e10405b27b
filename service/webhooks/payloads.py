"""The ``data`` of each outbound event type, built from the business rows (documented in
docs/data-out.md). Field names follow the JSON API (camelCase); ids are the export keys."""

from __future__ import annotations

from typing import Any


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def assignment(a: Any) -> dict[str, Any]:
    """``coaching.assigned`` / ``coaching.completed`` / ``coaching.cancelled``."""
    return {
        "assignmentId": a.id,
        "evaluationId": a.evaluation_id,
        "evaluationVersion": a.evaluation_version,
        "agentId": a.agent_id,
        "conversationId": a.conversation_id,
        "formId": a.form_id,
        "sectionId": a.section_id,
        "sectionName": a.section_name,
        "percentage": a.percentage,
        "moduleId": a.module_id,
        "dueDate": _iso(a.due_date),
        "target": a.target,
        "status": a.status,
        "closeReason": a.close_reason,
        "closedAt": _iso(a.closed_at),
    }


def scoring(row: Any) -> dict[str, Any]:
    """``evaluation.scored``: an automated scoring finished (scored or needs review)."""
    return {
        "scoringRequestId": row.id,
        "conversationId": row.conversation_id,
        "agentId": row.agent_id,
        "evaluationId": row.evaluation_id or "",
        "scorecardId": row.scorecard_id,
        "scorecardVersion": row.scorecard_version,
        "status": row.status,
        "percentage": row.percentage,
        "model": row.model,
        "promptVersion": row.prompt_version,
    }


def calibration(sess: Any, how: str) -> dict[str, Any]:
    """``calibration.revealed``; ``how`` is ``closed`` (early, by an admin) or ``complete``."""
    return {
        "sessionId": sess.id,
        "name": sess.name,
        "formId": sess.form_id,
        "expertId": sess.expert_id,
        "revealedBy": how,
        "closedAt": _iso(sess.closed_at),
        "deadline": _iso(sess.deadline),
    }


def recognition(rec: Any) -> dict[str, Any]:
    """``recognition.given``: kudos for a highly positive interaction (one per agent per day)."""
    return {
        "recognitionId": rec.id,
        "agentId": rec.agent_id,
        "day": _iso(rec.day),
        "conversationId": rec.conversation_id,
        "customerScore": rec.customer_score,
    }


def dispute(review: Any, items: list[Any], source: str) -> dict[str, Any]:
    """``dispute.opened`` / ``dispute.resolved``: one round of a review and its questions.

    ``items`` are the round's disputed questions (none for a round handled in Genesys);
    ``source`` is ``qmloop`` or ``genesys`` (where the round was opened or answered).
    """
    return {
        "reviewId": review.id,
        "evaluationId": review.evaluation_id,
        "conversationId": review.conversation_id,
        "agentId": review.agent_id,
        "supervisorId": review.supervisor_id,
        "formId": review.form_id,
        "round": review.rounds,
        "source": source,
        "status": review.status,
        "outcome": review.outcome,
        "questions": [
            {
                "questionId": i.question_id,
                "decision": i.decision,
                "newAnswerId": i.new_answer_id,
            }
            for i in items
        ],
    }


def calibration_scheduled(
    sess: Any, program: str, period: str, panelists: list[str]
) -> dict[str, Any]:
    """``calibration.scheduled``: a calibration program created its session for a period;
    ``panelists`` are the Genesys user ids asked to score (expert included)."""
    return {
        "sessionId": sess.id,
        "name": sess.name,
        "program": program,
        "period": period,
        "formId": sess.form_id,
        "expertId": sess.expert_id,
        "panelists": panelists,
        "deadline": _iso(sess.deadline),
    }
