"""Hand each finished evaluation's section scores and answers to the insights domain.

Coaching does not import insights (that would make a cycle): the triage path enqueues a job of
kind ``insights.record_evaluation`` by name, and ``service.insights.jobs`` stores it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.coaching import rules
from service.jobs.service import enqueue

KIND = "insights.record_evaluation"


def _answers(evaluation: dict[str, Any]) -> list[dict[str, str]]:
    answers = evaluation.get("answers")
    groups = answers.get("questionGroupScores") if isinstance(answers, dict) else None
    out = []
    for group in groups if isinstance(groups, list) else []:
        for q in (group.get("questionScores") or []) if isinstance(group, dict) else []:
            if isinstance(q, dict) and q.get("questionId") and not q.get("markedNA"):
                out.append(
                    {"questionId": str(q["questionId"]), "answerId": str(q.get("answerId") or "")}
                )
    return out


def snapshot(
    evaluation: dict[str, Any], groups: list[rules.GroupScore], form_id: str, when: str
) -> dict[str, Any]:
    """The job payload: ids, the date, each scored section's percentage and each answer."""
    return {
        "evaluationId": str(evaluation.get("id") or ""),
        "version": evaluation.get("version") if isinstance(evaluation.get("version"), int) else 0,
        "conversationId": str((evaluation.get("conversation") or {}).get("id") or ""),
        "agentId": str((evaluation.get("agent") or {}).get("id") or ""),
        "evaluatorId": str((evaluation.get("evaluator") or {}).get("id") or ""),
        "formId": form_id,
        "evaluatedAt": when,
        "sections": [{"id": g.id, "name": g.name, "percentage": g.percentage} for g in groups],
        "answers": _answers(evaluation),
    }


def queue_snapshot(
    session: Session,
    evaluation: dict[str, Any],
    groups: list[rules.GroupScore],
    form_id: str,
    when: str,
) -> None:
    """Enqueue the snapshot of a finished evaluation once per (evaluation, version)."""
    payload = snapshot(evaluation, groups, form_id, when)
    if not payload["evaluationId"] or not payload["agentId"] or not when:
        return
    if not payload["sections"] and not payload["answers"]:
        return  # nothing scored (0 total points): nothing to learn from
    key = f"{KIND}:{payload['evaluationId']}:{payload['version']}"
    enqueue(session, KIND, payload, key=key)
