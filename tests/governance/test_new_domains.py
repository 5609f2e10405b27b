"""Governance of the insights and policies domains and of JSON lists of ids, on SQLite and
PostgreSQL; the reconciliation's queries use an index on every table they read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from service.governance import deletion, retention
from service.governance.models import GovernanceAudit
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.policies.models import PolicyRevision
from service.sentiment.models import SentimentSession
from service.webapp.names import actor

from .seed import count, seed

AGENT, OTHER = "agent-erase-me", "agent-keep"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _plan(session, kind: str = "session") -> SentimentSession:
    row = SentimentSession(
        assignment_id=f"a-{kind}", agent_id=OTHER, conversation_ids=["conv-1", "conv-10", "conv-2"]
    )
    session.add(row)
    session.commit()
    return row


def _audit(session) -> str:
    rows = session.scalars(select(GovernanceAudit)).all()
    return json.dumps([[a.kind, a.subject, a.reason, a.ids] for a in rows])


def test_a_deleted_conversation_leaves_the_sentiment_session_lists(session):
    plan = _plan(session)
    untouched = SentimentSession(assignment_id="a-2", agent_id=OTHER, conversation_ids=["conv-10"])
    session.add(untouched)
    session.commit()
    dry = deletion.forget_conversation(session, "conv-1", dry_run=True)
    assert dry["sentiment"] == 1
    assert deletion.forget_conversation(session, "conv-1")["sentiment"] == 1
    session.commit()
    session.expire_all()
    assert plan.conversation_ids == ["conv-10", "conv-2"]  # the session itself stays
    assert untouched.conversation_ids == ["conv-10"]  # "conv-1" is only part of "conv-10"
    dumped = _audit(session)
    assert plan.id in dumped and "conv-1" not in dumped
    assert deletion.forget_conversation(session, "conv-1")["sentiment"] == 0  # done once


def test_an_id_with_like_wildcards_matches_only_itself(session):
    row = SentimentSession(assignment_id="a-w", agent_id=OTHER, conversation_ids=["c_1%", "cx1y"])
    session.add(row)
    session.commit()
    assert deletion.forget_conversation(session, "c_1%")["sentiment"] == 1
    assert deletion.forget_conversation(session, "c_1")["sentiment"] == 0
    session.commit()
    session.expire_all()
    assert row.conversation_ids == ["cx1y"]


def test_erasure_drops_the_person_from_policy_revisions_answers_and_alerts(session):
    seed(session, AGENT, "conv-1", "eval-1")
    seed(session, OTHER, "conv-2", "eval-2")
    before = {"queues": {"q1": {"facilitator": "x"}}}
    session.add_all(
        [
            PolicyRevision(
                kind="sentiment", key="q1", before=None, after=before, actor=f"web:{AGENT}"
            ),
            PolicyRevision(kind="coaching", key="f1", before=before, after=None, actor=AGENT),
            PolicyRevision(kind="coaching", key="f1", before=None, after=before, actor="cli"),
            PolicyRevision(kind="coaching", key="f2", after=before, actor=f"web:{AGENT}x"),
        ]
    )
    answered = session.scalar(
        select(EvaluationAnswer).where(EvaluationAnswer.evaluation_id == "eval-2")
    )
    answered.evaluator_id = AGENT  # the person evaluated someone else
    alert = TrustAlert(
        form_id="f",
        question_id="q2",
        kind="overturn",
        value=0.5,
        threshold=0.3,
        owners=[AGENT, "o"],
    )
    session.add(alert)
    session.commit()
    dry = deletion.erase_user(session, AGENT, dry_run=True)
    assert (dry["policies"], dry["insights"]) == (2, 4)  # score, own answer, evaluator, alert
    assert deletion.erase_user(session, AGENT) == dry
    session.commit()
    session.expire_all()
    actors = sorted(r.actor for r in session.scalars(select(PolicyRevision)))
    assert actors == sorted(["erased", "erased", "cli", f"web:{AGENT}x"])
    kept = session.scalars(select(PolicyRevision).where(PolicyRevision.actor == "erased")).all()
    assert {r.kind for r in kept} == {"sentiment", "coaching"}  # the changes stay
    assert all(r.before == before or r.after == before for r in kept)
    assert count(session, SectionScore, agent_id=AGENT) == 0
    assert count(session, EvaluationAnswer, evaluation_id="eval-1") == 0
    assert (answered.evaluator_id, answered.answer_id) == ("", "a1")  # the answer stays
    assert alert.owners == ["o"]
    dumped = _audit(session)
    assert AGENT not in dumped
    assert deletion.erase_user(session, AGENT)["policies"] == 0
    assert actor("erased") == "Erased person"  # how the console's history shows it


def test_erasing_a_user_named_like_the_placeholder_ends(session):
    session.add_all([PolicyRevision(kind="coaching", key=str(i), actor="erased") for i in range(3)])
    session.commit()
    counts = deletion.erase_user(session, "erased", commit=True)
    assert counts["policies"] == 0


def test_a_deleted_evaluation_takes_its_section_scores_and_answers(session):
    seed(session, AGENT, "conv-1", "eval-1")
    seed(session, AGENT, "conv-2", "eval-2")
    counts = deletion.forget_evaluation(session, "eval-1", withdraw=False)
    session.commit()
    assert counts["insights"] == 2
    for model in (SectionScore, EvaluationAnswer):
        assert count(session, model, evaluation_id="eval-1") == 0
        assert count(session, model, evaluation_id="eval-2") == 1


def test_the_sweep_finds_conversations_held_only_by_insights(session):
    session.add(
        SectionScore(
            evaluation_id="e",
            agent_id=AGENT,
            conversation_id="conv-s",
            section_id="s",
            section_key="s",
            percentage=1.0,
            evaluated_at=NOW,
        )
    )
    session.add(
        EvaluationAnswer(
            evaluation_id="e", conversation_id="conv-a", question_id="q", evaluated_at=NOW
        )
    )
    session.commit()
    assert deletion.held_conversations(session, "", 10) == ["conv-a", "conv-s"]
    assert deletion.held_conversations(session, "conv-a", 10) == ["conv-s"]


@pytest.mark.parametrize(("offset", "gone"), [(-1, False), (0, False), (1, True)])
def test_insights_retention_boundary_and_open_alerts_stay(session, offset, gone):
    days = retention.retention_days({"insights": 30})
    when = NOW - timedelta(days=30 + offset)
    seed(session, AGENT, "conv-1", "eval-1", when=when)
    session.add(
        TrustAlert(
            open_key="f|q|kappa|",
            form_id="f",
            question_id="q",
            kind="kappa",
            value=0.1,
            threshold=0.4,
            created_at=when - timedelta(days=900),
        )
    )
    session.commit()
    counts = retention.purge(session, days, now=NOW)
    session.commit()
    assert counts["insights"] == (3 if gone else 0)
    assert count(session, TrustAlert, open_key="f|q|kappa|") == 1  # open: never purged
    assert count(session, SectionScore) == count(session, EvaluationAnswer) == int(not gone)


def test_every_sweep_query_uses_an_index(session):
    """EXPLAIN each of the reconciliation's queries; sequential scans are made as expensive as
    the planner allows, so a table without a usable index still shows one."""
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
    for query in deletion.held_queries("conv-1", 100):
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "postgresql":
            plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
            assert "Index" in plan and "Seq Scan" not in plan, plan
        else:
            plan = "\n".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "USING" in plan and "INDEX" in plan, plan
    session.rollback()
