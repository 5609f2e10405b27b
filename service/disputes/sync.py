"""Reviews and Genesys: open a review for a released evaluation, take in Genesys's own dispute
events, and write a round's changed answers back to Genesys as a new evaluation version."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.coaching import rules as coaching_rules
from service.coaching.agents import agent_status
from service.coaching.triage import form_of, queue_triage
from service.db import utcnow
from service.disputes import rules
from service.disputes.models import DisputeItem, Review
from service.genesys.api import GenesysApi
from service.settings import Settings

log = logging.getLogger(__name__)

Json = dict[str, Any]


def _when(value: Any) -> datetime | None:
    """A Genesys date-time (text or datetime) as an aware UTC datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _ref(value: Any) -> str:
    return str(value.get("id") or "") if isinstance(value, dict) else ""


def _score(evaluation: Json) -> float | None:
    total = (evaluation.get("answers") or {}).get("totalScore")
    return round(float(total), 2) if isinstance(total, int | float) else None


def _version(evaluation: Json) -> int:
    value = evaluation.get("version")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _insert(session: Session, review: Review) -> Review:
    """Insert once per evaluation; a concurrent insert's row wins."""
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:
        found = session.scalar(select(Review).where(Review.evaluation_id == review.evaluation_id))
        assert found is not None
        return found
    return review


def open_review(
    session: Session,
    *,
    evaluation: Json,
    form: Json | None = None,
    supervisor_id: str = "",
    source: str = "qmloop",
) -> Review:
    """The review of a released Genesys evaluation (``EvaluationResponse`` shape), created
    Pending Agent Review when it has none; returns the existing one otherwise."""
    evaluation_id = str(evaluation.get("id") or "")
    found = session.scalar(select(Review).where(Review.evaluation_id == evaluation_id))
    if found is not None:
        return found
    form = form or (evaluation.get("evaluationForm") or {})
    queue = _dict(evaluation.get("queue"))
    released = _when(evaluation.get("releaseDate")) or _when(evaluation.get("submittedDate"))
    review = Review(
        evaluation_id=evaluation_id,
        conversation_id=_ref(evaluation.get("conversation")),
        agent_id=_ref(evaluation.get("agent")),
        supervisor_id=supervisor_id,
        evaluator_id=_ref(evaluation.get("evaluator")),
        form_id=str(form.get("id") or ""),
        form_name=str(form.get("name") or ""),
        queue_id=str(queue.get("id") or ""),
        queue_name=str(queue.get("name") or ""),
        interaction_at=_when(evaluation.get("conversationDate")),
        released_at=released or utcnow(),
        score=_score(evaluation),
        original_score=_score(evaluation),
        genesys_version=_version(evaluation),
        questions=rules.question_table(evaluation, form if form.get("questionGroups") else None),
        source=source,
    )
    return _insert(session, review)


def open_from_genesys(
    session: Session, *, genesys: GenesysApi, conversation_id: str, evaluation_id: str
) -> Review:
    """Fetch the evaluation, its form and the agent's manager from Genesys and open its review.

    Raises ``GenesysNotFound`` and ``GenesysUnavailable``.
    """
    evaluation = genesys.get_evaluation(conversation_id, evaluation_id)
    evaluation.setdefault("id", evaluation_id)
    evaluation.setdefault("conversation", {"id": conversation_id})
    agent = _ref(evaluation.get("agent"))
    manager = agent_status(genesys, agent).manager_id if agent else ""
    return open_review(
        session, evaluation=evaluation, form=form_of(genesys, evaluation), supervisor_id=manager
    )


# --- events ----------------------------------------------------------------------------------


def take_event(session: Session, *, settings: Settings, event: Json) -> str:
    """Reflect a ``v2.quality.evaluations`` event in the reviews; returns what it did.

    A released (``Finished``) evaluation with an agent gets a review (``sync`` job fills in
    questions and manager); a Genesys dispute (``InReview`` or ``disputeCount`` > 0) shows as
    Pending Supervisor Review with Genesys's dispute count as its rounds; the next ``Finished``
    sends it back to the agent; a deletion closes it (``evaluation_deleted``). Returns ``""``
    (nothing), ``opened``, ``in_review``, ``back_to_agent`` or ``deleted``.
    """
    if not settings.disputes_enabled:
        return ""
    evaluation_id = str(event.get("id") or "")
    status = str(event.get("status") or "").strip().lower()
    disputes = event.get("disputeCount") or 0
    review = session.scalar(select(Review).where(Review.evaluation_id == evaluation_id))
    event_type = str(event.get("eventType") or "")
    if coaching_rules.event_withdrawal(status, event_type) == coaching_rules.DELETED:
        return _deleted(review)
    if review is not None:
        return _follow(review, status, int(disputes))
    if status not in ("finished", "inreview") or not _ref(event.get("agent")):
        return ""
    review = _from_event(session, event, source="genesys" if disputes else "qmloop")
    return _follow(review, status, int(disputes)) or "opened"


def _from_event(session: Session, event: Json, source: str) -> Review:
    from service.jobs.service import enqueue

    evaluation = {
        "id": event.get("id"),
        "conversation": {"id": event.get("conversationId")},
        "agent": event.get("agent"),
        "evaluator": event.get("evaluator"),
        "evaluationForm": {"id": event.get("evaluationFormId"), "name": event.get("formName")},
        "releaseDate": event.get("releaseDate"),
        "conversationDate": event.get("conversationDate"),
        "answers": {"totalScore": (event.get("scoringSet") or {}).get("totalScore")},
        "version": event.get("version"),
    }
    review = open_review(session, evaluation=evaluation, source=source)
    payload = {"evaluation_id": review.evaluation_id, "conversation_id": review.conversation_id}
    enqueue(session, "disputes.sync", payload, key=f"disputes.sync:{review.evaluation_id}")
    return review


def _follow(review: Review, status: str, disputes: int) -> str:
    """Move a review along Genesys's own dispute workflow (never backwards, never from final)."""
    if review.status in rules.FINAL:
        return ""
    if status == "inreview" or (disputes > review.rounds and status != "finished"):
        review.rounds = max(review.rounds, disputes, 1)
        review.status = rules.PENDING_SUPERVISOR
        review.source = "genesys"  # this round is answered in Genesys, not here
        return "in_review"
    if status == "finished" and review.source == "genesys" and disputes >= review.rounds > 0:
        review.rounds = disputes
        review.status = rules.PENDING_AGENT
        return "back_to_agent"
    return ""


def _deleted(review: Review | None) -> str:
    if review is None or review.status in rules.FINAL:
        return ""
    review.status, review.outcome, review.finished_at = rules.CLOSED, rules.DELETED, utcnow()
    return "deleted"


def fill_from_genesys(session: Session, *, genesys: GenesysApi, evaluation_id: str) -> bool:
    """Complete a review opened from an event: questions, form, queue, score, manager."""
    review = session.scalar(select(Review).where(Review.evaluation_id == evaluation_id))
    if review is None:
        return False
    evaluation = genesys.get_evaluation(review.conversation_id, evaluation_id)
    form = form_of(genesys, evaluation) or {}
    manager = agent_status(genesys, review.agent_id).manager_id
    queue = _dict(evaluation.get("queue"))
    review.supervisor_id = review.supervisor_id or manager
    review.form_name = review.form_name or str(form.get("name") or "")
    review.queue_id = review.queue_id or str(queue.get("id") or "")
    review.queue_name = review.queue_name or str(queue.get("name") or "")
    review.interaction_at = review.interaction_at or _when(evaluation.get("conversationDate"))
    review.questions = rules.question_table(evaluation, form or None)
    review.score = _score(evaluation)
    if review.original_score is None:
        review.original_score = review.score
    review.genesys_version = max(review.genesys_version, _version(evaluation))
    return True


# --- write-back ------------------------------------------------------------------------------


def write_back(
    session: Session, *, genesys: GenesysApi | None, review_id: str, round_number: int
) -> Json:
    """Write one answered round's changed answers to the Genesys evaluation (a new version;
    Genesys keeps the earlier one RETRACTED), then queue the coaching re-triage.

    Looks first: when the evaluation already carries every changed answer (an earlier attempt
    was written but its answer lost), nothing is sent again. Returns ``{state, version, sent}``.
    Raises ``GenesysUnavailable`` (the job retries), ``GenesysError``/``GenesysNotFound``.
    """
    review = session.get(Review, review_id)
    if review is None:
        return {"state": "gone", "version": 0, "sent": False}
    changes = {
        i.question_id: i.new_answer_id
        for i in session.scalars(
            select(DisputeItem).where(
                DisputeItem.review_id == review_id,
                DisputeItem.round_number == round_number,
                DisputeItem.decision == "changed",
            )
        )
    }
    if genesys is None:
        review.writeback_state = "not_configured"
        return {"state": "not_configured", "version": review.genesys_version, "sent": False}
    current = genesys.get_evaluation(review.conversation_id, review.evaluation_id)
    answers = current.get("answers") or {}
    sent = not rules.changes_applied(answers, changes)
    if sent:
        body = writeback_body(review, current, changes)
        current = genesys.update_evaluation(review.conversation_id, review.evaluation_id, body)
    _written(session, review, current)
    return {"state": "written", "version": review.genesys_version, "sent": sent}


def writeback_body(review: Review, current: Json, changes: dict[str, str]) -> Json:
    """The PUT body (SDK model ``Evaluation``): Genesys's current answers with the changed
    questions set ({questionId: answerId}), status FINISHED; Genesys recomputes the totals."""
    return {
        "evaluationForm": {"id": review.form_id or _ref(current.get("evaluationForm"))},
        "conversation": {"id": review.conversation_id},
        "agent": {"id": review.agent_id},
        "evaluator": {"id": review.evaluator_id or _ref(current.get("evaluator"))},
        "status": "FINISHED",
        "answers": rules.apply_changes(
            current.get("answers") or {}, changes, review.questions or []
        ),
    }


def _written(session: Session, review: Review, evaluation: Json) -> None:
    """Record the version Genesys now has and queue its re-triage (once per version)."""
    review.genesys_version = _version(evaluation) or review.genesys_version
    review.score = _score(evaluation) if _score(evaluation) is not None else review.score
    review.writeback_state, review.writeback_error = "written", None
    queue_triage(
        session,
        evaluation_id=review.evaluation_id,
        conversation_id=review.conversation_id,
        status=str(evaluation.get("status") or "FINISHED"),
        trigger="dispute",
        version=f"v{review.genesys_version}",
    )
