"""Assignment reads and closing, with the agent-sees-only-their-own rule."""

from __future__ import annotations

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.orm import Session

from service.auth import divisions
from service.auth.rules import Principal
from service.coaching import rules
from service.coaching.models import CoachingAssignment, CoachingPolicy
from service.coaching.schemas import AssignmentOut, AssignmentQuery, PolicyOut
from service.db import utcnow
from service.errors import Conflict, Forbidden, NotFound
from service.jobs.models import Job
from service.paging import newest_first, where_given
from service.webhooks import payloads
from service.webhooks.service import emit


def list_assignments(
    session: Session, *, query: AssignmentQuery, principal: Principal
) -> list[CoachingAssignment]:
    """Assignments matching the filters, newest first; agents only get their own."""
    stmt = select(CoachingAssignment)
    stmt = stmt.where(divisions.agent_clause(principal, CoachingAssignment.agent_id))
    agent_id = query.agentId
    if not principal.is_staff:
        agent_id = principal.user_id or "\0"  # an agent token without a user id sees nothing
    filters = {
        CoachingAssignment.agent_id: agent_id,
        CoachingAssignment.status: query.status,
        CoachingAssignment.section_id: query.sectionId,
        CoachingAssignment.evaluation_id: query.evaluationId,
        CoachingAssignment.delivery_state: query.deliveryState,
    }
    if query.deliveryState == "failed":
        # "failed" is not stored: it is a pending delivery whose job went to the dead letters.
        filters[CoachingAssignment.delivery_state] = "pending"
        stmt = stmt.join(Job, Job.idempotency_key == _job_key_sql()).where(Job.state == "dead")
    stmt = where_given(stmt, filters)
    if query.flagged is not None:
        flagged = CoachingAssignment.review_flag != ""
        stmt = stmt.where(flagged if query.flagged else ~flagged)
    return list(newest_first(session, stmt, by=CoachingAssignment.created_at, limit=query.limit))


def _job_key_sql() -> ColumnElement[str]:
    return literal("coaching.deliver:") + CoachingAssignment.id


def delivery_jobs(session: Session, rows: list[CoachingAssignment]) -> dict[str, Job]:
    """The delivery job of each assignment, by assignment id."""
    keys = {rules.delivery_job_key(a.id): a.id for a in rows}
    if not keys:
        return {}
    found = session.scalars(select(Job).where(Job.idempotency_key.in_(list(keys))))
    return {keys[j.idempotency_key]: j for j in found if j.idempotency_key}


def get(session: Session, *, assignment_id: str, principal: Principal) -> CoachingAssignment:
    """One assignment; raises ``NotFound`` (also for another agent's assignment)."""
    a = session.get(CoachingAssignment, assignment_id)
    if (
        a is None
        or (not principal.is_staff and a.agent_id != principal.user_id)
        or not divisions.agent_visible(session, principal, a.agent_id)
    ):
        raise NotFound(f"No coaching assignment {assignment_id}.", code="assignment_not_found")
    return a


def set_status(
    session: Session, *, assignment_id: str, status: str, principal: Principal
) -> CoachingAssignment:
    """Start, complete or cancel an open assignment (starting twice is a no-op); raises
    ``NotFound``/``Forbidden``/``Conflict``."""
    a = get(session, assignment_id=assignment_id, principal=principal)
    if status == "cancelled" and not principal.is_staff:
        raise Forbidden("Only staff can cancel coaching.", code="cancel_forbidden")
    if a.status != "open":
        raise Conflict(f"Assignment {a.id} is already {a.status}.", code="assignment_closed")
    if status == "started":
        a.started_at = a.started_at or utcnow()
        session.flush()
        return a
    a.status = status
    a.closed_at = utcnow()
    session.flush()
    emit(session, f"coaching.{status}", payloads.assignment(a))
    return a


def out(a: CoachingAssignment, job: Job | None = None) -> AssignmentOut:
    """Serialize an assignment row; a dead delivery job shows as ``failed`` with its error."""
    state, error = a.delivery_state, a.delivery_error
    if job is not None and state == "pending":
        error = job.last_error
        if job.state == "dead":
            state = "failed"
    return AssignmentOut(
        id=a.id,
        evaluationId=a.evaluation_id,
        agentId=a.agent_id,
        conversationId=a.conversation_id,
        formId=a.form_id,
        sectionId=a.section_id,
        sectionName=a.section_name,
        percentage=a.percentage,
        moduleId=a.module_id,
        evaluationDate=a.evaluation_date,
        dueDate=a.due_date,
        trigger=a.trigger,
        status=a.status,
        target=a.target,
        targetReason=a.target_reason,
        deliveryState=state,
        externalId=a.external_id,
        deliveryError=error,
        createdAt=a.created_at,
        closedAt=a.closed_at,
        evaluationVersion=a.evaluation_version,
        startedAt=a.started_at,
        closeReason=a.close_reason,
        reviewFlag=a.review_flag,
        flaggedAt=a.flagged_at,
    )


def policy_out(row: CoachingPolicy) -> PolicyOut:
    """Serialize a stored policy."""
    return PolicyOut(
        id=row.id,
        formId=row.form_id,
        version=row.version,
        updatedAt=row.updated_at,
        policy=row.document,
    )
