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


def section_scores(
    agent: str, pairs: list[tuple[float, float]], section: str = "Empathy"
) -> list[SectionScore]:
    """Scores of an agent on one section: (day, percentage)."""
    key = section.lower()
    return [
        SectionScore(
            evaluation_id=f"ev-{agent}-{d}",
            agent_id=agent,
            form_id="form-1",
            section_id=f"sec-{key}",
            section_name=section,
            section_key=key,
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


def seed_console(app: Any, agents: list[str], owner: str) -> None:
    """Data for both console pages: two modules (one that works, one that does not), answers
    scored both ways in two languages, a calibration, disputes, and an open alert."""
    import random

    from service.db import get_db
    from service.insights import service

    rng = random.Random(16)
    rows: list[Any] = []
    for n, agent in enumerate(agents[:8]):
        coached = n < 4
        module = "m-empathy" if n % 2 == 0 else "m-greeting"
        lift = 12.0 if module == "m-empathy" else 0.0
        if coached:
            rows.append(h_coaching(agent, module))
        for section in ("Empathy", "Greeting"):
            mine = coached and section.lower() == module[2:]
            for d in range(5, 100, 7):
                value = 60 + n + (3 if d > 45 else 0) + (lift if mine and d > 50 else 0)
                pair = (d, round(value + rng.gauss(0, 4), 1))
                rows += section_scores(agent, [pair], section)
    for i in range(24):
        conv = f"conv-{i}"
        lang = "en-US" if i % 3 else "de-DE"
        ai = {"q-greet": "yes" if i % 4 else "no", "q-verify": "yes" if i % 2 else "no"}
        person = {"q-greet": "yes" if i % 5 else "no", "q-verify": "yes" if i % 4 else "no"}
        rows += [automated(conv, ai, lang), *human(conv, person, at=i, evaluator=agents[-1])]
    evaluators = agents[-3:]
    rows += calibration(
        {"q-greet": "yes", "q-verify": "no"},
        {
            evaluators[0]: {"q-greet": "yes", "q-verify": "yes"},
            evaluators[1]: {"q-greet": "yes", "q-verify": "yes"},
        },
    )
    for k, who in enumerate(evaluators):
        decisions = {"q-greet": "changed" if k == 0 else "upheld", "q-verify": "upheld"}
        rows += dispute(f"human-{k}", who, decisions)
    rows += dispute("ai-conv-1", "", {"q-verify": "changed", "q-greet": "upheld"})
    for k in range(5):
        rows += dispute(f"ai-conv-{k + 2}", "", {"q-verify": "changed" if k < 2 else "upheld"})
    with get_db(app).session_scope() as s:
        for row in rows:
            s.add(row)
            s.flush()
    settings = app.config["QM_SETTINGS"]
    settings.insights_form_owners = {"form-1": [owner]}
    settings.insights_min_pairs = 10
    with get_db(app).session_scope() as s:
        service.check_alerts(s, settings=settings, now=datetime.now(UTC))


def h_coaching(agent: str, module: str) -> CoachingAssignment:
    """A completed coaching of ``agent`` with ``module`` (assigned day 40, done day 50)."""
    name = "Empathy" if module == "m-empathy" else "Greeting"
    row = coaching(agent, 40, 50, module_id=module)
    if name == "Greeting":
        row.section_name, row.section_key, row.section_id = name, "greeting", "sec-greeting"
    return row
