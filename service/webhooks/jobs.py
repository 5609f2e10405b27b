"""Queue handlers of outbound events: fan an event out, deliver it to one subscription."""

from __future__ import annotations

from typing import Any

from service.jobs.registry import JobContext, job_handler
from service.webhooks import service


@job_handler(service.DISPATCH)
def dispatch(ctx: JobContext) -> dict[str, Any]:
    """Queue one delivery per subscription that takes the event's type."""
    event = service.get_event(ctx.session, ctx.payload["eventId"])
    return {"deliveries": service.enqueue_deliveries(ctx.session, ctx.settings, event)}


@job_handler(service.DELIVER)
def deliver(ctx: JobContext) -> dict[str, Any]:
    """POST the event to its subscription (retried by the queue, then dead-lettered)."""
    return service.deliver(
        ctx.session, ctx.settings, ctx.payload["eventId"], ctx.payload["subscription"]
    )
