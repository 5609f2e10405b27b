"""Rows about one agent, conversation and evaluation in every table governance deletes from."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from service.calibration.models import CalibrationCandidate
from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.jobs.models import Job
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction
from service.workspace.models import BestResponseExample, CoachingSession, SessionInteraction

SECRET_QUOTE = "my card is 4111 1111 1111 1111, Crystal Minh"


def seed(session, agent: str, conv: str, evaluation: str, when: datetime | None = None) -> None:
    """One of everything; ``when`` is every row's creation / closing / finishing time."""
    when = when or utcnow()
    req = ScoringRequest(
        idempotency_key=f"k-{agent}-{conv}",
        conversation_id=conv,
        agent_id=agent,
        scorecard_id="c",
        scorecard_version="1",
        evaluation_id=evaluation,
        percentage=80.0,
        result={"items": [{"evidence": [{"quote": SECRET_QUOTE}]}]},
        writeback_request={"answers": {"comments": SECRET_QUOTE}},
        created_at=when,
    )
    session.add(req)
    session.flush()
    session.add(
        ScoringCall(request_id=req.id, attempt=1, request={"m": SECRET_QUOTE}, created_at=when)
    )
    session.add(
        CoachingAssignment(
            evaluation_id=evaluation,
            agent_id=agent,
            conversation_id=conv,
            section_id="s",
            section_key=f"s-{conv}",
            due_date=date.today(),
            status="closed",
            closed_at=when,
        )
    )
    session.add(
        SentimentInteraction(conversation_id=conv, agent_id=agent, ended_at=when, created_at=when)
    )
    day = date(2026, 1, 1) + timedelta(days=sum(map(ord, conv)) % 300)
    session.add(
        Recognition(
            agent_id=agent, day=day, conversation_id=conv, customer_score=0.9, created_at=when
        )
    )
    review = Review(
        evaluation_id=evaluation,
        conversation_id=conv,
        agent_id=agent,
        status="resolved",
        finished_at=when,
        rounds=1,
    )
    session.add(review)
    session.flush()
    session.add(DisputeRound(review_id=review.id, number=1, opened_by=agent))
    session.add(
        DisputeItem(review_id=review.id, round_number=1, question_id="q1", reason=SECRET_QUOTE)
    )
    coaching = CoachingSession(name="1:1", agent_id=agent, assigned_on=date.today())
    session.add(coaching)
    session.flush()
    session.add(
        SessionInteraction(session_id=coaching.id, conversation_id=conv, evaluation_id=evaluation)
    )
    session.add(
        BestResponseExample(session_id=coaching.id, conversation_id=conv, quote=SECRET_QUOTE)
    )
    session.add(CalibrationCandidate(conversation_id=conv, agent_id=agent))
    session.add(
        SectionScore(
            evaluation_id=evaluation,
            agent_id=agent,
            conversation_id=conv,
            section_id="s",
            section_key="s",
            percentage=70.0,
            evaluated_at=when,
        )
    )
    session.add(
        EvaluationAnswer(
            evaluation_id=evaluation,
            conversation_id=conv,
            evaluator_id="evaluator-1",
            question_id="q1",
            answer_id="a1",
            evaluated_at=when,
        )
    )
    session.add(
        TrustAlert(
            form_id="f",
            question_id="q1",
            kind="kappa",
            value=0.2,
            threshold=0.4,
            owners=["owner-1"],
            resolved_at=when,
        )
    )
    session.add(
        Job(
            kind="scoring.score",
            payload={"requestId": req.id, "transcript": SECRET_QUOTE},
            created_at=when,
        )
    )
    session.commit()


def count(session, model, **where) -> int:
    """Rows of ``model`` with the given column values."""
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return int(session.scalar(q) or 0)
