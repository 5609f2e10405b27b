"""Dispute test helpers: a small form and evaluation, reviews in the database, person tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service.auth.service import issue_token
from service.db import get_db
from service.disputes import sync
from service.disputes.models import Review

AGENT, OTHER_AGENT = "agent-1", "agent-2"
SUPERVISOR, OTHER_SUPERVISOR = "manager-1", "manager-2"
RELEASED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def bearer(settings, role: str, user_id: str = "") -> dict[str, str]:
    """Headers of a person (or the integration) with the given role."""
    token = issue_token(settings, f"person-{user_id or role}", role, user_id)
    return {"Authorization": f"Bearer {token}"}


def form() -> dict[str, Any]:
    """A published form: one group, three yes/no questions (yes = 1 point)."""
    questions = [
        {
            "id": f"q{n}",
            "text": f"Question {n}",
            "answerOptions": [
                {"id": f"q{n}-yes", "text": "Yes", "value": 1},
                {"id": f"q{n}-no", "text": "No", "value": 0},
            ],
        }
        for n in (1, 2, 3)
    ]
    return {
        "id": "form-1",
        "name": "Service form",
        "questionGroups": [{"id": "g1", "name": "Basics", "weight": 1, "questions": questions}],
    }


def evaluation(evaluation_id: str = "ev-1", agent: str = AGENT, **over: Any) -> dict[str, Any]:
    """A released evaluation of ``agent``: q1 yes, q2 no, q3 no."""
    answers = {"q1": "q1-yes", "q2": "q2-no", "q3": "q3-no"}
    body = {
        "id": evaluation_id,
        "conversation": {"id": f"conv-{evaluation_id}"},
        "agent": {"id": agent},
        "evaluator": {"id": "evaluator-1"},
        "evaluationForm": {"id": "form-1", "name": "Service form"},
        "status": "FINISHED",
        "releaseDate": RELEASED.isoformat().replace("+00:00", "Z"),
        "conversationDate": (RELEASED - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "queue": {"id": "queue-1", "name": "Billing"},
        "version": 1,
        "answers": {
            "totalScore": 33.33,
            "questionGroupScores": [
                {
                    "questionGroupId": "g1",
                    "questionScores": [
                        {"questionId": q, "answerId": a, "score": int(a.endswith("yes"))}
                        for q, a in answers.items()
                    ],
                }
            ],
        },
    }
    body.update(over)
    return body


def add_review(app, evaluation_id: str = "ev-1", agent: str = AGENT, manager: str = SUPERVISOR,
               **over: Any) -> str:  # fmt: skip
    """Open a review in the test database; returns its evaluation id."""
    with get_db(app).session_scope() as s:
        sync.open_review(
            s, evaluation=evaluation(evaluation_id, agent, **over), form=form(),
            supervisor_id=manager,
        )  # fmt: skip
    return evaluation_id


def review_row(app, evaluation_id: str = "ev-1") -> Review:
    """The stored review (detached)."""
    with get_db(app).session_scope() as s:
        from sqlalchemy import select

        row = s.scalars(select(Review).where(Review.evaluation_id == evaluation_id)).one()
        s.expunge(row)
        return row
