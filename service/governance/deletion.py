"""Erasure of one person and deletions that follow Genesys (issue 17 item 2).

The rules (docs/governance.md, "Deletions in Genesys"):

- **Evaluation deleted**: its scoring request (score, evidence, LLM payloads), its dispute rounds
  (the agent's reasons, the supervisor's comments) and the workspace marks pointing at it are
  deleted; its dispute review stays as a closed tombstone without questions or scores; its
  coaching is withdrawn by the coaching rule (not started: cancelled; started: flagged for the
  supervisor; service/coaching/withdraw.py) and then ages out with the ``coaching`` retention
  period. Its insights section scores and answers go. Sentiment belongs to the conversation and
  stays.
- **Conversation deleted** (404 from Genesys): everything we hold about it is deleted (scoring,
  disputes, sentiment, recognitions, workspace marks and examples, calibration interactions and
  candidates, insights section scores and answers); its id leaves the ``conversation_ids`` of
  sentiment coaching sessions; its coaching is withdrawn as above and loses its link to the
  conversation.
- **Recording deleted** (the conversation remains): what came from its transcript goes: LLM
  payloads are deleted, evidence and write-back bodies cleared, best-response quotes blanked.
  Scores, sentiment figures and coaching stay.

Every function returns counts per kind, writes GovernanceAudit rows (hashed subject, counts, our
row ids) and leaves the commit to the caller unless given ``commit=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import null, or_, select
from sqlalchemy.orm import Session

from service.calibration.models import (
    CalibrationCandidate,
    CalibrationInteraction,
    CalibrationScore,
)
from service.coaching.models import ArchiveTask, CoachingAgent, CoachingAssignment
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.governance.batches import Child, Rows, Run, remove
from service.governance.lists import ListValue, drop_from_list
from service.insights.models import EvaluationAnswer, SectionScore, TrustAlert
from service.policies.models import PolicyRevision
from service.policies.rules import ERASED_ACTOR
from service.scoring.models import ScoringCall, ScoringRequest
from service.sentiment.models import Recognition, SentimentInteraction, SentimentSession
from service.workspace.models import BestResponseExample, CoachingSession, SessionInteraction

_CALLS = Child("llm_payloads", ScoringCall, ScoringCall.request_id)
_DISPUTE_CHILDREN = (
    Child("disputes", DisputeItem, DisputeItem.review_id),
    Child("disputes", DisputeRound, DisputeRound.review_id),
)
_SESSION_CHILDREN = (
    Child("workspace", SessionInteraction, SessionInteraction.session_id),
    Child("workspace", BestResponseExample, BestResponseExample.session_id),
)


def _scoring(cond: Any) -> Rows:
    return Rows("evidence", ScoringRequest, cond, children=(_CALLS,))


def _reviews(cond: Any) -> Rows:
    return Rows("disputes", Review, cond, children=_DISPUTE_CHILDREN)


def _review_tombstone(evaluation_id: str) -> list[Rows]:
    """The review stays as a closed tombstone (the disputes domain closes it with outcome
    ``evaluation_deleted``); its rounds, the agent's reasons, the supervisor's comments, the
    questions and scores go."""
    reviews = select(Review.id).where(Review.evaluation_id == evaluation_id)
    blank: dict[str, Any] = {
        "questions": [],
        "score": None,
        "original_score": None,
        "writeback_error": None,
    }
    return [
        Rows("disputes", DisputeItem, DisputeItem.review_id.in_(reviews)),
        Rows("disputes", DisputeRound, DisputeRound.review_id.in_(reviews)),
        Rows("disputes", Review, Review.evaluation_id == evaluation_id, clear=blank),
    ]


def evaluation_rows(evaluation_id: str) -> list[Rows]:
    """What goes when an evaluation is deleted in Genesys (coaching is withdrawn separately)."""
    return [
        _scoring(ScoringRequest.evaluation_id == evaluation_id),
        *_review_tombstone(evaluation_id),
        Rows("workspace", SessionInteraction, SessionInteraction.evaluation_id == evaluation_id),
        Rows("coaching", ArchiveTask, ArchiveTask.evaluation_id == evaluation_id),
        Rows("insights", SectionScore, SectionScore.evaluation_id == evaluation_id),
        Rows("insights", EvaluationAnswer, EvaluationAnswer.evaluation_id == evaluation_id),
    ]


def conversation_rows(conversation_id: str) -> list[Rows | ListValue]:
    """What goes when a conversation is deleted in Genesys (coaching is withdrawn separately)."""
    c = conversation_id
    interaction = Child("calibration", CalibrationScore, CalibrationScore.interaction_id)
    return [
        _scoring(ScoringRequest.conversation_id == c),
        _reviews(Review.conversation_id == c),
        Rows("sentiment", SentimentInteraction, SentimentInteraction.conversation_id == c),
        Rows("sentiment", Recognition, Recognition.conversation_id == c),
        Rows("workspace", SessionInteraction, SessionInteraction.conversation_id == c),
        Rows("workspace", BestResponseExample, BestResponseExample.conversation_id == c),
        Rows(
            "calibration",
            CalibrationInteraction,
            CalibrationInteraction.conversation_id == c,
            children=(interaction,),
        ),
        Rows("calibration", CalibrationCandidate, CalibrationCandidate.conversation_id == c),
        Rows("insights", SectionScore, SectionScore.conversation_id == c),
        Rows("insights", EvaluationAnswer, EvaluationAnswer.conversation_id == c),
        ListValue("sentiment", SentimentSession, SentimentSession.conversation_ids, c),
        # Withdrawn first (forget_conversation), the assignments then lose the link.
        Rows(
            "coaching",
            CoachingAssignment,
            CoachingAssignment.conversation_id == c,
            clear={"conversation_id": ""},
        ),
    ]


def recording_rows(conversation_id: str) -> list[Rows]:
    """What goes when a conversation's recording (hence its transcript) is deleted."""
    c = conversation_id
    requests = select(ScoringRequest.id).where(ScoringRequest.conversation_id == c)
    held = or_(
        ScoringRequest.result.is_not(None),
        ScoringRequest.writeback_request.is_not(None),
        ScoringRequest.writeback_response.is_not(None),
    )
    cleared = {"result": null(), "writeback_request": null(), "writeback_response": null()}
    return [
        Rows("llm_payloads", ScoringCall, ScoringCall.request_id.in_(requests)),
        Rows(
            "evidence", ScoringRequest, (ScoringRequest.conversation_id == c) & held, clear=cleared
        ),
        Rows(
            "workspace",
            BestResponseExample,
            (BestResponseExample.conversation_id == c) & (BestResponseExample.quote != ""),
            clear={"quote": ""},
        ),
    ]


def person_rows(user_id: str) -> list[Rows | ListValue]:
    """Everything held about one agent, by Genesys user id; where the record is someone else's
    (another agent's evaluation they answered, a policy change they made, an alert they own),
    only their identity goes."""
    u = user_id
    agent_scores = select(SectionScore.evaluation_id).where(SectionScore.agent_id == u)
    # never the cleared value itself (a user id "erased" would be cleared again and again)
    actor = PolicyRevision.actor.in_([u, f"web:{u}"]) & (PolicyRevision.actor != ERASED_ACTOR)
    return [
        _scoring(ScoringRequest.agent_id == u),
        _reviews(Review.agent_id == u),
        Rows("coaching", CoachingAssignment, CoachingAssignment.agent_id == u),
        Rows("coaching", ArchiveTask, ArchiveTask.agent_id == u),
        Rows("coaching", CoachingAgent, CoachingAgent.agent_id == u),
        Rows("workspace", CoachingSession, CoachingSession.agent_id == u, _SESSION_CHILDREN),
        Rows("sentiment", SentimentInteraction, SentimentInteraction.agent_id == u),
        Rows("sentiment", Recognition, Recognition.agent_id == u),
        Rows("sentiment", SentimentSession, SentimentSession.agent_id == u),
        Rows("calibration", CalibrationInteraction, CalibrationInteraction.agent_id == u),
        Rows("calibration", CalibrationCandidate, CalibrationCandidate.agent_id == u),
        # Answers first: they are found through the agent's section scores.
        Rows("insights", EvaluationAnswer, EvaluationAnswer.evaluation_id.in_(agent_scores)),
        Rows("insights", SectionScore, SectionScore.agent_id == u),
        Rows(
            "insights",
            EvaluationAnswer,
            EvaluationAnswer.evaluator_id == u,
            clear={"evaluator_id": ""},
        ),
        ListValue("insights", TrustAlert, TrustAlert.owners, u),
        Rows("policies", PolicyRevision, actor, clear={"actor": ERASED_ACTOR}),
    ]


def _run(
    session: Session,
    rows: Sequence[Rows | ListValue],
    action: str,
    reason: str,
    subject: str,
    **kw: Any,
) -> Run:
    run = Run(session, action, reason, subject=subject, **kw)
    for item in rows:
        if isinstance(item, ListValue):
            drop_from_list(run, item)
        else:
            remove(run, item)
    return run


def _withdraw(session: Session, cond: Any, dry_run: bool) -> dict[str, int]:
    """Withdraw the coaching of the matching evaluations by the coaching rule."""
    from service.coaching.rules import DELETED
    from service.coaching.withdraw import withdraw_evaluation

    query = select(CoachingAssignment.evaluation_id).where(cond).distinct()
    evaluations = list(session.scalars(query))
    if dry_run:
        return {"coaching_withdrawn": len(evaluations)}
    done: dict[str, str] = {}
    for evaluation_id in evaluations:
        done |= withdraw_evaluation(session, evaluation_id=evaluation_id, reason=DELETED)
    return {"coaching_withdrawn": len(done)}


def erase_user(
    session: Session, user_id: str, dry_run: bool = False, commit: bool = False
) -> dict[str, int]:
    """Everything held about one agent: counts per kind, removed unless ``dry_run``."""
    run = _run(
        session,
        person_rows(user_id),
        "erase",
        "erasure request",
        user_id,
        dry_run=dry_run,
        commit=commit,
    )
    return run.counts


def forget_evaluation(
    session: Session, evaluation_id: str, dry_run: bool = False, withdraw: bool = True
) -> dict[str, int]:
    """Follow an evaluation deleted in Genesys (the rule above); ``withdraw=False`` when the
    coaching domain already withdrew it (the evaluation event)."""
    reason = "deleted in Genesys: evaluation"
    counts = {}
    if withdraw:
        counts = _withdraw(session, CoachingAssignment.evaluation_id == evaluation_id, dry_run)
    run = _run(
        session, evaluation_rows(evaluation_id), "forget", reason, evaluation_id, dry_run=dry_run
    )
    return {**run.counts, **counts}


def forget_conversation(
    session: Session, conversation_id: str, dry_run: bool = False
) -> dict[str, int]:
    """Follow a conversation deleted in Genesys (the rule above)."""
    reason = "deleted in Genesys: conversation"
    counts = _withdraw(session, CoachingAssignment.conversation_id == conversation_id, dry_run)
    run = _run(
        session,
        conversation_rows(conversation_id),
        "forget",
        reason,
        conversation_id,
        dry_run=dry_run,
    )
    return {**run.counts, **counts}


def forget_recording(
    session: Session, conversation_id: str, dry_run: bool = False
) -> dict[str, int]:
    """Follow a recording deleted in Genesys: the transcript-derived content goes (rule above)."""
    reason = "deleted in Genesys: recording"
    run = _run(
        session, recording_rows(conversation_id), "forget", reason, conversation_id, dry_run=dry_run
    )
    return run.counts


def held_queries(after: str, limit: int) -> list[Any]:
    """The reconciliation's queries, one per table holding conversation ids: the distinct ids
    after ``after``, in order, at most ``limit``. Each table has an index on its
    ``conversation_id`` (tests/governance/test_new_domains.py checks the plans)."""
    from service.coaching.rules import DELETED

    withdrawn = CoachingAssignment.close_reason == DELETED  # settled: not held any more
    columns: list[tuple[Any, Any]] = [
        (ScoringRequest.conversation_id, None),
        (Review.conversation_id, None),
        (SentimentInteraction.conversation_id, None),
        (Recognition.conversation_id, None),
        (SessionInteraction.conversation_id, None),
        (BestResponseExample.conversation_id, None),
        (CalibrationInteraction.conversation_id, None),
        (CalibrationCandidate.conversation_id, None),
        (SectionScore.conversation_id, None),
        (EvaluationAnswer.conversation_id, None),
        (CoachingAssignment.conversation_id, ~withdrawn),
    ]
    queries = []
    for col, extra in columns:
        query = select(col).where(col > after).distinct().order_by(col).limit(limit)
        queries.append(query if extra is None else query.where(extra))
    return queries


def held_conversations(session: Session, after: str, limit: int) -> list[str]:
    """Conversation ids QM Loop holds anything about, sorted, those after ``after``, at most
    ``limit`` (the reconciliation's page)."""
    found: set[str] = set()
    for query in held_queries(after, limit):
        found.update(v for v in session.scalars(query) if v)
    return sorted(found)[:limit]
