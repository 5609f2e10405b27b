"""Export kinds of sentiment per interaction and recognitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.exports.kinds.common import INT, D, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare
from service.sentiment.models import Recognition, SentimentInteraction

# --- sentiment and recognitions ----------------------------------------------------------------
# These tables keep no updated_at: the change cursor is the row's creation time, so a later
# change to a row (a recognition's delivery state) is not re-exported by an incremental run.


def _sentiment(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "sentiment_id": r.id,
        "conversation_id": r.conversation_id,
        "agent_id": r.agent_id,
        "queue_id": r.queue_id,
        "ended_at": r.ended_at,
        "customer_score": r.customer_score,
        "agent_score": r.agent_score,
        "customer_phrases": r.customer_phrases,
        "agent_phrases": r.agent_phrases,
        "source": r.source,
        "status": r.status,
        "decision": r.decision,
        "reason": r.reason,
        "assignment_id": r.assignment_id,
        "recognition_id": r.recognition_id,
        "created_at": r.created_at,
    }


declare(
    ExportKind(
        name="sentiment_interactions",
        description="One row per finished interaction and agent: its sentiment and the decision.",
        model=SentimentInteraction,
        occurred=SentimentInteraction.ended_at,
        changed=SentimentInteraction.created_at,
        columns=_cols(
            ("sentiment_id", S, "QM Loop id of the sentiment record."),
            ("conversation_id", S, "Genesys conversation id."),
            ("agent_id", S, "Genesys user id of the agent."),
            ("queue_id", S, "Genesys queue id (empty when unknown)."),
            ("ended_at", T, "When the interaction ended (UTC)."),
            ("customer_score", N, "Customer sentiment, -100 to 100; null when unknown."),
            ("agent_score", N, "Agent sentiment, -100 to 100; null when unknown."),
            ("customer_phrases", INT, "Customer phrases the score is based on."),
            ("agent_phrases", INT, "Agent phrases the score is based on."),
            (
                "source",
                S,
                "Where the scores came from (given in the event, Genesys speech analytics, ...).",
            ),
            ("status", S, "qualifying (negative enough to count), neutral or unknown."),
            ("decision", S, "What it led to: coach, kudos, none."),
            ("reason", S, "Why that decision."),
            ("assignment_id", S, "Coaching assignment it created (empty when none)."),
            ("recognition_id", S, "Recognition it created (empty when none)."),
            ("created_at", T, "When QM Loop recorded it (UTC); the change cursor's column."),
        ),
        rows=_sentiment,
        key=("sentiment_id",),
        filters={
            "agent_id": SentimentInteraction.agent_id,
            "queue_id": SentimentInteraction.queue_id,
            "decision": SentimentInteraction.decision,
        },
    )
)


def _recognition(r: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "recognition_id": r.id,
        "agent_id": r.agent_id,
        "day": r.day,
        "conversation_id": r.conversation_id,
        "customer_score": r.customer_score,
        "delivery_state": r.delivery_state,
        "email_state": r.email_state,
        "created_at": r.created_at,
    }


declare(
    ExportKind(
        name="recognitions",
        description="One row per recognition (kudos) given to an agent, at most one a day.",
        model=Recognition,
        occurred=Recognition.created_at,
        changed=Recognition.created_at,
        columns=_cols(
            ("recognition_id", S, "QM Loop id of the recognition."),
            ("agent_id", S, "Genesys user id of the recognised agent."),
            ("day", D, "The day it is for (UTC)."),
            ("conversation_id", S, "The highly positive interaction behind it."),
            ("customer_score", N, "Customer sentiment of that interaction, -100 to 100."),
            ("delivery_state", S, "Kudos webhook delivery: local, pending, delivered, failed."),
            ("email_state", S, "Kudos email: none, pending, sent, no_address, ..."),
            ("created_at", T, "When it was given (UTC); the change cursor's column."),
        ),
        rows=_recognition,
        key=("recognition_id",),
        filters={"agent_id": Recognition.agent_id},
    )
)
