"""Export kinds of the dispute domain: reviews, dispute rounds and disputed questions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, select

from service.disputes.models import DisputeItem, DisputeRound, Review
from service.exports.kinds.common import INT, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare

# --- disputes ----------------------------------------------------------------------------------
# Rounds opened in Genesys Cloud (an InReview event) have no round or item rows here: the
# review's ``rounds`` and ``source`` columns count them.

_REVIEW_KEYS = (
    ("evaluation_id", S, "Genesys evaluation id (one review per evaluation)."),
    ("conversation_id", S, "Genesys conversation id of the evaluated interaction."),
    ("agent_id", S, "Genesys user id of the evaluated agent."),
    ("supervisor_id", S, "The agent's Genesys manager when the review opened (empty: unknown)."),
    ("form_id", S, "Genesys evaluation form id."),
)


def _review(r: Review, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "review_id": r.id,
        "evaluation_id": r.evaluation_id,
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "supervisor_id": r.supervisor_id,
        "form_id": r.form_id,
        "queue_id": r.queue_id,
        "released_at": r.released_at,
        "status": r.status,
        "outcome": r.outcome,
        "rounds": r.rounds,
        "source": r.source,
        "score": r.score,
        "original_score": r.original_score,
        "writeback_state": r.writeback_state,
        "finished_at": r.finished_at,
        "updated_at": r.updated_at,
    }


declare(
    ExportKind(
        name="dispute_reviews",
        description="One row per released evaluation under review: its status and rounds.",
        model=Review,
        occurred=Review.released_at,
        changed=Review.updated_at,
        columns=_cols(
            ("review_id", S, "QM Loop id of the review."),
            *_REVIEW_KEYS,
            ("queue_id", S, "Genesys queue id (empty when unknown)."),
            ("released_at", T, "When the evaluation was released to the agent (UTC)."),
            ("status", S, "pending_agent_review, pending_supervisor_review, resolved, closed."),
            ("outcome", S, "How it ended: accepted, window_closed, round_cap_reached, ..."),
            ("rounds", INT, "Dispute rounds opened so far, in QM Loop or in Genesys."),
            ("source", S, "Where the latest round was opened: qmloop or genesys."),
            ("score", N, "The evaluation's total score now, percent."),
            ("original_score", N, "The total score at release, percent."),
            ("writeback_state", S, "Write-back of the last changed round to Genesys."),
            ("finished_at", T, "When it became resolved or closed (UTC); null while open."),
            ("updated_at", T, "Last change (UTC); the change cursor's column."),
        ),
        rows=_review,
        key=("review_id",),
        filters={
            "agent_id": Review.agent_id,
            "supervisor_id": Review.supervisor_id,
            "status": Review.status,
        },
    )
)


def _rounds_source() -> Any:
    return select(DisputeRound, Review).join(Review, DisputeRound.review_id == Review.id)


def _round(row: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    rnd, review = row[:2]
    yield {
        "round_id": rnd.id,
        "review_id": review.id,
        "evaluation_id": review.evaluation_id,
        "conversation_id": review.conversation_id,
        "agent_id": review.agent_id,
        "supervisor_id": review.supervisor_id,
        "form_id": review.form_id,
        "round": rnd.number,
        "opened_by": rnd.opened_by,
        "opened_at": rnd.opened_at,
        "answered_by": rnd.answered_by,
        "answered_at": rnd.answered_at,
    }


declare(
    ExportKind(
        name="dispute_rounds",
        description="One row per dispute round opened in QM Loop: who opened and answered it.",
        model=DisputeRound,
        occurred=DisputeRound.opened_at,
        changed=DisputeRound.updated_at,
        source=_rounds_source,
        columns=_cols(
            ("round_id", S, "QM Loop id of the round."),
            ("review_id", S, "The review it belongs to."),
            *_REVIEW_KEYS,
            ("round", INT, "Round number, from 1."),
            ("opened_by", S, "Genesys user id of the agent who disputed."),
            ("opened_at", T, "When the agent disputed (UTC)."),
            ("answered_by", S, "Who answered the last question (empty while open)."),
            ("answered_at", T, "When every question was answered (UTC); null while open."),
        ),
        rows=_round,
        key=("round_id",),
        filters={"agent_id": Review.agent_id, "supervisor_id": Review.supervisor_id},
    )
)


def _items_source() -> Any:
    same_round = and_(
        DisputeRound.review_id == DisputeItem.review_id,
        DisputeRound.number == DisputeItem.round_number,
    )
    return (
        select(DisputeItem, Review, DisputeRound.opened_at)
        .join(Review, DisputeItem.review_id == Review.id)
        .join(DisputeRound, same_round)
    )


def _item(row: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    item, review, opened_at = row[:3]
    yield {
        "dispute_item_id": item.id,
        "review_id": review.id,
        "round": item.round_number,
        "question_id": item.question_id,
        "evaluation_id": review.evaluation_id,
        "conversation_id": review.conversation_id,
        "agent_id": review.agent_id,
        "supervisor_id": review.supervisor_id,
        "form_id": review.form_id,
        "question_group_id": item.question_group_id,
        "answer_id": item.answer_id,
        "reason": item.reason,
        "decision": item.decision,
        "new_answer_id": item.new_answer_id,
        "comment": item.comment,
        "decided_by": item.decided_by,
        "opened_at": opened_at,
        "decided_at": item.decided_at,
    }


declare(
    ExportKind(
        name="dispute_items",
        description="One row per disputed question and round: the reason and the decision.",
        model=DisputeItem,
        occurred=DisputeRound.opened_at,
        changed=DisputeItem.updated_at,
        source=_items_source,
        columns=_cols(
            ("dispute_item_id", S, "QM Loop id of the disputed question."),
            ("review_id", S, "The review it belongs to."),
            ("round", INT, "Round number, from 1."),
            ("question_id", S, "Form question id."),
            *_REVIEW_KEYS,
            ("question_group_id", S, "Form question group id."),
            ("answer_id", S, "The answer option disputed (the answer when the round opened)."),
            ("reason", S, "The agent's reason."),
            ("decision", S, "upheld or changed; empty until answered."),
            ("new_answer_id", S, "The answer option it was changed to (empty unless changed)."),
            ("comment", S, "The supervisor's comment."),
            ("decided_by", S, "Genesys user id of who answered (empty until answered)."),
            ("opened_at", T, "When the round was opened (UTC)."),
            ("decided_at", T, "When it was answered (UTC); null until then."),
        ),
        rows=_item,
        key=("dispute_item_id",),
        filters={
            "agent_id": Review.agent_id,
            "supervisor_id": Review.supervisor_id,
            "decision": DisputeItem.decision,
        },
    )
)
