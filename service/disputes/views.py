"""Reviews API: the agent's review tabs, accept and dispute, the supervisor's queue and answers."""

from __future__ import annotations

from flask import Blueprint, Response

from service import get_settings
from service.api import parse_body, parse_query, respond, route
from service.auth.views import current_principal
from service.db import get_session
from service.disputes import service, sync
from service.disputes.schemas import (
    AnswerIn,
    DisputeIn,
    OpenReviewIn,
    QueueOut,
    ReviewList,
    ReviewOut,
    ReviewQuery,
)
from service.errors import Conflict
from service.genesys import get_genesys

bp = Blueprint("disputes", __name__)
BASE = "/api/v1/reviews"


@route(bp, "get", BASE, "An agent's review tab", query=ReviewQuery, response=ReviewList)
def list_reviews() -> Response:
    """Pending Review, Disputes or Resolved; agents see only their own."""
    q = parse_query(ReviewQuery)
    rows = service.list_reviews(
        get_session(),
        principal=current_principal(),
        settings=get_settings(),
        tab=q.tab,
        agent_id=q.agentId,
    )
    return respond(ReviewList(tab=q.tab, reviews=rows))


@route(bp, "get", f"{BASE}/queue", "A supervisor's dispute queue", response=QueueOut)
def dispute_queue() -> Response:
    """Reviews of the caller's team waiting for a supervisor's answers."""
    rows = service.dispute_queue(
        get_session(), principal=current_principal(), settings=get_settings()
    )
    return respond(QueueOut(reviews=rows))


@route(bp, "post", BASE, "Open the review of a released evaluation", body=OpenReviewIn,
       response=ReviewOut)  # fmt: skip
def open_review() -> Response:
    """Fetch a released evaluation from Genesys and open its review (idempotent)."""
    body = parse_body(OpenReviewIn)
    genesys = get_genesys()
    if genesys is None:
        raise Conflict(
            "Genesys is not configured: reviews open from its events.",
            code="genesys_not_configured",
        )
    session = get_session()
    review = sync.open_from_genesys(
        session,
        genesys=genesys,
        conversation_id=body.conversationId,
        evaluation_id=body.evaluationId,
    )
    out = service.get_review(
        session,
        evaluation_id=review.evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
    )
    return respond(out, status=201)


@route(bp, "get", f"{BASE}/<evaluation_id>", "One review", response=ReviewOut)
def get_review(evaluation_id: str) -> Response:
    """A review with its questions and rounds (someone else's answers 404)."""
    out = service.get_review(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
    )
    return respond(out)


@route(bp, "post", f"{BASE}/<evaluation_id>/accept", "Accept an evaluation", response=ReviewOut)
def accept(evaluation_id: str) -> Response:
    """The evaluation's agent acknowledges it: Resolved."""
    out = service.accept(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
    )
    return respond(out)


@route(bp, "post", f"{BASE}/<evaluation_id>/disputes", "Dispute questions", body=DisputeIn,
       response=ReviewOut)  # fmt: skip
def dispute(evaluation_id: str) -> Response:
    """The evaluation's agent disputes questions, each with a reason: a new round."""
    body = parse_body(DisputeIn)
    out = service.dispute(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
        questions=body.questions,
    )
    return respond(out, status=201)


@route(bp, "post", f"{BASE}/<evaluation_id>/answers", "Answer disputed questions",
       body=AnswerIn, response=ReviewOut)  # fmt: skip
def answer(evaluation_id: str) -> Response:
    """The agent's supervisor (or an admin) upholds or changes each disputed answer."""
    body = parse_body(AnswerIn)
    out = service.answer(
        get_session(),
        evaluation_id=evaluation_id,
        principal=current_principal(),
        settings=get_settings(),
        answers=body.answers,
    )
    return respond(out)
