"""Accept and dispute: what agents and supervisors do with a review (see ``__init__``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.auth import divisions
from service.auth.rules import Principal
from service.db import utcnow
from service.disputes import rules
from service.disputes.models import DisputeItem, DisputeRound, Review
from service.disputes.present import detail_of, row_of
from service.disputes.schemas import AnswerItemIn, DisputedQuestionIn, ReviewOut, ReviewRow
from service.errors import Conflict, InvalidInput, NotFound
from service.jobs.service import enqueue
from service.settings import Settings
from service.webhooks import payloads
from service.webhooks.service import emit

ALL_ROWS = ("integration", "admin")
LIST_LIMIT = 500


def limits_of(settings: Settings) -> rules.Limits:
    """The caps from the settings."""
    return rules.Limits(settings.dispute_max_rounds, settings.dispute_window_days)


# --- who sees what ---------------------------------------------------------------------------


def _scope(principal: Principal, team: Collection[str] | None) -> ColumnElement[bool] | None:
    """The rows a caller may see: ``_role_scope`` within the caller's divisions."""
    own = _role_scope(principal, team)
    if not principal.division_scoped:
        return own
    in_divisions = divisions.agent_clause(principal, Review.agent_id)
    return in_divisions if own is None else and_(own, in_divisions)


def _role_scope(principal: Principal, team: Collection[str] | None) -> ColumnElement[bool] | None:
    """Everything (None) for admins and the integration, the team (the agent's Genesys manager,
    or ``team`` agent ids) for a supervisor, own rows for others."""
    if principal.role in ALL_ROWS:
        return None
    if principal.role == "supervisor":
        mine = Review.supervisor_id == principal.user_id
        return or_(mine, Review.agent_id.in_(list(team))) if team else mine
    if principal.role == "agent":
        return Review.agent_id == principal.user_id
    return false()


def visible(review: Review, principal: Principal, team: Collection[str] | None = None) -> bool:
    """True when the caller may see this review (the same rule as the list filters)."""
    if principal.role in ALL_ROWS:
        return True
    if principal.role == "supervisor":
        return review.supervisor_id == principal.user_id or review.agent_id in (team or ())
    return principal.role == "agent" and review.agent_id == principal.user_id


def _get(
    session: Session,
    evaluation_id: str,
    principal: Principal,
    team: Collection[str] | None,
    *,
    lock: bool = False,
) -> Review:
    """The review, locked for update when asked; raises ``NotFound`` (also for someone else's)."""
    query = select(Review).where(Review.evaluation_id == evaluation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    review = session.scalar(query)
    if (
        review is None
        or not visible(review, principal, team)
        or not divisions.agent_visible(session, principal, review.agent_id)
    ):
        raise NotFound("No such review.", code="review_not_found")
    return review


# --- reading ---------------------------------------------------------------------------------


def _tab_filter(tab: str, cutoff: datetime) -> ColumnElement[bool]:
    expired = and_(Review.status == rules.PENDING_AGENT, Review.released_at < cutoff)
    if tab == "pending":
        return and_(Review.status.in_(rules.OPEN), not_(expired))
    if tab == "disputes":
        return Review.rounds > 0
    return or_(Review.status.in_(rules.FINAL), expired)


def list_reviews(
    session: Session,
    *,
    principal: Principal,
    settings: Settings,
    tab: str = "pending",
    agent_id: str = "",
    team: Collection[str] | None = None,
    now: datetime | None = None,
) -> list[ReviewRow]:
    """One review tab (``pending``, ``disputes``, ``resolved``), newest interaction first.

    Agents get their own reviews (``agent_id`` ignored); supervisors their team's; admins and
    the integration everyone's. Raises ``InvalidInput`` for an unknown tab.
    """
    if tab not in rules.TABS:
        raise InvalidInput(f"tab must be one of {', '.join(rules.TABS)}.", code="unknown_tab")
    now = now or utcnow()
    limits = limits_of(settings)
    query = select(Review).where(_tab_filter(tab, now - timedelta(days=limits.window_days)))
    scope = _scope(principal, team)
    if scope is not None:
        query = query.where(scope)
    if agent_id and principal.role != "agent":
        query = query.where(Review.agent_id == agent_id)
    order = (Review.interaction_at.desc().nulls_last(), Review.released_at.desc(), Review.id)
    rows = session.scalars(query.order_by(*order).limit(LIST_LIMIT)).all()
    return [row_of(r, now, limits) for r in rows]


def dispute_queue(
    session: Session,
    *,
    principal: Principal,
    settings: Settings,
    team: Collection[str] | None = None,
    now: datetime | None = None,
) -> list[ReviewRow]:
    """Reviews waiting for a supervisor (Pending Supervisor Review), oldest first: a
    supervisor's team (their Genesys direct reports, or ``team``), everyone's for admins."""
    query = select(Review).where(Review.status == rules.PENDING_SUPERVISOR)
    scope = _scope(principal, team)
    if scope is not None:
        query = query.where(scope)
    rows = session.scalars(query.order_by(Review.updated_at, Review.id).limit(LIST_LIMIT)).all()
    return [row_of(r, now or utcnow(), limits_of(settings)) for r in rows]


def waiting_counts(
    session: Session, *, principal: Principal, team: Collection[str] | None = None
) -> dict[str, int]:
    """{agent id: reviews waiting for a supervisor}: the reviews ``dispute_queue`` lists, counted
    per agent in one grouped query (the team page needs the numbers, not the rows)."""
    query = select(Review.agent_id, func.count()).where(Review.status == rules.PENDING_SUPERVISOR)
    scope = _scope(principal, team)
    if scope is not None:
        query = query.where(scope)
    return {str(a): int(n) for a, n in session.execute(query.group_by(Review.agent_id)).all()}


def get_review(
    session: Session,
    *,
    evaluation_id: str,
    principal: Principal,
    settings: Settings,
    team: Collection[str] | None = None,
    now: datetime | None = None,
) -> ReviewOut:
    """One review with questions, rounds and the caller's next actions; raises ``NotFound``."""
    review = _get(session, evaluation_id, principal, team)
    return detail_of(session, review, principal, now or utcnow(), limits_of(settings))


def review_statuses(session: Session, *, evaluation_ids: Collection[str]) -> dict[str, str]:
    """{evaluation id: stored status} of the reviews of these evaluations (absent: no review)."""
    if not evaluation_ids:
        return {}
    query = select(Review.evaluation_id, Review.status).where(
        Review.evaluation_id.in_(list(evaluation_ids))
    )
    return {eid: status for eid, status in session.execute(query).all()}


def coaching_review_status(session: Session, *, evaluation_ids: Collection[str]) -> str:
    """The review status a coaching session or assignment shows for its linked evaluations:
    ``Pending Agent Review``, ``Pending Supervisor Review`` or "" (no pending review action)."""
    statuses = review_statuses(session, evaluation_ids=evaluation_ids).values()
    return rules.coaching_review_status(statuses)


# --- acting ----------------------------------------------------------------------------------


def _settle(review: Review, now: datetime, limits: rules.Limits) -> None:
    """Apply a window expiry that happened since the last action (reads compute it too)."""
    status, outcome = rules.effective(review.status, review.released_at, now, limits)
    if status != review.status:
        review.status, review.outcome, review.finished_at = status, outcome, now


def _refused(reason: str) -> Conflict:
    messages = {
        f"not_{rules.PENDING_AGENT}": "The review is not waiting for the agent.",
        f"not_{rules.PENDING_SUPERVISOR}": "The review is not waiting for a supervisor.",
        rules.ROUND_CAP: "No dispute rounds are left for this evaluation.",
        rules.WINDOW: "The dispute window of this evaluation has passed.",
    }
    return Conflict(messages.get(reason, reason), code=reason)


def _why(review: Review, reason: str) -> str:
    """A closed review says why it closed (``window_closed``, ``round_cap_reached``)."""
    closed_by_cap = review.outcome in (rules.WINDOW, rules.ROUND_CAP)
    return review.outcome if review.status == rules.CLOSED and closed_by_cap else reason


def _require_agent(review: Review, principal: Principal) -> None:
    if principal.role != "agent" or review.agent_id != principal.user_id:
        raise NotFound("No such review.", code="review_not_found")


def accept(
    session: Session,
    *,
    evaluation_id: str,
    principal: Principal,
    settings: Settings,
    now: datetime | None = None,
) -> ReviewOut:
    """The evaluation's agent accepts (acknowledges) it: Resolved. Raises ``NotFound`` for
    anyone else and ``Conflict`` (``not_pending_agent_review``) when it is not theirs to act on."""
    now, limits = now or utcnow(), limits_of(settings)
    review = _get(session, evaluation_id, principal, None, lock=True)
    _require_agent(review, principal)
    _settle(review, now, limits)
    reason = rules.refuse_accept(review.status)
    if reason:
        raise _refused(_why(review, reason))
    review.status, review.outcome, review.finished_at = rules.RESOLVED, rules.ACCEPTED, now
    session.flush()
    return detail_of(session, review, principal, now, limits)


def _check_questions(review: Review, items: list[DisputedQuestionIn]) -> dict[str, dict]:
    known = {q["questionId"]: q for q in review.questions or []}
    ids = [i.questionId for i in items]
    errors = [
        {"field": f"questions.{n}.questionId", "message": "not a question of this evaluation"}
        for n, qid in enumerate(ids)
        if qid not in known
    ]
    if errors:
        raise InvalidInput("Dispute questions of this evaluation.", errors=errors)
    if len(set(ids)) != len(ids):
        raise InvalidInput("Name each question once.", code="duplicate_question")
    return known


def dispute(
    session: Session,
    *,
    evaluation_id: str,
    principal: Principal,
    settings: Settings,
    questions: list[DisputedQuestionIn],
    now: datetime | None = None,
) -> ReviewOut:
    """The agent disputes one or more questions, each with a reason: a new round, Pending
    Supervisor Review. Raises ``NotFound``, ``InvalidInput`` (unknown or repeated question) and
    ``Conflict`` (``not_pending_agent_review``, ``round_cap_reached``, ``window_closed``)."""
    now, limits = now or utcnow(), limits_of(settings)
    review = _get(session, evaluation_id, principal, None, lock=True)
    _require_agent(review, principal)
    _settle(review, now, limits)
    reason = rules.refuse_dispute(review.status, review.rounds, review.released_at, now, limits)
    if reason:
        raise _refused(_why(review, reason))
    known = _check_questions(review, questions)
    number = review.rounds + 1
    try:
        with session.begin_nested():
            session.add(
                DisputeRound(review_id=review.id, number=number, opened_by=principal.user_id)
            )
    except IntegrityError:
        raise Conflict("This dispute round is already open.", code="round_already_open") from None
    for item in questions:
        question = known[item.questionId]
        session.add(
            DisputeItem(
                review_id=review.id,
                round_number=number,
                question_id=item.questionId,
                question_group_id=question["questionGroupId"],
                answer_id=question["answerId"],
                reason=item.reason,
            )
        )
    review.rounds, review.status = number, rules.PENDING_SUPERVISOR
    session.flush()
    opened = list(_open_items(session, review).values())
    emit(session, "dispute.opened", payloads.dispute(review, opened, "qmloop"))
    return detail_of(session, review, principal, now, limits)


def _open_items(session: Session, review: Review) -> dict[str, DisputeItem]:
    query = select(DisputeItem).where(
        DisputeItem.review_id == review.id, DisputeItem.round_number == review.rounds
    )
    return {i.question_id: i for i in session.scalars(query)}


def _check_answers(
    review: Review, items: dict[str, DisputeItem], answers: list[AnswerItemIn]
) -> None:
    known = {q["questionId"]: q for q in review.questions or []}
    errors = []
    for n, answer in enumerate(answers):
        item = items.get(answer.questionId)
        question = known.get(answer.questionId) if item else None
        problem = rules.refuse_change(question, answer.decision, answer.answerId)
        if problem:
            errors.append({"field": f"answers.{n}", "message": problem})
    if errors:
        raise InvalidInput("Answer the disputed questions of the open round.", errors=errors)
    if len({a.questionId for a in answers}) != len(answers):
        raise InvalidInput("Answer each question once.", code="duplicate_question")
    done = [a.questionId for a in answers if items[a.questionId].decision]
    if done:
        raise Conflict(f"Already answered: {', '.join(done)}.", code="already_answered")


def answer(
    session: Session,
    *,
    evaluation_id: str,
    principal: Principal,
    settings: Settings,
    answers: list[AnswerItemIn],
    team: Collection[str] | None = None,
    now: datetime | None = None,
) -> ReviewOut:
    """A supervisor (of the agent) or an admin answers disputed questions of the open round:
    uphold, or change to another answer option, each with a comment. When every question of the
    round is answered the round ends: changed answers are queued for write-back to Genesys and
    the review goes back to the agent, or Closed at the round cap or past the window.
    Raises ``NotFound``, ``InvalidInput`` and ``Conflict`` (``not_pending_supervisor_review``,
    ``already_answered``)."""
    now, limits = now or utcnow(), limits_of(settings)
    if principal.role not in ("supervisor", "admin"):
        raise NotFound("No such review.", code="review_not_found")
    review = _get(session, evaluation_id, principal, team, lock=True)
    if review.status != rules.PENDING_SUPERVISOR:
        raise _refused(f"not_{rules.PENDING_SUPERVISOR}")
    items = _open_items(session, review)
    if not items:
        raise Conflict("This dispute is handled in Genesys Cloud.", code="dispute_in_genesys")
    _check_answers(review, items, answers)
    for a in answers:
        item = items[a.questionId]
        item.decision = "changed" if a.decision == rules.CHANGE else "upheld"
        item.new_answer_id = a.answerId if a.decision == rules.CHANGE else ""
        item.comment, item.decided_by, item.decided_at = a.comment, principal.user_id, now
    if all(i.decision for i in items.values()):
        _end_round(session, review, list(items.values()), principal, now, limits)
    session.flush()
    return detail_of(session, review, principal, now, limits)


def _end_round(
    session: Session,
    review: Review,
    items: list[DisputeItem],
    principal: Principal,
    now: datetime,
    limits: rules.Limits,
) -> None:
    number = review.rounds
    current = session.scalars(
        select(DisputeRound).where(
            DisputeRound.review_id == review.id, DisputeRound.number == number
        )
    ).one()
    current.answered_by, current.answered_at = principal.user_id, now
    changes = {i.question_id: i.new_answer_id for i in items if i.decision == "changed"}
    if changes:
        review.questions = _with_answers(review.questions or [], changes)
        job, _ = enqueue(
            session,
            "disputes.writeback",
            {"review_id": review.id, "round": number},
            key=rules.writeback_key(review.evaluation_id, number),
        )
        current.writeback_job_id = job.id
        review.writeback_state = "pending"
    review.status, review.outcome = rules.after_round(number, review.released_at, now, limits)
    if review.status in rules.FINAL:
        review.finished_at = now
    emit(session, "dispute.resolved", payloads.dispute(review, items, "qmloop"))


def _with_answers(questions: list[Any], changes: dict[str, str]) -> list[Any]:
    """The question table with the changed answers (their text and option value)."""
    out = []
    for q in questions:
        new = changes.get(q["questionId"])
        option = next((o for o in q["options"] if o["id"] == new), None) if new else None
        if option is not None:
            q = {**q, "answerId": new, "answerText": option["text"], "score": option["value"]}
            q["markedNA"] = False
        out.append(q)
    return out
