"""Outbound event use cases: ``emit`` (other domains call it), fan-out, delivery, replay.

``emit`` writes the event to the outbox and enqueues its dispatch job in the caller's
transaction, so an event exists exactly when the business change committed (with no
subscription for its type, only the outbox row is written: ``qmloop events replay`` sends it
once one exists). The dispatch job
enqueues one delivery job per matching subscription; each delivery is retried with the queue's
backoff and dead-lettered after ``QM_WEBHOOK_MAX_ATTEMPTS``. Delivery is at least once: a
receiver dedupes on the event id.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import requests
from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import new_id, utcnow
from service.errors import InvalidInput, NotFound
from service.genesys.rules import parse_retry_after
from service.jobs.registry import PermanentFailure, RetryLater
from service.jobs.service import enqueue
from service.settings import Settings, WebhookSubscription
from service.webhooks import rules
from service.webhooks.models import WebhookEvent

DISPATCH = "webhooks.dispatch"
DELIVER = "webhooks.deliver"


def emit(session: Session, event_type: str, payload: dict[str, Any]) -> WebhookEvent:
    """Record an event in the caller's transaction and queue its dispatch; returns the row.

    ``payload`` must be JSON-serializable (ids, strings, numbers, ISO dates). Raises
    ``ValueError`` for an unknown type (a programming error, not bad input).
    """
    if event_type not in rules.EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = WebhookEvent(id=new_id(), type=event_type, payload=payload, occurred_at=utcnow())
    session.add(event)
    session.flush()
    if _anyone_subscribed(event_type):
        enqueue(session, DISPATCH, {"eventId": event.id}, key=f"webhook-dispatch:{event.id}")
    return event


def _anyone_subscribed(event_type: str) -> bool:
    """True when a subscription of the current app's settings takes the type.

    Requests and jobs always run inside an app. Outside one (a library call) we cannot tell,
    and only the outbox row is kept, as when nobody subscribes: ``qmloop events replay`` sends
    such events once a subscription wants them.
    """
    if not has_app_context():
        return False
    settings = current_app.config.get("QM_SETTINGS")
    return settings is not None and bool(subscriptions_for(settings, event_type))


def subscriptions_for(settings: Settings, event_type: str) -> list[WebhookSubscription]:
    """The configured subscriptions that take ``event_type``."""
    return [s for s in settings.webhook_subscriptions if rules.subscribed(event_type, s.events)]


def enqueue_deliveries(
    session: Session, settings: Settings, event: WebhookEvent, *, replay: str = ""
) -> int:
    """Queue one delivery per matching subscription; ``replay`` makes fresh job keys."""
    count = 0
    for sub in subscriptions_for(settings, event.type):
        key = f"webhook:{sub.name}:{event.id}" + (f":replay:{replay}" if replay else "")
        payload = {"eventId": event.id, "subscription": sub.name}
        _job, created = enqueue(
            session, DELIVER, payload, key=key, max_attempts=settings.webhook_max_attempts
        )
        count += int(created)
    return count


def get_event(session: Session, event_id: str) -> WebhookEvent:
    """One event by id; raises ``NotFound``."""
    event = session.scalar(select(WebhookEvent).where(WebhookEvent.id == event_id))
    if event is None:
        raise NotFound(f"No event {event_id}.", code="event_not_found")
    return event


def _subscription(settings: Settings, name: str) -> WebhookSubscription:
    for sub in settings.webhook_subscriptions:
        if sub.name == name:
            return sub
    raise PermanentFailure(f"no webhook subscription named {name!r} any more")


def deliver(session: Session, settings: Settings, event_id: str, name: str) -> dict[str, Any]:
    """POST one event to one subscription; returns ``{"status": ...}`` when delivered.

    Raises ``RetryLater`` (timeouts, connection errors, 408/425/429/5xx, honouring
    ``Retry-After``) or ``PermanentFailure`` (redirects, other 4xx, a removed subscription).
    """
    sub = _subscription(settings, name)
    event = get_event(session, event_id)
    body = rules.envelope(event.id, event.type, event.occurred_at, event.payload)
    secret = sub.secret.get_secret_value()
    headers = rules.headers(secret, event.id, event.type, body, int(time.time()))
    try:
        resp = requests.post(
            sub.url,
            data=body,
            headers=headers,
            timeout=settings.webhook_timeout_seconds,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise RetryLater(f"webhook {name} unreachable: {type(exc).__name__}") from exc
    verdict = rules.outcome(resp.status_code)
    if verdict == "retry":
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        raise RetryLater(f"webhook {name} answered {resp.status_code}", retry_after=wait)
    if verdict == "dead":
        raise PermanentFailure(f"webhook {name} answered {resp.status_code} (not retried)")
    return {"status": resp.status_code, "subscription": name}


def events_between(
    session: Session, *, start: datetime | None, end: datetime | None
) -> list[WebhookEvent]:
    """Events that occurred in ``[start, end)`` in order (either bound may be open)."""
    query = select(WebhookEvent).order_by(WebhookEvent.seq)
    if start is not None:
        query = query.where(WebhookEvent.occurred_at >= start)
    if end is not None:
        query = query.where(WebhookEvent.occurred_at < end)
    return list(session.scalars(query))


def replay(
    session: Session,
    settings: Settings,
    *,
    event_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[int, int]:
    """Queue every selected event again (same event ids); returns (events, deliveries).

    Raises ``InvalidInput`` without a selection, ``NotFound`` for an unknown event id.
    """
    if event_id is None and start is None and end is None:
        raise InvalidInput("Say which events: an event id, or a --from/--to window.")
    events = (
        [get_event(session, event_id)]
        if event_id
        else events_between(session, start=start, end=end)
    )
    run = new_id()
    deliveries = sum(enqueue_deliveries(session, settings, e, replay=run) for e in events)
    return len(events), deliveries
