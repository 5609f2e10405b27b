"""Coaching session use cases: the projection of automated assignments, the agent's list and
detail, acknowledgement, and what coaches write (sessions, feedback, interactions, examples).

Visibility lives here (``visible``): an agent sees only their own sessions, a supervisor the
sessions of their team and those they coach, admins and evaluators every session; anything else
answers the same 404 as a missing session.
"""

from __future__ import annotations

import time
import uuid
import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, any_, case, cast, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from service.auth import divisions
from service.auth.rules import Principal
from service.coaching.models import CoachingAssignment
from service.errors import Forbidden, NotFound
from service.scoring.models import ScoringRequest
from service.workspace import history, rules
from service.workspace.models import (
    OPEN_SQL,
    BestResponseExample,
    CoachingSession,
    SessionInteraction,
)
from service.workspace.schemas import ExamplePick, InteractionMark, PlanUpdate, SessionCreate

AUTOMATED = "automated"  # coach_id of sessions projected from automated assignments


def among(db: Session, column: Any, ids: Collection[str]) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY(:ids)``), so a team of
    hundreds costs one bind instead of hundreds (compiling and sending them dominated the
    team page, benchmarks/bench_pages.py)."""
    values = list(ids)
    if db.get_bind().dialect.name == "postgresql" and len(values) > 20:
        return column == any_(cast(literal(values, ARRAY(String)), ARRAY(String)))
    return column.in_(values)


# --- the projection of automated coaching assignments ---


def sync_from_assignments(db: Session, agent_ids: Collection[str]) -> int:
    """Give every automated assignment of these agents its one session; returns how many new.

    Idempotent and race-safe (``assignment_id`` is unique: a concurrent insert loses quietly).
    Also carries a completed or cancelled assignment's status over to its open session. One
    query finds both kinds of work (the agent's list runs this on every request).
    """
    if not agent_ids:
        return 0
    closing = and_(
        among(db, CoachingSession.agent_id, agent_ids),
        CoachingSession.status.in_(list(rules.OPEN)),
        CoachingAssignment.status.in_(list(rules.CLOSED)),
    )
    rows = db.execute(
        select(CoachingAssignment, CoachingSession.id)
        .outerjoin(CoachingSession, CoachingSession.assignment_id == CoachingAssignment.id)
        .where(
            among(db, CoachingAssignment.agent_id, agent_ids),
            or_(CoachingSession.id.is_(None), closing),
        )
    ).all()
    missing = [a for a, session_id in rows if session_id is None]
    auto = _auto_scores(db, [a.evaluation_id for a in missing])
    for a in missing:
        db.add(_session_of(a, auto.get(a.evaluation_id)))
    if missing:
        db.flush()
    _close_finished(db, [(sid, a.status) for a, sid in rows if sid is not None])
    return len(missing)


def _session_of(a: CoachingAssignment, auto_score: float | None) -> CoachingSession:
    area = a.section_name or "Coaching"
    sess = CoachingSession(
        id=str(uuid.uuid4()),
        name=f"{area} coaching",
        agent_id=a.agent_id,
        coach_id=AUTOMATED,
        areas=[area],
        assigned_on=a.created_at.date(),
        follow_up_on=a.due_date,
        status=rules.status_from_assignment(a.status, a.started_at is not None),
        assignment_id=a.id,
        created_by=AUTOMATED,
    )
    sess.interactions.append(
        SessionInteraction(
            conversation_id=a.conversation_id,
            evaluation_id=a.evaluation_id,
            interaction_on=a.evaluation_date,
            area=area,
            audit_score=a.percentage,
            auto_score=auto_score,
        )
    )
    return sess


def _auto_scores(db: Session, evaluation_ids: list[str]) -> dict[str, float]:
    """The automated QA percentage of each evaluation we scored (latest request wins)."""
    if not evaluation_ids:
        return {}
    rows = db.execute(
        select(ScoringRequest.evaluation_id, ScoringRequest.percentage)
        .where(ScoringRequest.evaluation_id.in_(evaluation_ids))
        .order_by(ScoringRequest.created_at)
    ).all()
    return {str(e): float(p) for e, p in rows if p is not None}


def _close_finished(db: Session, rows: list[tuple[str, str]]) -> None:
    """Set each (session id, closed assignment status): one UPDATE per status, not one per
    session (the first team page after many closures updated thousands)."""
    by_status: dict[str, list[str]] = {}
    for session_id, status in rows:
        by_status.setdefault(status, []).append(session_id)
    for status, ids in by_status.items():
        for start in range(0, len(ids), 1000):
            db.execute(
                update(CoachingSession)
                .where(CoachingSession.id.in_(ids[start : start + 1000]))
                .values(status=status)
            )


# --- reading ---


def list_for_agent(
    db: Session, agent_id: str, *, status: str = "", sort: str = "assigned", order: str = ""
) -> list[CoachingSession]:
    """One agent's sessions (never group context), filtered by status (``open`` = not closed)
    and sorted by a ``rules.SORTS`` column; at most 500."""
    sync_from_assignments(db, [agent_id])
    query = select(CoachingSession).where(CoachingSession.agent_id == agent_id)
    if status == "open" or status in rules.OPEN:  # review state may change an open status
        query = query.where(CoachingSession.status.in_(list(rules.OPEN)))
    elif status:
        query = query.where(CoachingSession.status == status)
    column: Any = {
        "assigned": CoachingSession.assigned_on,
        "follow_up": CoachingSession.follow_up_on,
        "name": CoachingSession.name,
        "status": CoachingSession.status,
    }[sort]
    descending = (order or rules.SORTS[sort]) == "desc"
    query = query.order_by(column.desc() if descending else column.asc(), CoachingSession.id)
    rows = list(db.scalars(query.options(selectinload(CoachingSession.interactions)).limit(500)))
    apply_review_state(db, rows)
    if status and status != "open":
        rows = [r for r in rows if r.status == status]
    return rows


def apply_review_state(db: Session, sessions: list[CoachingSession]) -> None:
    """Show the review state of each session's linked evaluations (seed 004): Pending Agent /
    Supervisor Review while a review waits (``service.disputes``), back to In progress after."""
    from service.disputes import rules as review_rules
    from service.disputes import service as reviews

    ids = {i.evaluation_id for s in sessions for i in s.interactions if i.evaluation_id}
    statuses = reviews.review_statuses(db, evaluation_ids=ids)
    codes = {label: code for code, label in review_rules.LABELS.items()}
    changed = False
    for sess in sessions:
        linked = [
            statuses[i.evaluation_id] for i in sess.interactions if i.evaluation_id in statuses
        ]
        label = review_rules.coaching_review_status(linked)
        new = rules.review_status(sess.status, codes.get(label))
        if new != sess.status:
            sess.status, changed = new, True
    if changed:
        db.flush()


def list_coached(
    db: Session, coach_id: str, principal: Principal | None = None
) -> list[CoachingSession]:
    """Sessions this person coaches (within ``principal``'s divisions), open ones first then
    newest; at most 200."""
    closed = case((CoachingSession.status.in_(list(rules.CLOSED)), 1), else_=0)
    scope = divisions.agent_clause(principal, CoachingSession.agent_id) if principal else None
    return list(
        db.scalars(
            select(CoachingSession)
            .where(CoachingSession.coach_id == coach_id, *([scope] if scope is not None else []))
            .order_by(closed, CoachingSession.assigned_on.desc(), CoachingSession.id)
            .limit(200)
        )
    )


def visible(
    db: Session, *, session_id: str, principal: Principal, team: Collection[str]
) -> CoachingSession:
    """A session the caller may open; raises ``NotFound`` (the same for missing and others')."""
    sess = db.get(
        CoachingSession,
        session_id,
        options=[
            selectinload(CoachingSession.interactions),
            selectinload(CoachingSession.examples),
        ],
    )
    if (
        sess is None
        or not may_view(sess, principal, team)
        or not divisions.agent_visible(db, principal, sess.agent_id)
    ):
        raise NotFound("No such coaching session.", code="coaching_session_not_found")
    apply_review_state(db, [sess])
    return sess


def may_view(sess: CoachingSession, principal: Principal, team: Collection[str]) -> bool:
    """Agents: their own; supervisors: their team's and those they coach; admins, evaluators and
    the integration: all."""
    if principal.role == "agent":
        return sess.agent_id == principal.user_id
    if principal.role == "supervisor":
        return sess.agent_id in team or sess.coach_id == principal.user_id
    return True


def may_edit(sess: CoachingSession, principal: Principal, team: Collection[str]) -> bool:
    """Everyone who may view it except the agent (seed 004: read-only for the agent)."""
    return principal.role != "agent" and may_view(sess, principal, team)


# --- the agent ---


def acknowledge(db: Session, sess: CoachingSession, principal: Principal, now: datetime) -> None:
    """The agent acknowledges their session (idempotent); raises ``Forbidden`` for anyone else."""
    if sess.agent_id != principal.user_id:
        raise Forbidden("Only the agent acknowledges a session.", code="not_your_session")
    if sess.acknowledged_at is None:
        sess.acknowledged_at = now
        sess.status = rules.after_acknowledge(sess.status)
        db.flush()


# --- coaches ---


def _require_coach(principal: Principal) -> None:
    if principal.role == "agent":
        raise Forbidden("Only supervisors and QA staff coach.", code="coach_only")


def create_sessions(
    db: Session, data: SessionCreate, *, principal: Principal, team: Collection[str], today: date
) -> list[CoachingSession]:
    """One session per agent (a group shares a hidden ``group_id``); a supervisor may only
    coach their team (``Forbidden`` ``not_your_team``)."""
    _require_coach(principal)
    agents = list(dict.fromkeys(data.agents))
    if principal.role == "supervisor" and any(a not in team for a in agents):
        raise Forbidden("You can only coach your own team.", code="not_your_team")
    if divisions.visible_agents(db, principal, agents) != set(agents):
        raise NotFound("No such agent in your divisions.", code="agent_not_found")
    group = str(uuid.uuid4()) if len(agents) > 1 else ""
    made = []
    for agent in agents:
        sess = CoachingSession(
            name=data.name,
            agent_id=agent,
            coach_id=principal.user_id,
            areas=data.areas,
            assigned_on=today,
            follow_up_on=data.follow_up_on,
            feedback=data.feedback,
            action_plan=data.action_plan,
            group_id=group,
            created_by=principal.user_id,
        )
        db.add(sess)
        made.append(sess)
    db.flush()
    return made


def update_plan(db: Session, sess: CoachingSession, data: PlanUpdate, *, actor: str) -> None:
    """Write feedback and action plan (and a status and follow-up date, when given); each
    changed field goes into the session's history as ``actor``'s edit."""
    after: dict[str, Any] = {"feedback": data.feedback, "action_plan": data.action_plan}
    if data.status:
        after["status"] = data.status
    if "follow_up_on" in data.model_fields_set:
        after["follow_up_on"] = data.follow_up_on
    before = {name: getattr(sess, name) for name in after}
    history.record(db, sess, actor, rules.plan_changes(before, after))
    for name, value in after.items():
        setattr(sess, name, value)
    db.flush()


def mark_interaction(
    db: Session, sess: CoachingSession, data: InteractionMark, *, actor: str
) -> None:
    """Mark one interaction for coaching (recorded in the history as ``actor``'s edit); its
    automated score is looked up when not given."""
    auto = data.auto_score
    if auto is None and data.evaluation_id:
        auto = _auto_scores(db, [data.evaluation_id]).get(data.evaluation_id)
    row = SessionInteraction(**{**data.model_dump(), "auto_score": auto}, session_id=sess.id)
    sess.interactions.append(row)
    db.flush()
    history.added(db, sess, actor, "interaction", row.id)


def add_example(db: Session, sess: CoachingSession, data: ExamplePick, *, actor: str) -> None:
    """Attach a best-response example (recorded in the history as ``actor``'s edit)."""
    row = BestResponseExample(**data.model_dump(), session_id=sess.id)
    sess.examples.append(row)
    db.flush()
    history.added(db, sess, actor, "example", row.id)


@dataclass(frozen=True)
class Suggestion:
    """A best answer to a question, from another scored interaction, with verified evidence."""

    conversation_id: str
    question_id: str
    quote: str
    score: float


def suggestions(db: Session, sess: CoachingSession, limit: int = 5) -> list[Suggestion]:
    """Best-response candidates for the questions this session's evaluations scored below full.

    Source: automated scores (``scoring_requests.result``): other interactions where the same
    question got its full score with every evidence quote verified, newest first. Quotes come
    from the stored (already redacted) transcripts the scorer saw.
    """
    weak = _weak_questions(db, [i.evaluation_id for i in sess.interactions if i.evaluation_id])
    if not weak:
        return []
    rows = db.scalars(
        select(ScoringRequest)
        .where(ScoringRequest.status == "scored", ScoringRequest.agent_id != sess.agent_id)
        .order_by(ScoringRequest.created_at.desc())
        .limit(200)
    ).all()
    found: list[Suggestion] = []
    for row in rows:
        for item in (row.result or {}).get("items", []):
            if item.get("id") in weak and _best_verified(item):
                found.append(_suggestion(row.conversation_id, item))
                if len(found) >= limit:
                    return found
    return found


def _weak_questions(db: Session, evaluation_ids: list[str]) -> set[str]:
    if not evaluation_ids:
        return set()
    results = db.scalars(
        select(ScoringRequest.result).where(ScoringRequest.evaluation_id.in_(evaluation_ids))
    ).all()
    return {
        str(item["id"])
        for result in results
        for item in (result or {}).get("items", [])
        if item.get("score", 0) < item.get("maxScore", 0)
    }


def _best_verified(item: dict[str, Any]) -> bool:
    evidence = item.get("evidence") or []
    return (
        bool(item.get("verified"))
        and item.get("maxScore", 0) > 0
        and item.get("score") == item.get("maxScore")
        and bool(evidence)
        and all(e.get("verified") for e in evidence)
    )


def _suggestion(conversation_id: str, item: dict[str, Any]) -> Suggestion:
    quote = " … ".join(str(e["quote"]) for e in item["evidence"])
    return Suggestion(conversation_id, str(item["id"]), quote, float(item["score"]))


# --- the team ---


@dataclass(frozen=True)
class AgentRow:
    """One agent on the team page."""

    agent_id: str
    open_sessions: int
    overdue: int


# Per database engine: hash of a team -> monotonic time of its last projection.
_TEAM_SYNCED: weakref.WeakKeyDictionary[Any, dict[int, float]] = weakref.WeakKeyDictionary()
TEAM_SYNC_SECONDS = 10.0


def team_overview(db: Session, agent_ids: Iterable[str], today: date) -> dict[str, AgentRow]:
    """Open sessions and overdue follow-ups per agent, in one grouped query over the open
    sessions only (the partial index ``ix_coaching_sessions_open``; agents without any keep 0).

    The projection of automated assignments runs for a team at most every
    ``TEAM_SYNC_SECONDS`` per process (an agent's own list always runs it), so the overview
    may lag a new automated assignment by that long.
    """
    ids = list(agent_ids)
    synced = _TEAM_SYNCED.setdefault(db.get_bind(), {})
    key, now = hash(frozenset(ids)), time.monotonic()
    if now - synced.get(key, -1e9) >= TEAM_SYNC_SECONDS:
        sync_from_assignments(db, ids)
        if len(synced) > 10_000:
            synced.clear()
        synced[key] = now
    overdue = CoachingSession.follow_up_on < today
    rows = db.execute(
        select(
            CoachingSession.agent_id,
            func.count(),
            func.count().filter(overdue),
        )
        .where(among(db, CoachingSession.agent_id, ids), text(OPEN_SQL))
        .group_by(CoachingSession.agent_id)
    ).all()
    out = {a: AgentRow(a, 0, 0) for a in ids}
    for agent, n_open, n_overdue in rows:
        out[agent] = AgentRow(agent, int(n_open or 0), int(n_overdue or 0))
    return out


# --- evaluations behind sessions ---


@dataclass(frozen=True)
class EvaluationRef:
    """What we know locally about an evaluation: whose it is and its conversation."""

    evaluation_id: str
    agent_id: str
    conversation_id: str


def evaluation_ref(db: Session, evaluation_id: str) -> EvaluationRef | None:
    """Find an evaluation in coaching assignments, session interactions or scoring requests."""
    a = db.execute(
        select(CoachingAssignment.agent_id, CoachingAssignment.conversation_id)
        .where(CoachingAssignment.evaluation_id == evaluation_id)
        .limit(1)
    ).first()
    if a is not None:
        return EvaluationRef(evaluation_id, str(a[0]), str(a[1]))
    s = db.execute(
        select(CoachingSession.agent_id, SessionInteraction.conversation_id)
        .join(SessionInteraction, SessionInteraction.session_id == CoachingSession.id)
        .where(SessionInteraction.evaluation_id == evaluation_id)
        .limit(1)
    ).first()
    if s is not None:
        return EvaluationRef(evaluation_id, str(s[0]), str(s[1]))
    r = db.execute(
        select(ScoringRequest.agent_id, ScoringRequest.conversation_id)
        .where(ScoringRequest.evaluation_id == evaluation_id)
        .limit(1)
    ).first()
    return EvaluationRef(evaluation_id, str(r[0]), str(r[1])) if r is not None else None


def scoring_result(db: Session, evaluation_id: str) -> dict[str, Any] | None:
    """The newest automated scoring result behind an evaluation we wrote, or None."""
    result = db.scalar(
        select(ScoringRequest.result)
        .where(ScoringRequest.evaluation_id == evaluation_id, ScoringRequest.result.is_not(None))
        .order_by(ScoringRequest.created_at.desc())
        .limit(1)
    )
    return dict(result) if result else None
