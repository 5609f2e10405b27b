"""Calibration use cases: sessions, blind scores, per-session reports, rubric notes.

Blindness lives here, not in the views: every read goes through ``visible_session`` and
``shown_scores`` (which asks ``reveal.may_see_score`` of each score), so no route can hand out
another panelist's score before the reveal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth import divisions
from service.auth.rules import Principal
from service.calibration import reveal, rules, sources
from service.calibration.jobs import AI_SCORE, MIRROR_ONE
from service.calibration.models import (
    CalibrationInteraction,
    CalibrationPanelist,
    CalibrationScore,
    CalibrationSession,
)
from service.calibration.schemas import AI_PREFIX, AnswerIn, ScoreIn, SessionCreateIn
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.jobs.service import enqueue
from service.reliability.ratings import KIND_HUMAN, Answer, Rating
from service.settings import Settings
from service.webhooks import payloads
from service.webhooks.service import emit

ON_BEHALF_ROLES = ("integration", "admin")


def require_staff(principal: Principal) -> None:
    """Raises ``Forbidden`` unless the caller is staff (integration, admin, supervisor)."""
    if not principal.is_staff:
        raise Forbidden("Only QA staff can do this.", code="staff_only")


# --- sessions ---


def get(db: Session, *, session_id: str) -> CalibrationSession:
    """A session by id; raises ``NotFound``."""
    found = db.get(CalibrationSession, session_id)
    if found is None:
        raise NotFound("No such calibration session.", code="session_not_found")
    return found


def panel_ids(sess: CalibrationSession) -> set[str]:
    """The evaluator ids on the session's panel."""
    return {p.evaluator_id for p in sess.panel}


def can_view(sess: CalibrationSession, principal: Principal) -> bool:
    """Staff and the session's own panelists may open a session."""
    return principal.is_staff or (bool(principal.user_id) and principal.user_id in panel_ids(sess))


def visible_session(db: Session, *, session_id: str, principal: Principal) -> CalibrationSession:
    """A session the caller may open; others get the same 404 as a missing one (also a session
    with an interaction of an agent outside the caller's divisions: docs/governance.md)."""
    sess = get(db, session_id=session_id)
    agents = {i.agent_id for i in sess.interactions}
    if not can_view(sess, principal) or divisions.visible_agents(db, principal, agents) != agents:
        raise NotFound("No such calibration session.", code="session_not_found")
    return sess


def list_visible(db: Session, *, principal: Principal) -> list[CalibrationSession]:
    """Every session for staff; for a panelist, the sessions they sit on."""
    query = select(CalibrationSession).order_by(CalibrationSession.created_at.desc())
    if not principal.is_staff:
        query = query.join(CalibrationPanelist).where(
            CalibrationPanelist.evaluator_id == (principal.user_id or "\0")
        )
    if principal.division_scoped:
        outside = select(CalibrationInteraction.id).where(
            CalibrationInteraction.session_id == CalibrationSession.id,
            ~divisions.agent_clause(principal, CalibrationInteraction.agent_id),
        )
        query = query.where(~exists(outside))
    return list(db.scalars(query.limit(500)))


def create(
    db: Session,
    *,
    data: SessionCreateIn,
    principal: Principal,
    settings: Settings,
    genesys: Any = None,
    now: datetime,
) -> CalibrationSession:
    """Create a session with its interactions and panel; raises ``InvalidInput``."""
    require_staff(principal)
    if data.expertId.startswith(AI_PREFIX):
        raise InvalidInput("The expert must be a person.", code="expert_is_ai")
    interactions, seed = _interactions(db, data, settings, genesys, now)
    sess = CalibrationSession(
        name=data.name,
        form_id=data.formId,
        expert_id=data.expertId,
        calibrator_id=data.calibratorId or data.expertId,
        deadline=reveal.aware(data.deadline),
        mirror_to_genesys=data.mirrorToGenesys,
        selection_seed=seed,
        questions=[q.model_dump() for q in data.questions],
        created_by=principal.user_id or principal.subject,
    )
    db.add(sess)
    db.flush()
    for position, item in enumerate(interactions):
        db.add(CalibrationInteraction(session_id=sess.id, position=position, **item))
    humans = dict.fromkeys([data.expertId, *data.evaluatorIds])
    for evaluator in humans:
        db.add(CalibrationPanelist(session_id=sess.id, evaluator_id=evaluator, kind="human"))
    for evaluator in dict.fromkeys(data.aiEvaluatorIds):
        db.add(CalibrationPanelist(session_id=sess.id, evaluator_id=evaluator, kind="ai"))
    db.flush()
    db.refresh(sess)
    if data.mirrorToGenesys:
        for row in sess.interactions:
            key = f"calibration.mirror:{row.id}"
            enqueue(db, MIRROR_ONE, {"interactionId": row.id}, key=key)
    if genesys is not None:  # the AI scores Genesys transcripts against the Genesys form
        enqueue_ai_scores(db, sess, settings)
    return sess


def enqueue_ai_scores(db: Session, sess: CalibrationSession, settings: Settings) -> int:
    """One AI-scoring job per interaction and AI panelist, when ``QM_LLM_*`` is configured."""
    if not (settings.llm_base_url and settings.llm_model):
        return 0  # no automated scoring: the AI's scores stay missing, like an absent panelist
    ais = [p.evaluator_id for p in sess.panel if p.kind == "ai"]
    for row in sess.interactions:
        for evaluator in ais:
            payload = {"sessionId": sess.id, "interactionId": row.id, "evaluatorId": evaluator}
            enqueue(db, AI_SCORE, payload, key=f"calibration.ai:{sess.id}:{row.id}:{evaluator}")
    return len(ais) * len(sess.interactions)


def _interactions(
    db: Session, data: SessionCreateIn, settings: Settings, genesys: Any, now: datetime
) -> tuple[list[dict[str, Any]], int | None]:
    """The session's interactions: given, or drawn from candidates with a recorded seed."""
    if data.selection is None:
        rows = {
            i.conversationId: {
                "conversation_id": i.conversationId,
                "agent_id": i.agentId,
                "handle_seconds": i.handleSeconds,
            }
            for i in data.interactions
        }
        return list(rows.values()), None
    drawn = sources.draw_candidates(
        data.selection, settings=settings, genesys=genesys, now=now, db=db
    )
    picks = [
        {
            "conversation_id": c.conversation_id,
            "agent_id": c.agent_id,
            "handle_seconds": c.handle_seconds,
        }
        for c in drawn["picks"]
    ]
    return picks, int(drawn["seed"])


# --- progress and blindness ---


@dataclass(frozen=True)
class Progress:
    """Where a session stands: status, reveal, and who has submitted how much."""

    status: str
    revealed: bool
    expected: int
    submitted: int
    per_evaluator: dict[str, int]
    revealed_at: datetime | None


def progress(db: Session, sess: CalibrationSession, now: datetime) -> Progress:
    """Count the panel's scores and decide whether the session is revealed."""
    rows = db.execute(
        select(CalibrationScore.evaluator_id, func.count(), func.max(CalibrationScore.submitted_at))
        .where(CalibrationScore.session_id == sess.id)
        .group_by(CalibrationScore.evaluator_id)
    ).all()
    return progress_from(sess, [(e, int(c), t) for e, c, t in rows], now)


def progress_from(
    sess: CalibrationSession, rows: list[tuple[str, int, datetime]], now: datetime
) -> Progress:
    """Progress from (evaluator, score count, latest submission) rows."""
    members = panel_ids(sess)
    per = {e: 0 for e in members}
    last = None
    for evaluator, count, latest in rows:
        if evaluator in members:
            per[evaluator] = int(count)
            last = max(last, reveal.aware(latest)) if last else reveal.aware(latest)
    expected = len(sess.interactions) * len(members)
    submitted = sum(per.values())
    status = reveal.session_status(
        now=now,
        deadline=reveal.aware(sess.deadline),
        closed_at=sess.closed_at,
        expected=expected,
        submitted=submitted,
    )
    revealed_at = {
        "complete": last,
        "closed": sess.closed_at,
        "expired": reveal.aware(sess.deadline),
    }
    return Progress(
        status, status in reveal.REVEALED, expected, submitted, per, revealed_at.get(status)
    )


def close(
    db: Session, *, session_id: str, principal: Principal, now: datetime
) -> CalibrationSession:
    """Reveal a session before its deadline (admin or integration only); idempotent."""
    if principal.role not in ON_BEHALF_ROLES:
        raise Forbidden("Only an admin can close a session early.", code="admin_only")
    sess = visible_session(db, session_id=session_id, principal=principal)
    if sess.closed_at is None:
        sess.closed_at = now
        db.flush()
        emit(db, "calibration.revealed", payloads.calibration(sess, "closed"))
    return sess


def _interaction(sess: CalibrationSession, conversation_id: str) -> CalibrationInteraction:
    for item in sess.interactions:
        if item.conversation_id == conversation_id:
            return item
    raise NotFound("That conversation is not in this session.", code="interaction_not_in_session")


def submit(
    db: Session,
    *,
    session_id: str,
    data: ScoreIn,
    principal: Principal,
    now: datetime,
    source: str = "api",
    external_id: str = "",
) -> CalibrationScore:
    """Record (or, before the reveal, replace) a panelist's score; raises on every refusal.

    A panelist submits their own scores; an admin or the integration may submit for any
    panelist (the AI scorer, imports). Once revealed, scores are locked (``session_revealed``).
    """
    sess = visible_session(db, session_id=session_id, principal=principal)
    evaluator = data.evaluatorId or principal.user_id
    if not evaluator:
        raise InvalidInput("Say whose score this is (evaluatorId).", code="evaluator_required")
    if evaluator != principal.user_id and principal.role not in ON_BEHALF_ROLES:
        raise Forbidden("You can only submit your own scores.", code="not_your_score")
    if evaluator not in panel_ids(sess):
        raise InvalidInput("That evaluator is not on this session's panel.", code="not_on_panel")
    interaction = _interaction(sess, data.conversationId)
    if progress(db, sess, now).revealed:
        raise Conflict("Scores are locked once a session is revealed.", code="session_revealed")
    score = upsert_score(db, sess, interaction, evaluator, data, now, source, external_id)
    if progress(db, sess, now).revealed:  # this score completed the panel
        emit(db, "calibration.revealed", payloads.calibration(sess, "complete"))
    return score


def _answers_json(answers: list[AnswerIn]) -> list[dict[str, Any]]:
    unique = {a.questionId: a for a in answers}
    return [
        {
            "questionId": a.questionId,
            "answerId": a.answerId,
            "score": a.score,
            "maxScore": a.maxScore,
        }
        for a in unique.values()
    ]


def upsert_score(
    db: Session,
    sess: CalibrationSession,
    interaction: CalibrationInteraction,
    evaluator: str,
    data: ScoreIn,
    now: datetime,
    source: str,
    external_id: str,
) -> CalibrationScore:
    values = {
        "total": data.totalScore,
        "answers": _answers_json(data.answers),
        "source": source,
        "external_id": external_id,
        "submitted_at": now,
    }
    row = CalibrationScore(
        session_id=sess.id, interaction_id=interaction.id, evaluator_id=evaluator, **values
    )
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        existing = db.scalar(
            select(CalibrationScore).where(
                CalibrationScore.interaction_id == interaction.id,
                CalibrationScore.evaluator_id == evaluator,
            )
        )
        if existing is None:
            raise
        for key, value in values.items():
            setattr(existing, key, value)
        row = existing
    db.flush()
    return row


def session_scores(db: Session, sess: CalibrationSession) -> list[CalibrationScore]:
    """Every score of the session, unfiltered: pass them through ``shown_scores`` before use."""
    return list(db.scalars(select(CalibrationScore).where(CalibrationScore.session_id == sess.id)))


def shown_scores(
    scores: list[CalibrationScore], state: Progress, viewer_id: str = ""
) -> tuple[list[CalibrationScore], int]:
    """The one blindness gate every read of scores goes through (``reveal.may_see_score``).

    Returns (the scores ``viewer_id`` may see, how many stay hidden). ``viewer_id`` ``""`` is
    a statistic or report for everyone: it sees no score before the reveal and all after.
    """
    shown, hidden = [], 0
    for score in scores:
        if reveal.may_see_score(
            viewer_id=viewer_id, evaluator_id=score.evaluator_id, revealed=state.revealed
        ):
            shown.append(score)
        else:
            hidden += 1
    return shown, hidden


def visible_scores(
    db: Session, *, session_id: str, principal: Principal, now: datetime
) -> tuple[CalibrationSession, Progress, list[CalibrationScore], int]:
    """The scores the caller may see, and how many others stay hidden."""
    sess = visible_session(db, session_id=session_id, principal=principal)
    state = progress(db, sess, now)
    shown, hidden = shown_scores(session_scores(db, sess), state, principal.user_id)
    return sess, state, shown, hidden


# --- reports of one session ---


def to_ratings(sess: CalibrationSession, scores: list[CalibrationScore]) -> list[Rating]:
    """Scores as rating objects, keyed by conversation id, with each panelist's kind."""
    kinds = {p.evaluator_id: p.kind for p in sess.panel}
    conversation = {i.id: i.conversation_id for i in sess.interactions}
    return [
        Rating(
            interaction_id=conversation[s.interaction_id],
            evaluator_id=s.evaluator_id,
            total=s.total,
            answers={
                a["questionId"]: Answer(str(a["answerId"]), a.get("score"), a.get("maxScore"))
                for a in s.answers or []
            },
            kind=kinds.get(s.evaluator_id, KIND_HUMAN),
        )
        for s in scores
        if s.evaluator_id in kinds and s.interaction_id in conversation
    ]


def question_ids(sess: CalibrationSession, ratings: list[Rating]) -> list[str]:
    """The form's questions in order: declared ones first, then any others answered."""
    declared = [str(q["id"]) for q in sess.questions or []]
    seen = dict.fromkeys(declared)
    for r in ratings:
        seen.update(dict.fromkeys(sorted(r.answers)))
    return list(seen)


def statistics(
    db: Session,
    sess: CalibrationSession,
    settings: Settings,
    state: Progress,
    only: str | None = None,
) -> dict[str, Any]:
    """The full statistics of one session, or of one of its conversations (once revealed:
    before, the scores are blind to it too and every figure is empty)."""
    ratings = to_ratings(sess, shown_scores(session_scores(db, sess), state)[0])
    units = [i.conversation_id for i in sess.interactions]
    if only is not None:
        units = [only]
        ratings = [r for r in ratings if r.interaction_id == only]
    report = rules.session_statistics(
        ratings,
        units=units,
        expert_id=sess.expert_id,
        questions=question_ids(sess, ratings),
        aligned_max=settings.calibration_aligned_max,
        flag_over=settings.calibration_variance_flag_over,
    )
    report["summary"] = rules.flat_summary(report, sess.expert_id)
    return report


def report(
    db: Session, *, session_id: str, principal: Principal, settings: Settings, now: datetime
) -> tuple[CalibrationSession, Progress, dict[str, Any] | None]:
    """Progress always; statistics only once revealed (for everyone, staff included)."""
    sess = visible_session(db, session_id=session_id, principal=principal)
    state = progress(db, sess, now)
    return sess, state, statistics(db, sess, settings, state) if state.revealed else None
