"""Coaching endpoints: the five data actions, the evaluation event intake, REST reads."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatch
from typing import Any

from flask import Blueprint, Response, current_app

from service import get_settings
from service.api import data_action as declare
from service.api import parse_body, parse_json_body, parse_query, respond, route, validate_strict
from service.auth.views import current_principal
from service.coaching import policies, reads, service, triage
from service.coaching.schemas import (
    AssignCoachingIn,
    AssignCoachingOut,
    AssignmentList,
    AssignmentOut,
    AssignmentQuery,
    AssignmentStatusIn,
    CheckDuplicateIn,
    CheckDuplicateOut,
    EvaluationEventIn,
    EventOut,
    NormalizeScoreIn,
    NormalizeScoreOut,
    PolicyDoc,
    PolicyList,
    PolicyOut,
    PolicyPutIn,
    TriageEvaluationIn,
    TriageEvaluationOut,
    WeakestSectionIn,
    WeakestSectionOut,
)
from service.db import get_session
from service.errors import BadRequest
from service.genesys import get_genesys
from service.genesys.api import GenesysApi
from service.settings import Settings

# ``app.extensions[EVENT_HOOKS]``: callables (session, event dict) run for every new
# ``v2.quality.evaluations`` event after coaching took it in, in the same transaction.
EVENT_HOOKS = "qm_evaluation_event_hooks"

bp = Blueprint("coaching", __name__)

# Other domains take other topics through the same intake: (fnmatch pattern, handler).
TOPIC_HANDLERS: list[tuple[str, Callable[[dict[str, Any]], Response]]] = []


def _genesys() -> GenesysApi | None:
    return get_genesys()


def _settings() -> Settings:
    return get_settings()


@declare(bp, "normalize-score", NormalizeScoreIn, NormalizeScoreOut, "Normalize a score")
def normalize_score(body: NormalizeScoreIn) -> NormalizeScoreOut:
    """Percentage, eligibility and coach/skip for a raw score."""
    return service.normalize_score(get_session(), settings=_settings(), body=body)


@declare(bp, "weakest-section", WeakestSectionIn, WeakestSectionOut, "Find the weakest section")
def weakest_section(body: WeakestSectionIn) -> WeakestSectionOut:
    """The lowest-scoring section of an evaluation and its coaching module."""
    settings = _settings()
    return triage.weakest_section(
        get_session(),
        settings=settings,
        genesys=_genesys(),
        conversation_id=body.conversationId,
        evaluation_id=body.evaluationId,
        evaluation=body.evaluation,
        genesys_budget=settings.coaching_genesys_budget_seconds,
    )


@declare(bp, "check-duplicate", CheckDuplicateIn, CheckDuplicateOut, "Check for open coaching")
def check_duplicate(body: CheckDuplicateIn) -> CheckDuplicateOut:
    """Whether coaching already exists for the evaluation or the agent's section."""
    return service.check_duplicate(
        get_session(),
        agent_id=body.agentId,
        section_id=body.sectionId,
        evaluation_id=body.evaluationId,
    )


@declare(bp, "assign-coaching", AssignCoachingIn, AssignCoachingOut, "Assign coaching")
def assign_coaching(body: AssignCoachingIn) -> AssignCoachingOut:
    """Assign coaching once per evaluation (see the coaching docs for every decision)."""
    request = service.AssignRequest(
        agent_id=body.agentId,
        evaluation_id=body.evaluationId,
        section_id=body.sectionId,
        section_name=body.sectionName,
        conversation_id=body.conversationId,
        percentage=body.percentage,
        evaluation_date=body.evaluationDate,
    )
    settings = _settings()
    res = service.assign_coaching(
        get_session(),
        settings=settings,
        genesys=_genesys(),
        request=request,
        genesys_budget=settings.coaching_genesys_budget_seconds,
    )
    return AssignCoachingOut(
        decision=res.decision,
        assignmentId=res.assignment_id,
        dueDate=res.due_date,
        target=res.target,
        reason=res.reason,
    )


@declare(bp, "triage-evaluation", TriageEvaluationIn, TriageEvaluationOut, "Triage an evaluation")
def triage_evaluation(body: TriageEvaluationIn) -> TriageEvaluationOut:
    """Fetch, score and assign one evaluation; ``queued`` when Genesys is busy."""
    settings = _settings()
    res = triage.triage_evaluation(
        get_session(),
        settings=settings,
        genesys=_genesys(),
        evaluation_id=body.evaluationId,
        conversation_id=body.conversationId,
        status=body.status,
        genesys_budget=settings.coaching_genesys_budget_seconds,
    )
    return TriageEvaluationOut(
        decision=res.decision,
        percentage=res.percentage,
        sectionId=res.section_id,
        sectionName=res.section_name,
        assignmentId=res.assignment_id,
        dueDate=res.due_date,
        reason=res.reason,
    )


@route(
    bp,
    "post",
    "/api/v1/events/genesys",
    "Take a v2.quality.evaluations event",
    body=EvaluationEventIn,
    response=EventOut,
    tag="coaching",
)
def genesys_event() -> Response:
    """Record an evaluation event once and queue its triage (202), or say duplicate (200)."""
    data = parse_json_body()
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.", code="not_an_object")
    topic, body = triage.unwrap_event(data)
    for pattern, handler in TOPIC_HANDLERS:
        if topic and fnmatch(topic, pattern):
            return handler(body)
    if topic and not topic.startswith("v2.quality.evaluations"):
        out = EventOut(decision="skipped", reason="unsupported_topic", evaluationId="", jobId="")
        return respond(out)
    event = validate_strict(EvaluationEventIn, body)
    out = triage.take_event(get_session(), event=event)
    if out.decision != "duplicate":  # other domains follow evaluations too (disputes)
        for hook in current_app.extensions.get(EVENT_HOOKS, []):
            hook(get_session(), event.model_dump())
    return respond(out, status=202 if out.decision == "queued" else 200)


@route(
    bp,
    "get",
    "/api/v1/assignments",
    "List coaching assignments",
    query=AssignmentQuery,
    response=AssignmentList,
    tag="coaching",
)
def list_assignments() -> Response:
    """Assignments, newest first; agents see only their own."""
    q = parse_query(AssignmentQuery)
    session = get_session()
    rows = reads.list_assignments(session, query=q, principal=current_principal())
    jobs = reads.delivery_jobs(session, rows)
    return respond(AssignmentList(assignments=[reads.out(a, jobs.get(a.id)) for a in rows]))


@route(
    bp,
    "get",
    "/api/v1/assignments/<assignment_id>",
    "One coaching assignment",
    response=AssignmentOut,
    tag="coaching",
)
def get_assignment(assignment_id: str) -> Response:
    """One assignment (agents: only their own)."""
    session = get_session()
    a = reads.get(session, assignment_id=assignment_id, principal=current_principal())
    return respond(reads.out(a, reads.delivery_jobs(session, [a]).get(a.id)))


@route(
    bp,
    "post",
    "/api/v1/assignments/<assignment_id>/status",
    "Start, complete or cancel",
    body=AssignmentStatusIn,
    response=AssignmentOut,
    tag="coaching",
)
def set_status(assignment_id: str) -> Response:
    """Agents start or complete their own assignments; staff start, complete or cancel any."""
    body = parse_body(AssignmentStatusIn)
    a = reads.set_status(
        get_session(),
        assignment_id=assignment_id,
        status=body.status,
        principal=current_principal(),
    )
    return respond(reads.out(a))


@route(bp, "get", "/api/v1/policies", "List coaching policies", response=PolicyList, tag="coaching")
def list_policies() -> Response:
    """Every stored policy, the default (``*``) first."""
    rows = policies.list_policies(get_session())
    return respond(PolicyList(policies=[reads.policy_out(r) for r in rows]))


@route(
    bp,
    "get",
    "/api/v1/policies/<form_id>",
    "One coaching policy",
    response=PolicyOut,
    tag="coaching",
)
def get_policy(form_id: str) -> Response:
    """The stored policy of a form id (``*`` for the default)."""
    return respond(reads.policy_out(policies.get(get_session(), form_id=form_id)))


@route(
    bp,
    "put",
    "/api/v1/policies/<form_id>",
    "Create or replace a coaching policy",
    body=PolicyPutIn,
    response=PolicyOut,
    tag="coaching",
)
def put_policy(form_id: str) -> Response:
    """Store the policy of a form id; the path's form id wins over the body's."""
    body = parse_body(PolicyPutIn)
    doc = validate_strict(PolicyDoc, {**body.policy, "form_id": form_id})
    row = policies.put(get_session(), doc=doc, updated_by=current_principal().subject)
    return respond(reads.policy_out(row))


@route(bp, "delete", "/api/v1/policies/<form_id>", "Delete a coaching policy", tag="coaching")
def delete_policy(form_id: str) -> Response:
    """Remove a stored policy; the form falls back to the default policy."""
    policies.delete(get_session(), form_id=form_id, actor=current_principal().subject)
    return respond({"deleted": form_id})
