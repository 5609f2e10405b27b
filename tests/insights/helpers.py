"""Rows as the other domains write them: coaching assignments, section scores, automated and
human answers, disputes and a closed calibration session with an AI panelist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.calibration.models import (
    CalibrationInteraction,
    CalibrationPanelist,
    CalibrationScore,
    CalibrationSession,
)
from service.coaching.models import CoachingAssignment
from service.disputes.models import DisputeItem, Review
from service.insights.models import EvaluationAnswer, SectionScore
from service.scoring.models import ScoringRequest

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    """``n`` days after 2026-09-01 (UTC)."""
    return T0 + timedelta(days=n)


def coaching(
    agent: str, assigned: float, completed: float | None, **over: Any
) -> CoachingAssignment:
    """A coaching on "Empathy" (module m-empathy); ``completed`` None leaves it open."""
    values: dict[str, Any] = {
        "evaluation_id": f"ev-{agent}-{assigned}",
        "agent_id": agent,
        "form_id": "form-1",
        "section_id": "sec-empathy",
        "section_name": "Empathy",
        "section_key": "empathy",
        "module_id": "m-empathy",
        "due_date": date(2026, 12, 31),
        "trigger": "event",
        "target": "local",
        "status": "completed" if completed is not None else "open",
        "created_at": day(assigned),
        "closed_at": day(completed) if completed is not None else None,
    }
    values.update(over)
    return CoachingAssignment(**values)


def section_scores(agent: str, pairs: list[tuple[float, float]]) -> list[SectionScore]:
    """Empathy scores of an agent: (day, percentage)."""
    return [
        SectionScore(
            evaluation_id=f"ev-{agent}-{d}",
            agent_id=agent,
            form_id="form-1",
            section_id="sec-empathy",
            section_name="Empathy",
            section_key="empathy",
            percentage=p,
            evaluated_at=day(d),
        )
        for d, p in pairs
    ]


def automated(
    conversation: str, answers: dict[str, str], language: str = "en-US"
) -> ScoringRequest:
    """A scored automated result (written back as evaluation ``ai-<conversation>``)."""
    items = [
        {"id": q, "sectionId": "s", "answerId": a, "answer": a, "score": 1, "maxScore": 1}
        for q, a in answers.items()
    ]
    return ScoringRequest(
        idempotency_key=f"k-{conversation}",
        conversation_id=conversation,
        agent_id="agent-1",
        scorecard_id="card-1",
        scorecard_version="form-1",
        status="written",
        evaluation_id=f"ai-{conversation}",
        result={"language": language, "items": items},
    )


def human(conversation: str, answers: dict[str, str], at: float, evaluator: str = "eva") -> list:
    """A person's evaluation ``h-<conversation>`` of the same conversation and form."""
    return [
        EvaluationAnswer(
            evaluation_id=f"h-{conversation}",
            conversation_id=conversation,
            form_id="form-1",
            evaluator_id=evaluator,
            question_id=q,
            answer_id=a,
            evaluated_at=day(at),
        )
        for q, a in answers.items()
    ]


def dispute(evaluation_id: str, evaluator: str, decisions: dict[str, str]) -> list:
    """A review of an evaluation with one decided disputed item per question."""
    review = Review(
        evaluation_id=evaluation_id, agent_id="agent-1", evaluator_id=evaluator, form_id="form-1"
    )
    review.id = f"r-{evaluation_id}"
    items = [
        DisputeItem(review_id=review.id, round_number=1, question_id=q, reason="I did", decision=d)
        for q, d in decisions.items()
    ]
    return [review, *items]


def calibration(ai: dict[str, str], humans: dict[str, dict[str, str]]) -> list:
    """A calibration session closed yesterday: one conversation, an AI panelist and people."""
    now = datetime.now(UTC)
    sess = CalibrationSession(
        name="Closed",
        form_id="form-1",
        expert_id="xavier",
        calibrator_id="xavier",
        deadline=now + timedelta(days=1),
        closed_at=now - timedelta(days=1),
    )
    sess.id = "cal-1"
    inter = CalibrationInteraction(session_id=sess.id, conversation_id="conv-cal", position=0)
    inter.id = "int-1"
    rows: list[Any] = [sess, inter]
    people = {"ai:model-x": ("ai", ai), **{p: ("human", a) for p, a in humans.items()}}
    for who, (kind, answers) in people.items():
        rows.append(CalibrationPanelist(session_id=sess.id, evaluator_id=who, kind=kind))
        rows.append(
            CalibrationScore(
                session_id=sess.id,
                interaction_id=inter.id,
                evaluator_id=who,
                total=50.0,
                answers=[{"questionId": q, "answerId": a} for q, a in answers.items()],
                submitted_at=now - timedelta(days=2),
            )
        )
    return rows
