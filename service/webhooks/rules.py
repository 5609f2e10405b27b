"""Outbound event rules: the event types, the signed envelope, and what an answer means.

Pure functions: no Flask, SQLAlchemy or network. The signature is the LMS webhook's
(``service.coaching.rules.lms_signature``), so one receiver verifies both the same way.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from service.coaching.rules import lms_signature

EVENT_TYPES = (
    "coaching.assigned",
    "coaching.completed",
    "coaching.cancelled",
    "evaluation.scored",
    "dispute.opened",
    "dispute.resolved",
    "calibration.revealed",
    "calibration.scheduled",
    "recognition.given",
    "insights.alert",
)

Outcome = Literal["delivered", "retry", "dead"]


def envelope(event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> bytes:
    """The exact bytes we POST and sign: ``{"id", "type", "occurredAt", "data"}``, compact JSON."""
    doc = {"id": event_id, "type": event_type, "occurredAt": occurred_at.isoformat(), "data": data}
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")


def headers(secret: str, event_id: str, event_type: str, body: bytes, now: int) -> dict[str, str]:
    """Request headers: the event id (the receiver's dedupe key, also ``Idempotency-Key``),
    the type, and ``X-QMLoop-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t." + body>``."""
    return {
        "Content-Type": "application/json",
        "Idempotency-Key": event_id,
        "X-QMLoop-Event-Id": event_id,
        "X-QMLoop-Event-Type": event_type,
        "X-QMLoop-Signature": lms_signature(secret, now, body),
    }


def outcome(status: int) -> Outcome:
    """What a receiver's HTTP status means for the delivery.

    2xx: delivered. 408, 425, 429 and 5xx: try again (the receiver is down or busy). A redirect
    is never followed (it would re-post a signed body to another host) and, like any other 4xx,
    is a configuration problem retrying cannot fix: dead letter, replayable after the fix.
    """
    if 200 <= status < 300:
        return "delivered"
    if status in (408, 425, 429) or status >= 500:
        return "retry"
    return "dead"


def subscribed(event_type: str, wanted: list[str]) -> bool:
    """True when a subscription's event list (``*`` for all) takes ``event_type``."""
    return "*" in wanted or event_type in wanted
