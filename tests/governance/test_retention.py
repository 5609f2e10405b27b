"""Purge, erasure and Genesys-driven deletion on SQLite and PostgreSQL: content gone, audit kept."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.governance import retention
from service.governance.models import GovernanceAudit
from service.jobs.models import Job
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction

AGENT, OTHER = "agent-erase-me", "agent-keep"


def _seed(session, agent, conv, evaluation, days_old=0):
    when = utcnow() - timedelta(days=days_old)
    req = ScoringRequest(
        idempotency_key=f"k-{agent}-{conv}",
        conversation_id=conv,
        agent_id=agent,
        scorecard_id="c",
        scorecard_version="1",
        evaluation_id=evaluation,
        result={"items": [{"evidence": [{"quote": "Crystal Minh"}]}]},
        created_at=when,
    )
    session.add(req)
    session.flush()
    session.add(ScoringCall(request_id=req.id, attempt=1, request={"m": "x"}, created_at=when))
    session.add(
        CoachingAssignment(
            evaluation_id=evaluation,
            agent_id=agent,
            conversation_id=conv,
            section_id="s",
            section_key=f"s-{conv}",
            due_date=date.today(),
            closed_at=when,
        )
    )
    session.add(
        SentimentInteraction(conversation_id=conv, agent_id=agent, ended_at=when, created_at=when)
    )
    session.add(
        Recognition(
            agent_id=agent,
            day=date.today() - timedelta(days=int(conv[-1])),
            conversation_id=conv,
            customer_score=0.9,
            created_at=when,
        )
    )
    session.add(
        Job(
            kind="scoring.score", payload={"requestId": req.id, "transcript": "{}"}, created_at=when
        )
    )
    session.commit()


def _count(session, model, **where):
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return session.scalar(q)


def test_erase_dry_run_lists_then_erase_removes_only_that_person(session):
    _seed(session, AGENT, "conv-1", "eval-1")
    _seed(session, OTHER, "conv-2", "eval-2")
    dry = retention.erase_user(session, AGENT, dry_run=True)
    assert dry == {"evidence": 1, "coaching": 1, "sentiment": 2}
    assert _count(session, ScoringRequest, agent_id=AGENT) == 1  # nothing gone yet
    counts = retention.erase_user(session, AGENT)
    session.commit()
    assert counts["llm_payloads"] == 1 and counts["sentiment"] == 2
    for model in (ScoringRequest, CoachingAssignment, SentimentInteraction, Recognition):
        assert _count(session, model, agent_id=AGENT) == 0
        assert _count(session, model, agent_id=OTHER) == 1
    assert _count(session, ScoringCall) == 1  # the other agent's
    audit = session.scalars(select(GovernanceAudit)).all()
    assert {a.action for a in audit} == {"erase"} and sum(a.count for a in audit) == 5
    dumped = json.dumps([[a.kind, a.subject, a.reason] for a in audit])
    assert AGENT not in dumped and retention.subject_hash(AGENT) in dumped


def test_conversation_deleted_in_genesys_is_forgotten(session):
    _seed(session, AGENT, "conv-1", "eval-1")
    _seed(session, AGENT, "conv-2", "eval-2")
    retention.forget_conversation(session, "conv-1")
    session.commit()
    assert _count(session, ScoringRequest, conversation_id="conv-1") == 0
    assert _count(session, SentimentInteraction, conversation_id="conv-1") == 0
    assert _count(session, ScoringRequest, conversation_id="conv-2") == 1
    assert _count(session, GovernanceAudit, action="forget") >= 1


def test_evaluation_deleted_in_genesys_is_forgotten(session):
    _seed(session, AGENT, "conv-1", "eval-1")
    _seed(session, AGENT, "conv-2", "eval-2")
    counts = retention.forget_evaluation(session, "eval-1")
    session.commit()
    assert counts == {"evidence": 1, "coaching": 1, "llm_payloads": 1}
    assert _count(session, CoachingAssignment, evaluation_id="eval-1") == 0
    assert _count(session, CoachingAssignment, evaluation_id="eval-2") == 1


@pytest.mark.parametrize(("age", "gone"), [(29, False), (31, True)])
def test_purge_follows_each_retention_period(session, age, gone):
    _seed(session, AGENT, "conv-1", "eval-1", days_old=age)
    days = retention.retention_days(
        {"transcripts": 30, "llm_payloads": 30, "evidence": 30, "sentiment": 30, "coaching": 30}
    )
    dry = retention.purge(session, days, dry_run=True)
    counts = retention.purge(session, days)
    session.commit()
    assert dry == counts
    expected = 1 if gone else 0
    assert counts["llm_payloads"] == expected and counts["evidence"] == expected
    assert counts["sentiment"] == 2 * expected and counts["coaching"] == expected
    assert counts["transcripts"] == expected
    assert _count(session, ScoringCall) == 1 - expected
    req = session.scalar(select(ScoringRequest))
    assert req is not None  # the score stays; only its evidence goes
    assert (req.result is None) is gone
    job = session.scalar(select(Job))
    assert ("transcript" in job.payload) is not gone
    assert _count(session, GovernanceAudit, action="purge") == (5 if gone else 0)


def test_retention_settings_are_checked():
    assert retention.retention_days({})["llm_payloads"] == 90
    with pytest.raises(ValueError, match="unknown"):
        retention.retention_days({"recordings": 5})
    with pytest.raises(ValueError, match=">= 1"):
        retention.retention_days({"evidence": 0})


def test_a_deleted_evaluation_event_removes_its_scoring_data(session):
    from service.coaching.rules import DELETED
    from service.coaching.withdraw import withdraw_evaluation

    _seed(session, AGENT, "conv-1", "eval-1")
    _seed(session, AGENT, "conv-2", "eval-2")
    withdraw_evaluation(session, evaluation_id="eval-1", reason=DELETED)
    session.commit()
    assert _count(session, ScoringRequest, evaluation_id="eval-1") == 0
    assert _count(session, ScoringRequest, evaluation_id="eval-2") == 1
    assert _count(session, ScoringCall) == 1
    audit = session.scalars(select(GovernanceAudit).where(GovernanceAudit.action == "forget")).all()
    assert {a.kind for a in audit} == {"evidence", "llm_payloads"}
    assert all("eval-1" not in a.subject + a.reason for a in audit)
