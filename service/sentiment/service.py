"""Sentiment use cases: judge one finished interaction, find patterns, coach or give kudos.

Services flush, never commit. Each agent's decisions are serialized on the coaching agent row
(the same race-proof lock ``assign_coaching`` uses for its weekly cap), so 32 simultaneous
deliveries of one interaction make exactly one decision and at most one appointment.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.coaching import rules as coaching_rules
from service.coaching import service as coaching
from service.coaching.agents import AgentStatus, agent_status, within
from service.coaching.models import CoachingAssignment
from service.coaching.schemas import EventOut
from service.db import insert_or_ignore, utcnow
from service.genesys.api import GenesysApi, GenesysUnavailable
from service.jobs.service import enqueue
from service.sentiment import policies, rules
from service.sentiment.models import Recognition, SentimentInteraction, SentimentSession
from service.sentiment.policies import ResolvedSentimentPolicy
from service.sentiment.schemas import EvaluateSentimentIn, EvaluateSentimentOut
from service.sentiment.sources import Measured, ended_at, measure
from service.settings import Settings
from service.webhooks import payloads
from service.webhooks.service import emit

log = logging.getLogger(__name__)

TRIGGER = "sentiment"
CAP_WINDOW = timedelta(days=7)
_NS = rules.PATTERN_NAMESPACE


def _out(decision: str, reason: str, consecutive: int = 0) -> EvaluateSentimentOut:
    return EvaluateSentimentOut(
        decision=decision,
        reason=reason,
        consecutive=consecutive,
        assignmentId="",
        appointmentStart="",
        recognitionId="",
    )


def _find(session: Session, conversation_id: str, agent_id: str) -> SentimentInteraction | None:
    query = select(SentimentInteraction).where(
        SentimentInteraction.conversation_id == conversation_id,
        SentimentInteraction.agent_id == agent_id,
    )
    return session.scalar(query.execution_options(populate_existing=True))


def answer_of(session: Session, row: SentimentInteraction) -> EvaluateSentimentOut:
    """The stored decision of an interaction, with the appointment start once it is booked."""
    start = ""
    if row.assignment_id:
        booked = session.scalar(
            select(SentimentSession).where(SentimentSession.assignment_id == row.assignment_id)
        )
        if booked is not None and booked.appointment_start is not None:
            start = booked.appointment_start.isoformat().replace("+00:00", "Z")
    out = _out(row.decision, row.reason, row.consecutive)
    out.assignmentId, out.recognitionId, out.appointmentStart = (
        row.assignment_id,
        row.recognition_id,
        start,
    )
    return out


def evaluate(
    session: Session,
    *,
    settings: Settings,
    genesys: GenesysApi | None,
    body: EvaluateSentimentIn,
    queue_on_unavailable: bool = True,
    budget: float | None = None,
    now: datetime | None = None,
) -> EvaluateSentimentOut:
    """Judge one finished interaction and decide coach/kudos/watch/none/capped/queued/skipped.

    A repeated delivery answers what the first decided. Raises ``GenesysUnavailable`` only with
    ``queue_on_unavailable`` off (the job runner retries).
    """
    now = now or utcnow()
    if not settings.sentiment_enabled:
        return _out("skipped", "feature_off")
    existing = _find(session, body.conversationId, body.agentId)
    if existing is not None:
        return answer_of(session, existing)
    policy = policies.resolve(session, body.queueId)
    if not policy.enabled:
        return _out("skipped", "queue_excluded")
    agent_side = settings.sentiment_agent_side
    try:
        measured, ended = within(budget, lambda: _measure(genesys, body, policy, agent_side))
    except GenesysUnavailable:
        if not queue_on_unavailable:
            raise
        return _queue(session, body)
    body = body.model_copy(update={"endedAt": ended or now})
    return _decide_locked(session, settings, genesys, body, policy, measured, now, budget)


def _measure(
    genesys: GenesysApi | None,
    body: EvaluateSentimentIn,
    policy: ResolvedSentimentPolicy,
    agent_side: bool,
) -> tuple[Measured, datetime | None]:
    """Scores from the body or Genesys; the end time from Genesys when the body has none."""
    measured = measure(
        genesys,
        body.conversationId,
        body.customerScore,
        body.agentScore if agent_side else None,
        policy.thresholds,
        agent_side=agent_side,
    )
    ended = body.endedAt or ended_at(genesys, body.conversationId)
    return measured, ended


def _queue(session: Session, body: EvaluateSentimentIn) -> EvaluateSentimentOut:
    key = f"sentiment.evaluate:{body.conversationId}:{body.agentId}"
    job, _ = enqueue(session, "sentiment.evaluate", body.model_dump(mode="json"), key=key)
    if job.state == "done" and job.result:
        return EvaluateSentimentOut.model_validate(job.result)
    return _out("queued", "genesys_unavailable")


def _items(session: Session, agent_id: str, ended: datetime, window: timedelta) -> list[rules.Item]:
    span = window * 2
    query = select(SentimentInteraction).where(
        SentimentInteraction.agent_id == agent_id,
        SentimentInteraction.ended_at >= ended - span,
        SentimentInteraction.ended_at <= ended + span,
    )
    return [
        rules.Item(r.conversation_id, r.ended_at, r.status, consumed=bool(r.pattern_key))
        for r in session.scalars(query.execution_options(populate_existing=True))
    ]


def _decide_locked(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    body: EvaluateSentimentIn,
    policy: ResolvedSentimentPolicy,
    m: Measured,
    now: datetime,
    budget: float | None,
) -> EvaluateSentimentOut:
    coaching._lock_agent(session, body.agentId)
    # Under the lock: a concurrent delivery of the same interaction has committed by now.
    row = insert_or_ignore(
        session,
        SentimentInteraction,
        {
            "id": str(uuid.uuid4()),
            "conversation_id": body.conversationId,
            "agent_id": body.agentId,
            "queue_id": body.queueId,
            "ended_at": body.endedAt or now,
            "customer_score": m.customer,
            "agent_score": m.agent,
            "customer_phrases": m.customer_phrases,
            "agent_phrases": m.agent_phrases,
            "source": m.source,
            "status": rules.classify(
                m.customer, m.agent, policy.thresholds, agent_side=settings.sentiment_agent_side
            ),
            "created_at": now,
        },
    )
    if row is None:
        found = _find(session, body.conversationId, body.agentId)
        assert found is not None  # the unique key that refused the insert holds this row
        return answer_of(session, found)
    decision, reason = _judge(session, settings, genesys, row, policy, now, budget)
    row.decision, row.reason = decision, reason
    session.flush()
    return answer_of(session, row)


def _judge(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    row: SentimentInteraction,
    policy: ResolvedSentimentPolicy,
    now: datetime,
    budget: float | None,
) -> tuple[str, str]:
    t = policy.thresholds
    decision, reason = rules.first_decision(row.status, row.customer_score, t)
    if decision == "kudos":
        return _kudos(session, settings, row)
    if decision != "pattern":
        return decision, reason
    items = _items(session, row.agent_id, row.ended_at, t.window)
    row.consecutive = rules.consecutive(items, row.conversation_id, t)
    block = rules.pattern_for(items, row.conversation_id, t)
    if not block:
        return "watch", rules.watch_reason(row.consecutive, t)
    if _sentiment_cap_reached(session, row.agent_id, now, policy.weekly_cap):
        return "capped", "sentiment_weekly_cap_reached"
    return _coach(session, settings, genesys, row, policy, block, now, budget)


def _sentiment_cap_reached(session: Session, agent_id: str, now: datetime, cap: int) -> bool:
    """Automated sentiment sessions of the agent in the rolling 7 days (read under the lock)."""
    if cap <= 0:
        return False  # no cap: no rows to read
    created = session.scalars(
        select(CoachingAssignment.created_at).where(
            CoachingAssignment.agent_id == agent_id,
            CoachingAssignment.trigger == TRIGGER,
            CoachingAssignment.status != "cancelled",
            CoachingAssignment.created_at > coaching_rules.window_start(now, CAP_WINDOW),
        )
    )
    return coaching_rules.cap_reached(list(created), now, cap)


def _facilitator(agent: AgentStatus, agent_id: str, pool: tuple[str, ...]) -> str:
    """The agent's manager, else a stable pick from the policy's coach pool, else ""."""
    if agent.manager_id:
        return agent.manager_id
    if not pool:
        return ""
    return pool[uuid.uuid5(_NS, agent_id).int % len(pool)]


def _coach(
    session: Session,
    settings: Settings,
    genesys: GenesysApi | None,
    row: SentimentInteraction,
    policy: ResolvedSentimentPolicy,
    block: list[rules.Item],
    now: datetime,
    budget: float | None,
) -> tuple[str, str]:
    try:
        agent = within(budget, lambda: agent_status(genesys, row.agent_id))
    except GenesysUnavailable:
        agent = AgentStatus("unknown")  # the delivery job looks the manager up again
    leaver = rules.leaver(agent.state, inactive=agent.inactive)
    if leaver is not None:
        return leaver
    evaluation_id, section_name = rules.pattern_assignment(row.agent_id, block)
    request = coaching.AssignRequest(
        agent_id=row.agent_id,
        evaluation_id=evaluation_id,
        section_id=rules.SECTION_ID,
        section_name=section_name,
        conversation_id=row.conversation_id,
        evaluation_date=row.ended_at.date().isoformat(),
        trigger=TRIGGER,
        target="genesys_coaching_appointment" if genesys is not None else "local",
    )
    res = coaching.assign_coaching(
        session, settings=settings, genesys=genesys, request=request, agent=agent, now=now
    )
    outcome = rules.coach_outcome(res.decision, res.reason)
    if outcome[0] != "coach":
        return outcome
    _plan_session(session, row, policy, block, res.assignment_id, agent)
    return outcome


def _plan_session(
    session: Session,
    row: SentimentInteraction,
    policy: ResolvedSentimentPolicy,
    block: list[rules.Item],
    assignment_id: str,
    agent: AgentStatus,
) -> None:
    """Record what the appointment carries and mark the pattern's interactions as used."""
    rows = {
        r.conversation_id: r
        for r in session.scalars(
            select(SentimentInteraction).where(
                SentimentInteraction.agent_id == row.agent_id,
                SentimentInteraction.conversation_id.in_([i.key for i in block]),
            )
        )
    }
    key = rules.pattern_key(row.agent_id, [i.key for i in block])
    for item in block:
        rows[item.key].pattern_key = key
    row.assignment_id = assignment_id
    entries = [(i.ended_at, rows[i.key].customer_score, rows[i.key].agent_score) for i in block]
    insert_or_ignore(
        session,
        SentimentSession,
        {
            "id": str(uuid.uuid4()),
            "assignment_id": assignment_id,
            "agent_id": row.agent_id,
            "queue_id": row.queue_id,
            "facilitator_id": _facilitator(agent, row.agent_id, policy.coach_pool),
            "conversation_ids": [i.key for i in block],
            "description": rules.describe(entries),
            "length_minutes": rules.appointment_minutes(policy.appointment_minutes),
            "created_at": row.created_at,
        },
    )


def _kudos(session: Session, settings: Settings, row: SentimentInteraction) -> tuple[str, str]:
    """One recognition per agent per day (a unique key, not a check-then-insert)."""
    webhook = bool(
        settings.sentiment_kudos_webhook_url
        and settings.sentiment_kudos_webhook_secret.get_secret_value()
    )
    rec = insert_or_ignore(
        session,
        Recognition,
        {
            "id": str(uuid.uuid4()),
            "agent_id": row.agent_id,
            "day": row.ended_at.date(),
            "conversation_id": row.conversation_id,
            "customer_score": row.customer_score,
            "delivery_state": "pending" if webhook else "local",
            "email_state": "pending" if settings.sentiment_kudos_smtp_host else "none",
            "created_at": row.created_at,
        },
    )
    if rec is None:
        return "none", "kudos_daily_limit"
    row.recognition_id = rec.id
    emit(session, "recognition.given", payloads.recognition(rec))
    payload = {"recognition_id": rec.id}
    if webhook:
        enqueue(session, "sentiment.kudos", payload, key=f"kudos:{rec.id}")
    if settings.sentiment_kudos_smtp_host:
        enqueue(session, "sentiment.kudos_email", payload, key=f"kudos-email:{rec.id}")
    return "kudos", "highly_positive_customer"


def take_event(session: Session, *, settings: Settings, event: dict[str, Any]) -> EventOut:
    """Queue the judgment of a ``v2.detail.events.conversation.{id}.acw`` event, once.

    The event carries ``conversationId``, ``userId`` (the agent) and ``queueId``; a repeated
    event finds the same job (or the stored decision) and answers ``duplicate``.
    """
    conversation = str(event.get("conversationId") or "")
    agent = str(event.get("userId") or "")
    if not settings.sentiment_enabled:
        return EventOut(decision="skipped", reason="feature_off", evaluationId="", jobId="")
    if not conversation or not agent:
        return EventOut(
            decision="skipped", reason="no_conversation_or_user", evaluationId="", jobId=""
        )
    if _find(session, conversation, agent) is not None:
        return EventOut(decision="duplicate", reason="already_judged", evaluationId="", jobId="")
    body = EvaluateSentimentIn(
        conversationId=conversation, agentId=agent, queueId=str(event.get("queueId") or "")
    )
    job, created = enqueue(
        session,
        "sentiment.evaluate",
        body.model_dump(mode="json"),
        key=f"sentiment.evaluate:{conversation}:{agent}",
    )
    if not created:
        return EventOut(
            decision="duplicate", reason="already_queued", evaluationId="", jobId=job.id
        )
    return EventOut(decision="queued", reason="sentiment_queued", evaluationId="", jobId=job.id)
