"""Coaching use cases. ``assign_coaching`` is the one function every trigger calls.

Services flush, never commit: the request boundary or the job runner commits, so the
assignment and its delivery job land in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import inspect, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.coaching import policies, rules
from service.coaching.agents import AgentStatus, agent_status, within
from service.coaching.models import OPEN, ArchiveTask, CoachingAgent, CoachingAssignment
from service.coaching.schemas import (
    CheckDuplicateOut,
    NormalizeScoreIn,
    NormalizeScoreOut,
)
from service.db import insert_or_ignore, utcnow
from service.errors import InvalidInput
from service.genesys.api import GenesysApi, GenesysUnavailable
from service.jobs.service import enqueue
from service.settings import Settings
from service.webhooks import payloads
from service.webhooks.service import emit

log = logging.getLogger(__name__)


@dataclass
class AssignResult:
    """The answer of ``assign_coaching`` (and the tail of ``triage_evaluation``)."""

    decision: str
    reason: str
    assignment_id: str = ""
    due_date: str = ""
    target: str = ""


# --- assign --------------------------------------------------------------------------------


def _by_evaluation(
    session: Session, evaluation_id: str, version: int | None = None
) -> CoachingAssignment | None:
    """The assignment that already answers ``version`` of an evaluation (``None``: its latest).

    See ``rules.same_assignment``: version 0 (unknown) matches any live version.
    """
    query = select(CoachingAssignment).where(CoachingAssignment.evaluation_id == evaluation_id)
    rows = session.scalars(query.execution_options(populate_existing=True)).all()
    return rules.answering(rows, version)


def _open_for(session: Session, agent_id: str, key: str) -> CoachingAssignment | None:
    query = select(CoachingAssignment).where(
        CoachingAssignment.agent_id == agent_id,
        CoachingAssignment.section_key == key,
        CoachingAssignment.status == "open",
    )
    return session.scalar(query.execution_options(populate_existing=True))


def _answer(a: CoachingAssignment, decision: str, reason: str) -> AssignResult:
    return AssignResult(decision, reason, a.id, a.due_date.isoformat(), a.target)


def _lock_agent(session: Session, agent_id: str) -> CoachingAgent:
    """Create or lock the agent's row in one upsert; it holds the row lock until commit.

    On PostgreSQL the ON CONFLICT DO UPDATE locks the row, so concurrent assignments for one
    agent queue here; SQLite's BEGIN IMMEDIATE already serializes every writer.
    """
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    insert = insert_fn(CoachingAgent).values(agent_id=agent_id, assignments_total=0)
    upsert = insert.on_conflict_do_update(
        index_elements=["agent_id"], set_={"agent_id": insert.excluded.agent_id}
    ).returning(CoachingAgent)
    options = {"populate_existing": True}
    row: CoachingAgent = session.scalars(upsert, execution_options=options).one()
    return row


def _agent_assignments(session: Session, agent_id: str, now: datetime) -> list[CoachingAssignment]:
    """The agent's open assignments and those of the cap window, in one query."""
    query = select(CoachingAssignment).where(
        CoachingAssignment.agent_id == agent_id,
        CoachingAssignment.status != "cancelled",
        or_(
            CoachingAssignment.status == OPEN,
            CoachingAssignment.created_at > rules.window_start(now),
        ),
    )
    return list(session.scalars(query.execution_options(populate_existing=True)))


def _refusal(
    rows: list[CoachingAssignment],
    req: AssignRequest,
    key: str,
    policy: policies.ResolvedPolicy,
    now: datetime,
) -> AssignResult | None:
    """Why this agent cannot get this assignment now (duplicate, cap, open limit), or None."""
    found = rules.refusal(
        rows,
        evaluation_id=req.evaluation_id,
        version=req.evaluation_version,
        key=key,
        weekly_cap=policy.weekly_cap,
        max_open=policy.max_open,
        now=now,
    )
    if found is None:
        return None
    decision, reason, row = found
    return _answer(row, decision, reason) if row is not None else AssignResult(decision, reason)


def _choose_target(
    settings: Settings,
    genesys: GenesysApi | None,
    policy: policies.ResolvedPolicy,
    target: str,
    module_id: str,
) -> tuple[str, str]:
    why = rules.target_fallback(
        target,
        genesys=genesys is not None,
        module_id=module_id,
        workitem_type_id=policy.target_options.workitem_type_id
        or settings.coaching_workitem_type_id,
        lms_configured=bool(
            settings.lms_webhook_url and settings.lms_webhook_secret.get_secret_value()
        ),
    )
    if why:
        log.warning("coaching target %s unavailable (%s); using local", target, why)
        return "local", why
    return target, ""


def _insert(session: Session, row: CoachingAssignment) -> CoachingAssignment | None:
    """Insert in one round trip; None when a constraint says another request got there first."""
    values = {
        attr.key: getattr(row, attr.key)
        for attr in inspect(CoachingAssignment).column_attrs
        if getattr(row, attr.key) is not None
    }
    inserted: CoachingAssignment | None = insert_or_ignore(session, CoachingAssignment, values)
    return inserted


def _race_lost(session: Session, req: AssignRequest, key: str) -> AssignResult:
    evaluation_id, agent_id = req.evaluation_id, req.agent_id
    existing = _by_evaluation(session, evaluation_id, req.evaluation_version)
    if existing is not None:
        return _answer(existing, "duplicate", "evaluation_already_assigned")
    other = _open_for(session, agent_id, key)
    if other is not None:
        return _answer(other, "duplicate", "open_assignment_exists")
    raise RuntimeError("assignment insert failed without a conflicting row")


def _evaluation_day(evaluation_date: str, now: datetime) -> date:
    if not evaluation_date:
        return now.date()
    day = rules.parse_date(evaluation_date)
    if day is None:
        raise InvalidInput(
            "evaluationDate must be an ISO 8601 date or datetime.",
            errors=[{"field": "evaluationDate", "message": "not an ISO 8601 date"}],
        )
    return day


@dataclass
class AssignRequest:
    """What a trigger knows about the coaching it asks for."""

    agent_id: str
    evaluation_id: str
    section_id: str
    section_name: str = ""
    conversation_id: str = ""
    percentage: float | None = None
    evaluation_date: str = ""
    form_id: str = ""
    module_id: str = ""
    trigger: str = "data_action"
    evaluation_version: int = 0
    target: str = ""  # overrides the policy's target (sentiment coaching books appointments)


def assign_coaching(
    session: Session,
    *,
    settings: Settings,
    genesys: GenesysApi | None,
    request: AssignRequest,
    agent: AgentStatus | None = None,
    queue_on_unavailable: bool = True,
    genesys_budget: float | None = None,
    now: datetime | None = None,
) -> AssignResult:
    """Assign coaching for one evaluation: idempotent, one open per agent and section, capped.

    Raises ``InvalidInput`` for a bad evaluation date and, with ``queue_on_unavailable`` off,
    ``GenesysUnavailable`` when the agent cannot be checked.
    """
    now = now or utcnow()
    if agent is None:
        try:
            agent = within(genesys_budget, lambda: agent_status(genesys, request.agent_id))
        except GenesysUnavailable:
            if not queue_on_unavailable:
                raise
            return _queue_assign(session, request)
    existing = _by_evaluation(session, request.evaluation_id, request.evaluation_version)
    policy = policies.resolve(session, settings, request.form_id)
    early = rules.before_lock(
        existing=existing is not None,
        agent_state=agent.state,
        inactive=agent.inactive,
        percentage=request.percentage,
        threshold=policy.threshold,
    )
    if early is not None and existing is not None:
        return _answer(existing, *early)
    if early is not None and early[0] == "agent_inactive":
        return _archive(session, settings, genesys, request, agent)
    if early is not None:
        return AssignResult(*early)
    return _assign_locked(session, settings, genesys, request, policy, now)


def _assign_locked(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    req: AssignRequest,
    policy: policies.ResolvedPolicy,
    now: datetime,
) -> AssignResult:
    module_id, wanted = policy.section_rule(req.section_id, req.section_name)
    module_id = req.module_id or module_id
    wanted = req.target or wanted
    target, target_reason = _choose_target(settings, genesys, policy, wanted, module_id)
    key = rules.section_key(req.section_id, req.section_name)
    agent_row = _lock_agent(session, req.agent_id)
    # Read under the lock: what concurrent requests for this agent committed is visible now.
    refusal = _refusal(_agent_assignments(session, req.agent_id, now), req, key, policy, now)
    if refusal is not None:
        return refusal
    day = _evaluation_day(req.evaluation_date, now)
    row = CoachingAssignment(
        evaluation_id=req.evaluation_id,
        evaluation_version=req.evaluation_version,
        agent_id=req.agent_id,
        conversation_id=req.conversation_id,
        form_id=req.form_id,
        section_id=req.section_id,
        section_name=req.section_name,
        section_key=key,
        percentage=req.percentage,
        module_id=module_id,
        evaluation_date=day,
        due_date=rules.add_business_days(day, policy.due_business_days, policy.holidays),
        trigger=req.trigger,
        target=target,
        target_reason=target_reason,
        target_options=policy.target_options.model_dump(mode="json"),
        delivery_state="local" if target == "local" else "pending",
        created_at=now,
    )
    inserted = _insert(session, row)
    if inserted is None:
        return _race_lost(session, req, key)
    row = inserted
    emit(session, "coaching.assigned", payloads.assignment(row))
    agent_row.assignments_total += 1
    agent_row.last_assigned_at = now
    if target != "local":
        enqueue(
            session,
            "coaching.deliver",
            {"assignment_id": row.id},
            key=rules.delivery_job_key(row.id),
        )
    session.flush()
    return _answer(row, "assigned", target_reason or "below_threshold")


def _queue_assign(session: Session, req: AssignRequest) -> AssignResult:
    key = f"coaching.assign:{req.evaluation_id}"
    job, _ = enqueue(session, "coaching.assign", dict(vars(req)), key=key)
    if job.state == "done" and job.result:
        return AssignResult(**job.result)  # queued earlier and finished: that is the answer
    return AssignResult("queued", "genesys_unavailable")


def _archive(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    req: AssignRequest,
    agent: AgentStatus,
) -> AssignResult:
    """No assignment for an inactive or deleted agent; their manager gets an archive task."""
    policy = policies.resolve(session, settings, req.form_id)
    type_id = policy.target_options.workitem_type_id or settings.coaching_workitem_type_id
    remote = genesys is not None and bool(type_id and agent.manager_id)
    task = ArchiveTask(
        evaluation_id=req.evaluation_id,
        agent_id=req.agent_id,
        agent_state=agent.state,
        manager_id=agent.manager_id,
        section_id=req.section_id,
        section_name=req.section_name,
        target="genesys_workitem" if remote else "local",
        delivery_state="pending" if remote else "local",
    )
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        task = session.scalars(
            select(ArchiveTask).where(ArchiveTask.evaluation_id == req.evaluation_id)
        ).one()
        remote = False  # the first request already queued its delivery
    if remote:
        payload = {"archive_task_id": task.id, "workitem_type_id": type_id}
        enqueue(session, "coaching.archive", payload, key=f"coaching.archive:{task.id}")
    log.info(
        "agent %s is %s: archive task %s for manager %r",
        req.agent_id,
        agent.state,
        task.id,
        agent.manager_id,
    )
    return AssignResult("agent_inactive", f"agent_{agent.state}", target=task.target)


# --- checks and reads ----------------------------------------------------------------------


def check_duplicate(
    session: Session, *, agent_id: str, section_id: str, evaluation_id: str = ""
) -> CheckDuplicateOut:
    """Is coaching for this evaluation, or an open one for this agent and section, already there?"""
    if evaluation_id:
        existing = _by_evaluation(session, evaluation_id)
        if existing is not None:
            return CheckDuplicateOut(
                duplicate=True,
                reason="evaluation_already_assigned",
                existingAssignmentId=existing.id,
            )
    key = rules.section_key(section_id)
    found = session.scalar(
        select(CoachingAssignment).where(
            CoachingAssignment.agent_id == agent_id,
            CoachingAssignment.status == "open",
            (CoachingAssignment.section_id == section_id) | (CoachingAssignment.section_key == key),
        )
    )
    if found is not None:
        return CheckDuplicateOut(
            duplicate=True, reason="open_assignment_exists", existingAssignmentId=found.id
        )
    return CheckDuplicateOut(duplicate=False, reason="no_open_assignment", existingAssignmentId="")


def normalize_score(
    session: Session, *, settings: Settings, body: NormalizeScoreIn
) -> NormalizeScoreOut:
    """Normalize a raw score to a percentage and decide coach/skip against the threshold."""
    threshold = body.threshold
    if threshold is None:
        threshold = policies.resolve(session, settings, body.formId).threshold
    result = rules.decide_score(body.status, body.score, body.totalPoints, threshold)
    if result.reason == "zero_total_points":
        log.warning(
            "form integrity: evaluation %s (form %r) has 0 total points",
            body.evaluationId,
            body.formId,
            extra={"evaluation_id": body.evaluationId},
        )
    return NormalizeScoreOut(
        evaluationId=body.evaluationId,
        percentage=result.percentage,
        eligible=result.eligible,
        belowThreshold=result.below_threshold,
        threshold=threshold,
        decision=result.decision,
        reason=result.reason,
    )
