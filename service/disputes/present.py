"""How a review reads: a tab row (the seed's columns) and the detail with rounds and actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.rules import Principal
from service.disputes import rules
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.disputes.schemas import DisputeItemOut, QuestionOut, ReviewOut, ReviewRow, RoundOut
from service.jobs.models import Job


def row_of(review: Review, now: datetime, limits: rules.Limits) -> ReviewRow:
    """A review as one row of a tab (status as of ``now``)."""
    status, outcome = rules.effective(review.status, review.released_at, now, limits)
    return ReviewRow(
        evaluationId=review.evaluation_id,
        conversationId=review.conversation_id,
        agentId=review.agent_id,
        supervisorId=review.supervisor_id,
        date=review.interaction_at,
        releasedAt=review.released_at,
        finishedAt=review.finished_at or (now if outcome else None),
        queueId=review.queue_id,
        queueName=review.queue_name,
        formName=review.form_name,
        supervisorAuditScore=review.score,
        reviewStatus=rules.label(status),
        status=status,
        disputeRounds=rules.completed_rounds(status, review.rounds),
        outcome=outcome or review.outcome,
        source=review.source,
    )


def _rounds_of(session: Session, review: Review) -> list[RoundOut]:
    rounds = session.scalars(
        select(DisputeRound)
        .where(DisputeRound.review_id == review.id)
        .order_by(DisputeRound.number)
    ).all()
    order = {q["questionId"]: n for n, q in enumerate(review.questions or [])}
    items = sorted(
        session.scalars(select(DisputeItem).where(DisputeItem.review_id == review.id)),
        key=lambda i: (i.round_number, order.get(i.question_id, len(order)), i.question_id),
    )  # form order within a round
    return [
        RoundOut(
            number=r.number,
            openedBy=r.opened_by,
            openedAt=r.opened_at,
            answeredBy=r.answered_by,
            answeredAt=r.answered_at,
            items=[_item_out(i) for i in items if i.round_number == r.number],
        )
        for r in rounds
    ]


def _item_out(item: DisputeItem) -> DisputeItemOut:
    return DisputeItemOut(
        questionId=item.question_id,
        reason=item.reason,
        answerId=item.answer_id,
        decision=item.decision,
        newAnswerId=item.new_answer_id,
        comment=item.comment,
        decidedBy=item.decided_by,
        decidedAt=item.decided_at,
    )


def _writeback_state(session: Session, review: Review) -> str:
    """The stored state, ``failed`` when the pending write-back's job was dead-lettered."""
    if review.writeback_state != "pending":
        return review.writeback_state
    job_id = session.scalar(
        select(DisputeRound.writeback_job_id)
        .where(DisputeRound.review_id == review.id, DisputeRound.writeback_job_id != "")
        .order_by(DisputeRound.number.desc())
        .limit(1)
    )
    job = session.get(Job, job_id) if job_id else None
    return "failed" if job is not None and job.state == "dead" else "pending"


def detail_of(
    session: Session, review: Review, principal: Principal, now: datetime, limits: rules.Limits
) -> ReviewOut:
    """A review with its questions, rounds and what ``principal`` may do next."""
    row = row_of(review, now, limits)
    own = principal.role == "agent" and review.agent_id == principal.user_id
    refuse = rules.refuse_dispute(row.status, review.rounds, review.released_at, now, limits)
    return ReviewOut(
        **row.model_dump(),
        originalScore=review.original_score,
        maxRounds=limits.max_rounds,
        disputeDeadline=rules.deadline(review.released_at, limits),
        genesysVersion=review.genesys_version,
        writebackState=_writeback_state(session, review),
        questions=[QuestionOut.model_validate(q) for q in review.questions or []],
        rounds=_rounds_of(session, review),
        canAccept=own and row.status == rules.PENDING_AGENT,
        canDispute=own and not refuse and bool(review.questions),
        canAnswer=principal.role in ("supervisor", "admin")
        and row.status == rules.PENDING_SUPERVISOR,
    )
