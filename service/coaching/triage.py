"""From a Genesys evaluation to a coaching decision: weakest section, triage, event intake."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.coaching import policies, rules, snapshot
from service.coaching.models import ProcessedEvent
from service.coaching.schemas import EvaluationEventIn, EventOut, WeakestSectionOut
from service.coaching.service import (
    AgentStatus,
    AssignRequest,
    AssignResult,
    agent_status,
    assign_coaching,
    within,
)
from service.coaching.withdraw import supersede, withdraw_evaluation
from service.genesys.api import GenesysApi, GenesysNotFound, GenesysUnavailable
from service.jobs.models import Job
from service.jobs.service import enqueue
from service.settings import Settings

log = logging.getLogger(__name__)

DATE_FIELDS = ("releaseDate", "submittedDate", "changedDate", "assignedDate", "dateCreated")


def form_id_of(evaluation: dict[str, Any]) -> str:
    """The evaluation form (version) id of a Genesys evaluation or a plain QM record."""
    form = evaluation.get("evaluationForm")
    if isinstance(form, dict) and form.get("id"):
        return str(form["id"])
    return str(evaluation.get("evaluationFormId") or evaluation.get("formId") or "")


def form_of(genesys: GenesysApi | None, evaluation: dict[str, Any]) -> dict[str, Any] | None:
    """The form with its question groups: expanded in the evaluation, else fetched."""
    form = evaluation.get("evaluationForm")
    if isinstance(form, dict) and form.get("questionGroups"):
        return form
    form_id = form_id_of(evaluation)
    if genesys is None or not form_id:
        return None
    try:
        return genesys.get_published_form(form_id)
    except GenesysNotFound:
        log.warning("form %s of evaluation %s not found", form_id, evaluation.get("id"))
        return None


def sections_of(genesys: GenesysApi | None, evaluation: dict[str, Any]) -> list[rules.GroupScore]:
    """Scored sections: Genesys ``questionGroupScores`` or a plain ``sections`` list."""
    if isinstance(evaluation.get("sections"), list):
        return rules.simple_sections(evaluation["sections"])
    return rules.group_scores(evaluation, form_of(genesys, evaluation))


def _found(found: bool, reason: str, group: rules.GroupScore | None = None, module: str = ""):
    return WeakestSectionOut(
        found=found,
        sectionId=group.id if group else "",
        sectionName=group.name if group else "",
        sectionPercentage=group.percentage if group else 0.0,
        coachingModuleId=module,
        reason=reason,
    )


def weakest_section(
    session: Session,
    *,
    settings: Settings,
    genesys: GenesysApi | None,
    conversation_id: str,
    evaluation_id: str,
    evaluation: dict[str, Any] | None = None,
    genesys_budget: float | None = None,
) -> WeakestSectionOut:
    """The lowest-scoring section and its coaching module; raises ``GenesysUnavailable``."""
    if evaluation is None and genesys is None:
        return _found(False, "genesys_not_configured")

    def load() -> tuple[dict[str, Any], list[rules.GroupScore]]:
        ev = evaluation
        if ev is None:
            assert genesys is not None
            ev = genesys.get_evaluation(conversation_id, evaluation_id)
        return ev, sections_of(genesys, ev)

    try:
        evaluation, groups = within(genesys_budget, load)
    except GenesysNotFound:
        return _found(False, "evaluation_not_found")
    group = rules.weakest(groups)
    if group is None:
        return _found(False, "no_scored_sections")
    policy = policies.resolve(session, settings, form_id_of(evaluation))
    module, _target = policy.section_rule(group.id, group.name)
    return _found(True, "weakest_section", group, module)


@dataclass
class TriageResult:
    """The answer of ``triage_evaluation``."""

    decision: str
    reason: str
    percentage: float = 0.0
    section_id: str = ""
    section_name: str = ""
    assignment_id: str = ""
    due_date: str = ""
    target: str = ""


def evaluation_version(evaluation: dict[str, Any]) -> int:
    """The evaluation's integer ``version`` (0 when absent or not an integer)."""
    value = evaluation.get("version")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def evaluation_date(evaluation: dict[str, Any]) -> str:
    """The evaluation's date as assignments record it: the first of ``DATE_FIELDS`` set."""
    return next((str(evaluation[f]) for f in DATE_FIELDS if evaluation.get(f)), "")


def queue_triage(
    session: Session,
    *,
    evaluation_id: str,
    conversation_id: str,
    status: str,
    trigger: str,
    version: str = "",
) -> str:
    """Enqueue the triage job once per evaluation (and event version); returns its id.

    Events key it by version too: an evaluation disputed before its first triage ran is
    triaged again when it is finished again (assignment stays one per evaluation anyway).
    """
    payload = {
        "evaluation_id": evaluation_id,
        "conversation_id": conversation_id,
        "status": status,
        "trigger": trigger,
    }
    key = rules.triage_job_key(evaluation_id) + (f":{version}" if version else "")
    job, _ = enqueue(session, "coaching.triage", payload, key=key)
    return job.id


def fetch_evaluation(
    genesys: GenesysApi, conversation_id: str, evaluation_id: str
) -> tuple[dict[str, Any], list[rules.GroupScore], AgentStatus | None]:
    """The evaluation, its scored sections and its agent's status, all from Genesys."""
    evaluation = genesys.get_evaluation(conversation_id, evaluation_id)
    groups = sections_of(genesys, evaluation)
    agent_id = str((evaluation.get("agent") or {}).get("id") or "")
    return evaluation, groups, agent_status(genesys, agent_id) if agent_id else None


def triage_evaluation(
    session: Session,
    *,
    settings: Settings,
    genesys: GenesysApi | None,
    evaluation_id: str,
    conversation_id: str,
    status: str = "",
    trigger: str = "triage",
    queue_on_unavailable: bool = True,
    genesys_budget: float | None = None,
    now: datetime | None = None,
) -> TriageResult:
    """Fetch, score and assign one evaluation; ``queued`` when Genesys cannot answer now.

    With ``queue_on_unavailable`` off (inside the triage job), raises ``GenesysUnavailable``.
    ``now`` is the decision's clock (default: the database clock), e.g. for a test that
    triages history at the time each evaluation was released.
    """
    if status and rules.event_withdrawal(status, ""):
        withdraw_evaluation(session, evaluation_id=evaluation_id, reason=rules.RETRACTED)
        return TriageResult("skipped", rules.RETRACTED)
    if status and not rules.is_final(status):
        return TriageResult("skipped", "not_final")
    if genesys is None:
        return TriageResult("skipped", "genesys_not_configured")
    api = genesys
    try:
        evaluation, groups, agent = within(
            genesys_budget, lambda: fetch_evaluation(api, conversation_id, evaluation_id)
        )
    except GenesysNotFound:
        return TriageResult("skipped", "evaluation_not_found")
    except GenesysUnavailable:
        if not queue_on_unavailable:
            raise
        job_id = queue_triage(
            session,
            evaluation_id=evaluation_id,
            conversation_id=conversation_id,
            status=status,
            trigger=trigger,
        )
        return _queued_or_done(session, job_id)
    evaluation.setdefault("id", evaluation_id)
    context = {"trigger": trigger, "conversation_id": conversation_id}
    return _decide(session, settings, genesys, evaluation, groups, agent, context, now)


def _queued_or_done(session: Session, job_id: str) -> TriageResult:
    """``queued``, unless the triage queued earlier for this evaluation already finished."""
    job = session.get(Job, job_id)
    if job is not None and job.state == "done" and job.result:
        return TriageResult(**job.result)
    return TriageResult("queued", "genesys_unavailable")


def _decide(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    evaluation: dict[str, Any],
    groups: list[rules.GroupScore],
    agent: Any,
    context: dict[str, str],
    now: datetime | None = None,
) -> TriageResult:
    evaluation_id = str(evaluation.get("id") or "")
    status = str(evaluation.get("status") or "")
    version = evaluation_version(evaluation)
    if rules.event_withdrawal(status, ""):
        withdraw_evaluation(
            session,
            evaluation_id=evaluation_id,
            reason=rules.RETRACTED,
            through_version=version or None,
        )
        return TriageResult("skipped", rules.RETRACTED)
    if not rules.is_final(status):
        return TriageResult("skipped", "not_final")
    retracted = evaluation.get("retractedEvaluation")
    retracted_id = str(retracted.get("id") or "") if isinstance(retracted, dict) else ""
    supersede(session, evaluation_id=evaluation_id, version=version, retracted_id=retracted_id)
    possible = rules.overall_percentage(groups)[1]
    form_id = form_id_of(evaluation)
    # For the insights pages (coaching effectiveness, AI-human agreement): a job, by kind name.
    snapshot.queue_snapshot(session, evaluation, groups, form_id, evaluation_date(evaluation))
    # The policy is only read for a scorable form (as before: no policy read for 0 points).
    threshold = policies.resolve(session, settings, form_id).threshold if possible > 0 else 0.0
    pct = rules.evaluation_percentage(evaluation, groups)
    screened = rules.screen(status, pct, groups, threshold)
    if screened.reason == "zero_total_points":
        log.warning("form integrity: evaluation %s has 0 total points", evaluation_id)
    weak = screened.weakest
    if weak is None:
        return TriageResult("skipped", screened.reason, screened.percentage)
    if agent is None:
        return TriageResult("skipped", "no_agent", pct, weak.id, weak.name)
    request = AssignRequest(
        agent_id=str(evaluation["agent"]["id"]),
        evaluation_id=evaluation_id,
        section_id=weak.id,
        section_name=weak.name,
        conversation_id=context["conversation_id"],
        percentage=pct,
        evaluation_date=evaluation_date(evaluation),
        form_id=form_id,
        trigger=context["trigger"],
        evaluation_version=version,
    )
    res: AssignResult = assign_coaching(
        session, settings=settings, genesys=genesys, request=request, agent=agent, now=now
    )
    return TriageResult(
        res.decision,
        res.reason,
        pct,
        weak.id,
        weak.name,
        res.assignment_id,
        res.due_date,
        res.target,
    )


# --- events --------------------------------------------------------------------------------


def unwrap_event(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(topic, event body) of a bare event or a notification envelope ``{topicName, eventBody}``."""
    if isinstance(body.get("eventBody"), dict):
        return str(body.get("topicName") or ""), body["eventBody"]
    return "", body


def take_event(session: Session, *, event: EvaluationEventIn) -> EventOut:
    """Record an evaluation event once per (evaluation, version) and queue its triage."""
    version = rules.event_version(event.model_dump())
    record = ProcessedEvent(evaluation_id=event.id, version=version, status=event.status)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        first = session.scalars(
            select(ProcessedEvent).where(
                ProcessedEvent.evaluation_id == event.id, ProcessedEvent.version == version
            )
        ).one()
        return EventOut(
            decision="duplicate",
            reason="event_already_processed",
            evaluationId=event.id,
            jobId=first.job_id,
        )
    withdrawn = rules.event_withdrawal(event.status, event.eventType or "")
    if withdrawn:
        # A retraction takes back its own version (and older ones); a deletion takes all.
        through = event.version if withdrawn == rules.RETRACTED else None
        withdraw_evaluation(
            session, evaluation_id=event.id, reason=withdrawn, through_version=through
        )
        record.outcome = "withdrawn"
        session.flush()
        return EventOut(decision="withdrawn", reason=withdrawn, evaluationId=event.id, jobId="")
    retracted = event.retractedEvaluation.id if event.retractedEvaluation else ""
    supersede(
        session, evaluation_id=event.id, version=event.version or 0, retracted_id=retracted or ""
    )
    if not rules.is_final(event.status):
        record.outcome = "not_final"
        session.flush()
        return EventOut(decision="skipped", reason="not_final", evaluationId=event.id, jobId="")
    record.job_id = queue_triage(
        session,
        evaluation_id=event.id,
        conversation_id=event.conversationId,
        status=event.status,
        trigger="event",
        version=version,
    )
    record.outcome = "queued"
    session.flush()
    return EventOut(
        decision="queued", reason="triage_queued", evaluationId=event.id, jobId=record.job_id
    )
