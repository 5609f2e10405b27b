"""Purge and erasure on SQLite and PostgreSQL: content gone, audit kept without personal content."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service.calibration.models import CalibrationCandidate
from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.governance import retention
from service.governance.batches import subject_hash
from service.governance.models import GovernanceAudit
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.jobs.models import Job
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction
from service.workspace.models import BestResponseExample, CoachingSession, SessionInteraction

from .seed import SECRET_QUOTE, count, seed

AGENT, OTHER = "agent-erase-me", "agent-keep"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAYS = retention.retention_days({})


def _gone(session, kind: str) -> bool:
    """Whether the seeded content of ``kind`` is gone."""
    session.expire_all()
    if kind == "transcripts":
        return "transcript" not in session.scalar(select(Job)).payload
    if kind == "llm_payloads":
        return count(session, ScoringCall) == 0
    if kind == "evidence":
        req = session.scalar(select(ScoringRequest))
        assert req.percentage == 80.0  # the score stays
        return req.result is None and req.writeback_request is None
    if kind == "sentiment":
        return count(session, SentimentInteraction) + count(session, Recognition) == 0
    if kind == "coaching":
        return count(session, CoachingAssignment) == 0
    if kind == "insights":
        models = (SectionScore, EvaluationAnswer, TrustAlert)
        return sum(count(session, m) for m in models) == 0
    assert kind == "disputes"
    return count(session, Review) + count(session, DisputeRound) + count(session, DisputeItem) == 0


# Each kind at its own period: a day younger, exactly that old, a day older.
BOUNDARY = [
    (kind, offset, gone)
    for kind in retention.KINDS
    for offset, gone in ((-1, False), (0, False), (1, True))
]


@pytest.mark.parametrize(("kind", "offset", "gone"), BOUNDARY)
def test_purge_boundary_at_each_retention_period(session, kind, offset, gone):
    when = NOW - timedelta(days=DAYS[kind] + offset)
    seed(session, AGENT, "conv-1", "eval-1", when=when)
    dry = retention.purge(session, DAYS, now=NOW, dry_run=True)
    counts = retention.purge(session, DAYS, now=NOW)
    session.commit()
    assert dry == counts
    expected = {"sentiment": 2, "disputes": 3, "insights": 3}.get(kind, 1) if gone else 0
    assert counts[kind] == expected
    assert _gone(session, kind) is gone
    audit = session.scalars(select(GovernanceAudit).where(GovernanceAudit.kind == kind)).all()
    assert sum(a.count for a in audit) == expected
    assert all(a.reason == f"older than {DAYS[kind]} days" for a in audit)


def test_purge_keeps_open_disputes_however_old(session):
    seed(session, AGENT, "conv-1", "eval-1", when=NOW - timedelta(days=5000))
    review = session.scalar(select(Review))
    review.status, review.finished_at = "pending_supervisor_review", None
    session.commit()
    assert retention.purge(session, DAYS, now=NOW)["disputes"] == 0
    assert count(session, DisputeItem) == 1


def test_purge_in_small_batches_audits_each_batch_with_our_ids_only(session):
    old = NOW - timedelta(days=400)
    for i in range(5):
        seed(session, f"agent-{i}", f"conv-{i}", f"eval-{i}", when=old)
    counts = retention.purge(session, DAYS, now=NOW, commit=True, batch_size=2)
    assert counts["llm_payloads"] == 5 and counts["evidence"] == 5
    audit = session.scalars(select(GovernanceAudit).where(GovernanceAudit.kind == "llm_payloads"))
    rows = list(audit)
    assert [a.count for a in rows] == [2, 2, 1]  # one transaction per batch
    assert len({a.run_id for a in session.scalars(select(GovernanceAudit))}) == 1
    dumped = json.dumps(
        [[a.kind, a.subject, a.reason, a.ids] for a in session.scalars(select(GovernanceAudit))]
    )
    assert SECRET_QUOTE not in dumped and "agent-1" not in dumped and "conv-1" not in dumped
    assert retention.purge(session, DAYS, now=NOW, commit=True) == dict.fromkeys(retention.KINDS, 0)


def test_two_purges_at_once_remove_each_row_once(app, session):
    old = NOW - timedelta(days=800)
    for i in range(12):
        seed(session, f"agent-{i}", f"conv-{i}", f"eval-{i}", when=old)
    db = get_db(app)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with db.session_scope() as s:
                barrier.wait(timeout=10)
                results.append(retention.purge(s, DAYS, now=NOW, commit=True, batch_size=3))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    total = {k: sum(r[k] for r in results) for k in retention.KINDS}
    assert total == {
        "transcripts": 12,
        "llm_payloads": 12,
        "evidence": 12,
        "sentiment": 24,
        "coaching": 12,
        "disputes": 36,
        "insights": 36,
    }
    audit = session.scalars(select(GovernanceAudit)).all()
    assert sum(a.count for a in audit) == sum(total.values())
    ids = [i for a in audit if a.kind == "llm_payloads" for i in a.ids]
    assert len(ids) == len(set(ids)) == 12


def test_erase_dry_run_lists_then_erase_removes_only_that_person(session):
    seed(session, AGENT, "conv-1", "eval-1")
    seed(session, OTHER, "conv-2", "eval-2")
    dry = retention.erase_user(session, AGENT, dry_run=True)
    assert dry == {
        "evidence": 1,
        "llm_payloads": 1,
        "disputes": 3,
        "coaching": 1,
        "workspace": 3,
        "sentiment": 2,
        "calibration": 1,
        "insights": 2,
        "policies": 0,
    }
    assert count(session, ScoringRequest, agent_id=AGENT) == 1  # nothing gone yet
    assert retention.erase_user(session, AGENT) == dry
    session.commit()
    for model in (ScoringRequest, CoachingAssignment, SentimentInteraction, Recognition, Review):
        assert count(session, model, agent_id=AGENT) == 0
        assert count(session, model, agent_id=OTHER) == 1
    for model in (CoachingSession, CalibrationCandidate, SectionScore):
        assert count(session, model, agent_id=AGENT) == 0
    assert count(session, EvaluationAnswer, evaluation_id="eval-1") == 0
    assert count(session, EvaluationAnswer, evaluation_id="eval-2") == 1
    assert count(session, ScoringCall) == count(session, DisputeItem) == 1  # the other agent's
    assert count(session, SessionInteraction) == count(session, BestResponseExample) == 1
    audit = session.scalars(select(GovernanceAudit)).all()
    assert {a.action for a in audit} == {"erase"} and sum(a.count for a in audit) == 14
    dumped = json.dumps([[a.kind, a.subject, a.reason, a.ids] for a in audit])
    assert AGENT not in dumped and SECRET_QUOTE not in dumped
    assert subject_hash(AGENT) in dumped


def test_retention_settings_are_checked():
    assert retention.retention_days({})["llm_payloads"] == 90
    assert retention.retention_days({"disputes": 10})["disputes"] == 10
    with pytest.raises(ValueError, match="unknown"):
        retention.retention_days({"recordings": 5})
    with pytest.raises(ValueError, match=">= 1"):
        retention.retention_days({"evidence": 0})


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("governance_purge_every_seconds", 899, False),
        ("governance_purge_every_seconds", 900, True),
        ("governance_purge_batch_size", 0, False),
        ("governance_purge_batch_size", 1000, True),
        ("governance_purge_batch_size", 1001, False),
        ("governance_reconcile_every_seconds", 299, False),
        ("governance_reconcile_every_seconds", 300, True),
        ("governance_reconcile_conversations_per_run", 0, False),
        ("governance_reconcile_conversations_per_run", 1, True),
    ],
)
def test_job_settings_bounds(field, value, ok):
    from pydantic import ValidationError

    from service.settings import Settings

    if ok:
        assert getattr(Settings(**{field: value}), field) == value
    else:
        with pytest.raises(ValidationError):
            Settings(**{field: value})
