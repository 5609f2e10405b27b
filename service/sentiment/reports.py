"""Sentiment reads: recognitions (agents see their own) and the per-agent balance report."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth import divisions
from service.auth.rules import Principal
from service.coaching.models import CoachingAssignment
from service.db import utcnow
from service.errors import Forbidden
from service.paging import newest_first, where_given
from service.sentiment.models import Recognition
from service.sentiment.schemas import BalanceReport, BalanceRow, RecognitionList, RecognitionOut


def recognitions(
    session: Session, *, principal: Principal, agent_id: str = "", limit: int = 200
) -> RecognitionList:
    """Recognitions newest first; an agent only sees their own."""
    if not principal.is_staff:
        agent_id = principal.user_id or "\0"
    stmt = where_given(select(Recognition), {Recognition.agent_id: agent_id})
    stmt = stmt.where(divisions.agent_clause(principal, Recognition.agent_id))
    return RecognitionList(
        recognitions=[
            RecognitionOut(
                id=r.id,
                agentId=r.agent_id,
                day=r.day.isoformat(),
                conversationId=r.conversation_id,
                customerScore=r.customer_score,
                deliveryState=r.delivery_state,
            )
            for r in newest_first(session, stmt, by=Recognition.created_at, limit=limit)
        ]
    )


def balance(
    session: Session,
    *,
    principal: Principal,
    days: int = 30,
    agent_id: str = "",
    now: datetime | None = None,
) -> BalanceReport:
    """Recognitions vs corrective coaching sessions per agent over ``days`` (supervisors).

    Corrective sessions are every non-cancelled coaching assignment (any trigger) created in
    the window; raises ``Forbidden`` for agents.
    """
    if not principal.is_staff:
        raise Forbidden("The balance report is for supervisors.")
    since = (now or utcnow()) - timedelta(days=days)
    rec_q = select(Recognition.agent_id, func.count()).where(
        Recognition.created_at > since, divisions.agent_clause(principal, Recognition.agent_id)
    )
    cor_q = select(CoachingAssignment.agent_id, func.count()).where(
        CoachingAssignment.created_at > since,
        CoachingAssignment.status != "cancelled",
        divisions.agent_clause(principal, CoachingAssignment.agent_id),
    )
    if agent_id:
        rec_q = rec_q.where(Recognition.agent_id == agent_id)
        cor_q = cor_q.where(CoachingAssignment.agent_id == agent_id)
    recs: dict[str, int] = {
        a: int(n) for a, n in session.execute(rec_q.group_by(Recognition.agent_id))
    }
    cors: dict[str, int] = {
        a: int(n) for a, n in session.execute(cor_q.group_by(CoachingAssignment.agent_id))
    }
    rows = [
        BalanceRow(
            agentId=agent,
            recognitions=recs.get(agent, 0),
            correctiveSessions=cors.get(agent, 0),
            ratio=round(recs.get(agent, 0) / max(1, cors.get(agent, 0)), 3),
        )
        for agent in sorted(set(recs) | set(cors))
    ]
    return BalanceReport(days=days, agents=rows)
