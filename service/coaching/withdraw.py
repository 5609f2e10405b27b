"""Retracted, superseded and deleted evaluations: cancel the coaching nobody started, flag the rest.

An evaluation version that Genesys retracts (a dispute or a re-score makes a new version) or
deletes no longer justifies its coaching. Each of its assignments is cancelled when nobody has
started it, and flagged for the supervisor when the agent already has (``review_flag``); the new
version is triaged on its own. Assignments delivered to Genesys or an LMS are settled by a
``coaching.withdraw`` job that asks the target whether the agent started, then removes the
external item or flags the assignment. The rule itself is ``rules.withdrawal``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from service.coaching import rules
from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.jobs.service import enqueue
from service.webhooks import payloads
from service.webhooks.service import emit

log = logging.getLogger(__name__)


def withdraw_evaluation(
    session: Session,
    *,
    evaluation_id: str,
    reason: str,
    before_version: int | None = None,
    through_version: int | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Withdraw the assignments of an evaluation; returns {assignment id: ``cancel`` | ``flag``
    | ``ask_target``}. ``before_version``: only known versions below it (a newer version
    replaced them); ``through_version``: that version, older ones and unknown (0) ones (that
    version was retracted, a newer one under the same id stays).
    """
    query = select(CoachingAssignment).where(
        CoachingAssignment.evaluation_id == evaluation_id,
        CoachingAssignment.status != "cancelled",
    )
    if before_version is not None:
        # Version 0 means "not known" (an assign-coaching call without one): never superseded.
        query = query.where(
            CoachingAssignment.evaluation_version >= 1,
            CoachingAssignment.evaluation_version < before_version,
        )
    if through_version:
        query = query.where(CoachingAssignment.evaluation_version <= through_version)
    rows = session.scalars(query.execution_options(populate_existing=True)).all()
    done = {row.id: withdraw(session, row, reason, now or utcnow()) for row in rows}
    session.flush()
    return done


def withdraw(session: Session, row: CoachingAssignment, reason: str, now: datetime) -> str:
    """Apply ``rules.withdrawal`` to one assignment; returns the action taken."""
    action = rules.withdrawal(
        status=row.status,
        started=row.started_at is not None,
        target=row.target,
        delivery_state=row.delivery_state,
        flagged=bool(row.review_flag),
    )
    if action == "flag":
        flag(row, reason, now)
    elif action == "cancel":
        cancel(row, reason, now)
        if row.target != "local":
            # Its delivery may be in flight right now: the job removes what it created, if any.
            queue_withdraw(session, row, reason)
    elif action == "ask_target":
        queue_withdraw(session, row, reason)
    return action


def queue_withdraw(session: Session, row: CoachingAssignment, reason: str) -> None:
    """Enqueue the job that settles a withdrawal with the assignment's target."""
    payload = {"assignment_id": row.id, "reason": reason}
    enqueue(session, "coaching.withdraw", payload, key=rules.withdraw_job_key(row.id))


def cancel(row: CoachingAssignment, reason: str, now: datetime) -> None:
    """Close an assignment nobody started, saying why."""
    was_open = row.status != "cancelled"
    if was_open:
        row.status = "cancelled"
        row.closed_at = now
    row.close_reason = reason
    session = object_session(row)
    if was_open and session is not None:
        emit(session, "coaching.cancelled", payloads.assignment(row))
    log.info("coaching %s cancelled: %s (%s)", row.id, reason, row.evaluation_id)


def flag(row: CoachingAssignment, reason: str, now: datetime) -> None:
    """Mark a started assignment for the supervisor; it stays as it is otherwise."""
    row.review_flag = reason
    row.flagged_at = now
    log.warning(
        "coaching %s of agent %s flagged for review: %s (%s)",
        row.id,
        row.agent_id,
        reason,
        row.evaluation_id,
    )


def supersede(
    session: Session, *, evaluation_id: str, version: int, retracted_id: str = ""
) -> dict[str, str]:
    """A new evaluation version withdraws the one it replaces: ``retracted_id`` (Genesys's
    ``retractedEvaluation``) and older known versions under the same id."""
    done: dict[str, str] = {}
    if retracted_id and retracted_id != evaluation_id:
        done |= withdraw_evaluation(session, evaluation_id=retracted_id, reason=rules.SUPERSEDED)
    if version > 1:
        done |= withdraw_evaluation(
            session, evaluation_id=evaluation_id, reason=rules.SUPERSEDED, before_version=version
        )
    return done
