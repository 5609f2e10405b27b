"""Deletions that follow Genesys, on SQLite and PostgreSQL: the evaluation event and by hand."""

from __future__ import annotations

import json

from sqlalchemy import select

from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.exports import service as exports
from service.exports.catalog import all_kinds
from service.exports.service import ExportContext, Selection
from service.governance import deletion
from service.governance.models import GovernanceAudit
from service.insights.models import EvaluationAnswer, SectionScore
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import SentimentInteraction
from service.workspace.models import BestResponseExample, SessionInteraction

from .seed import SECRET_QUOTE, count, seed


def _delete_event(evaluation_id: str, conversation_id: str) -> dict:
    body = {
        "id": evaluation_id,
        "conversationId": conversation_id,
        "status": "Finished",
        "eventType": "Delete",
        "agent": {"id": "agent-1"},
    }
    return {"topicName": "v2.quality.evaluations", "eventBody": body}


def test_an_evaluation_deleted_in_genesys_takes_what_we_hold_about_it(
    client, auth, session, settings
):
    seed(session, "agent-1", "conv-1", "eval-1")
    seed(session, "agent-2", "conv-2", "eval-2")
    open_one = session.scalar(
        select(CoachingAssignment).where(CoachingAssignment.evaluation_id == "eval-1")
    )
    open_one.status, open_one.closed_at = "open", None
    review = session.scalar(select(Review).where(Review.evaluation_id == "eval-1"))
    review.status, review.finished_at = "pending_supervisor_review", None
    session.commit()
    resp = client.post(
        "/api/v1/events/genesys", json=_delete_event("eval-1", "conv-1"), headers=auth
    )
    assert resp.status_code == 200, resp.get_json()
    session.expire_all()
    assert count(session, ScoringRequest, evaluation_id="eval-1") == 0
    assert count(session, ScoringCall) == 1  # eval-2's
    assert count(session, SessionInteraction, evaluation_id="eval-1") == 0
    tomb = session.scalar(select(Review).where(Review.evaluation_id == "eval-1"))
    assert (tomb.status, tomb.outcome, tomb.questions, tomb.score) == (
        "closed",
        "evaluation_deleted",
        [],
        None,
    )
    assert count(session, DisputeItem, review_id=tomb.id) == 0
    assert count(session, DisputeRound, review_id=tomb.id) == 0
    assignment = session.scalar(
        select(CoachingAssignment).where(CoachingAssignment.evaluation_id == "eval-1")
    )
    assert assignment.status == "cancelled"  # withdrawn by the coaching rule
    assert count(session, SentimentInteraction, conversation_id="conv-1") == 1  # the conversation's
    for model in (ScoringRequest, SessionInteraction, SectionScore, EvaluationAnswer):
        assert count(session, model, evaluation_id="eval-1") == 0
        assert count(session, model, evaluation_id="eval-2") == 1
    assert count(session, DisputeItem) == 1
    audit = session.scalars(select(GovernanceAudit).where(GovernanceAudit.action == "forget")).all()
    assert {a.kind for a in audit} == {
        "evidence",
        "llm_payloads",
        "disputes",
        "workspace",
        "insights",
    }
    dumped = json.dumps([[a.subject, a.reason, a.ids] for a in audit])
    assert "eval-1" not in dumped and "conv-1" not in dumped and SECRET_QUOTE not in dumped
    scoring = json.dumps(_every_export(session, settings, "scoring"), default=str)
    assert "eval-2" in scoring and "eval-1" not in scoring
    # The same event again changes nothing and audits nothing more.
    client.post("/api/v1/events/genesys", json=_delete_event("eval-1", "conv-1"), headers=auth)
    assert count(session, GovernanceAudit) == len(audit)


def test_a_deleted_conversation_leaves_nothing_but_the_audit(session, settings):
    seed(session, "agent-1", "conv-1", "eval-1")
    seed(session, "agent-1", "conv-2", "eval-2")
    dry = deletion.forget_conversation(session, "conv-1", dry_run=True)
    counts = deletion.forget_conversation(session, "conv-1")
    session.commit()
    assert {k: v for k, v in dry.items() if k != "coaching_withdrawn"} == {
        k: v for k, v in counts.items() if k != "coaching_withdrawn"
    }
    assert counts["evidence"] == counts["llm_payloads"] == 1 and counts["disputes"] == 3
    assert counts["sentiment"] == 2 and counts["workspace"] == 2 and counts["calibration"] == 1
    assert counts["insights"] == 2
    for model in (
        ScoringRequest,
        Review,
        SentimentInteraction,
        SessionInteraction,
        BestResponseExample,
        SectionScore,
        EvaluationAnswer,
    ):
        assert count(session, model, conversation_id="conv-1") == 0
        assert count(session, model, conversation_id="conv-2") == 1
    assert deletion.held_conversations(session, "", 10) == ["conv-2"]
    exported = json.dumps(_every_export(session, settings), default=str)
    assert "conv-2" in exported
    assert "conv-1" not in exported  # the withdrawn coaching keeps only its evaluation id


def _every_export(session, settings, prefix: str = "") -> dict:
    """Every row of every export kind (whose name starts with ``prefix``)."""
    ctx = ExportContext(session, settings, utcnow())
    kinds = [k for k in all_kinds() if k.name.startswith(prefix)]
    return {k.name: list(exports.rows(ctx, k, Selection())) for k in kinds}


def test_a_deleted_recording_takes_only_what_came_from_its_transcript(session):
    seed(session, "agent-1", "conv-1", "eval-1")
    counts = deletion.forget_recording(session, "conv-1")
    session.commit()
    assert counts == {"llm_payloads": 1, "evidence": 1, "workspace": 1}
    req = session.scalar(select(ScoringRequest))
    assert (req.result, req.writeback_request, req.percentage) == (None, None, 80.0)
    assert session.scalar(select(BestResponseExample)).quote == ""
    assert count(session, SentimentInteraction) == 1 and count(session, Review) == 1
    assert deletion.forget_recording(session, "conv-1") == {
        "llm_payloads": 0,
        "evidence": 0,
        "workspace": 0,
    }
