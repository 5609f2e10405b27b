"""Sentiment endpoints: the ``evaluate-sentiment`` data action, recognitions, balance, policies."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service import get_settings
from service.api import data_action as declare
from service.api import parse_body, parse_query, respond, route
from service.auth.views import current_principal
from service.db import get_session
from service.errors import Forbidden
from service.genesys import get_genesys
from service.sentiment import policies, reports, service
from service.sentiment.schemas import (
    BalanceQuery,
    BalanceReport,
    EvaluateSentimentIn,
    EvaluateSentimentOut,
    RecognitionList,
    SentimentPolicyDoc,
    SentimentPolicyFile,
)

bp = Blueprint("sentiment", __name__)


def _staff() -> None:
    if not current_principal().is_staff:
        raise Forbidden("Only staff and the Genesys integration can do this.")


@declare(
    bp, "evaluate-sentiment", EvaluateSentimentIn, EvaluateSentimentOut, "Judge an interaction"
)
def evaluate_sentiment(body: EvaluateSentimentIn) -> EvaluateSentimentOut:
    """Sentiment of one finished interaction: coach / kudos / watch / none / capped / queued."""
    _staff()
    settings = get_settings()
    return service.evaluate(
        get_session(),
        settings=settings,
        genesys=get_genesys(),
        body=body,
        budget=settings.sentiment_genesys_budget_seconds,
    )


@route(
    bp,
    "get",
    "/api/v1/sentiment/recognitions",
    "Recognitions (kudos)",
    query=BalanceQuery,
    response=RecognitionList,
    tag="sentiment",
)
def list_recognitions() -> Response:
    """Recognitions newest first; agents see their own."""
    q = parse_query(BalanceQuery)
    out = reports.recognitions(get_session(), principal=current_principal(), agent_id=q.agentId)
    return respond(out)


@route(
    bp,
    "get",
    "/api/v1/sentiment/balance",
    "Recognitions vs corrective sessions per agent",
    query=BalanceQuery,
    response=BalanceReport,
    tag="sentiment",
)
def balance() -> Response:
    """Per-agent balance over ``days`` (default 30), for supervisors."""
    q = parse_query(BalanceQuery)
    principal = current_principal()
    return respond(
        reports.balance(get_session(), principal=principal, days=q.days, agent_id=q.agentId)
    )


@route(
    bp,
    "get",
    "/api/v1/sentiment/policies",
    "List sentiment policies",
    response=SentimentPolicyFile,
    tag="sentiment",
)
def list_policies() -> Response:
    """Every stored sentiment policy, the default (``*``) first."""
    _staff()
    rows = policies.list_policies(get_session())
    return respond({"policies": [r.document for r in rows]})


@route(
    bp,
    "put",
    "/api/v1/sentiment/policies/<queue_id>",
    "Create or replace a sentiment policy",
    body=SentimentPolicyDoc,
    response=SentimentPolicyDoc,
    tag="sentiment",
)
def put_policy(queue_id: str) -> Response:
    """Store the policy of a queue id (``*`` = default); the path's queue id wins."""
    if current_principal().role not in ("admin", "integration"):
        raise Forbidden("Only admins can change sentiment policies.")
    body = parse_body(SentimentPolicyDoc)
    doc = body.model_copy(update={"queue_id": queue_id})
    row = policies.put(get_session(), doc=doc, updated_by=current_principal().subject)
    return respond(row.document)


ACW_TOPIC = "v2.detail.events.conversation.*.acw"


def take_acw_event(event: dict[str, Any]) -> Response:
    """A conversation after-call-work event through ``/api/v1/events/genesys``: queued (202)."""
    out = service.take_event(get_session(), settings=get_settings(), event=event)
    return respond(out, status=202 if out.decision == "queued" else 200)


def register_topics() -> None:
    """Route after-call-work events arriving at the shared event intake to sentiment."""
    from service.coaching import views as coaching_views

    if all(pattern != ACW_TOPIC for pattern, _ in coaching_views.TOPIC_HANDLERS):
        coaching_views.TOPIC_HANDLERS.append((ACW_TOPIC, take_acw_event))
