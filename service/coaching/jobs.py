"""Coaching background jobs: triage, assign (when Genesys was down), deliver, archive."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import select

from service.coaching import rules, service, triage, withdraw
from service.coaching.models import ArchiveTask, CoachingAssignment
from service.coaching.schemas import TargetOptions
from service.coaching.targets import TARGETS, TargetContext, archive_workitem
from service.db import utcnow
from service.genesys import get_genesys
from service.genesys.api import GenesysApi, GenesysError, GenesysUnavailable
from service.jobs.models import Job
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler

log = logging.getLogger(__name__)


def genesys_of(app: Flask) -> GenesysApi | None:
    """The app's Genesys client, or None when Genesys is not configured."""
    return get_genesys(app)


def _upstream(exc: Exception) -> Exception:
    """Map a Genesys failure to the job runner's retry vocabulary."""
    if isinstance(exc, GenesysUnavailable):
        return RetryLater(str(exc), retry_after=exc.retry_after)
    return PermanentFailure(f"{type(exc).__name__}: {exc}")


@job_handler("coaching.triage")
def run_triage(ctx: JobContext) -> dict[str, Any]:
    """Triage an evaluation whose event arrived or whose data action call was queued."""
    p = ctx.payload
    try:
        result = triage.triage_evaluation(
            ctx.session,
            settings=ctx.settings,
            genesys=genesys_of(ctx.app),
            evaluation_id=p["evaluation_id"],
            conversation_id=p["conversation_id"],
            status=p.get("status", ""),
            trigger=p.get("trigger", "triage"),
            queue_on_unavailable=False,
        )
    except (GenesysUnavailable, GenesysError) as exc:
        raise _upstream(exc) from exc
    return dict(vars(result))


@job_handler("coaching.assign")
def run_assign(ctx: JobContext) -> dict[str, Any]:
    """Finish an ``assign-coaching`` call that was queued because Genesys was unavailable."""
    request = service.AssignRequest(**ctx.payload)
    try:
        result = service.assign_coaching(
            ctx.session,
            settings=ctx.settings,
            genesys=genesys_of(ctx.app),
            request=request,
            queue_on_unavailable=False,
        )
    except (GenesysUnavailable, GenesysError) as exc:
        raise _upstream(exc) from exc
    return dict(vars(result))


@job_handler("coaching.deliver")
def run_deliver(ctx: JobContext) -> dict[str, Any]:
    """Deliver a committed assignment to its target (each target is idempotent)."""
    a = ctx.session.get(CoachingAssignment, ctx.payload["assignment_id"])
    if a is None:
        raise PermanentFailure("assignment not found")
    if a.delivery_state in ("delivered", "local") or a.status == "cancelled":
        return {"state": a.delivery_state, "externalId": a.external_id}
    target_ctx = TargetContext(
        ctx.settings,
        genesys_of(ctx.app),
        TargetOptions.model_validate(a.target_options or {}),
        attempt=ctx.attempt,
    )
    try:
        external_id = TARGETS[a.target].deliver(a, target_ctx)
    except (GenesysUnavailable, GenesysError) as exc:
        raise _upstream(exc) from exc
    a.external_id = external_id
    a.delivery_state = "delivered"
    a.delivered_at = utcnow()
    a.delivery_error = None
    log.info("coaching %s delivered to %s as %r", a.id, a.target, external_id)
    return {"state": "delivered", "target": a.target, "externalId": external_id}


@job_handler("coaching.withdraw")
def run_withdraw(ctx: JobContext) -> dict[str, Any]:
    """Settle a withdrawn evaluation's assignment with its target: remove or flag."""
    a = ctx.session.get(CoachingAssignment, ctx.payload["assignment_id"])
    if a is None:
        raise PermanentFailure("assignment not found")
    reason = ctx.payload.get("reason", "")
    if a.delivery_state == "pending":
        delivery = ctx.session.scalar(
            select(Job).where(Job.idempotency_key == rules.delivery_job_key(a.id))
        )
        if delivery is not None and delivery.state not in ("done", "dead"):
            raise RetryLater("the delivery is still running", retry_after=30)
        withdraw.cancel(a, reason, utcnow())  # never delivered: nothing outside to remove
        return {"action": "cancel"}
    if a.delivery_state != "delivered" or not a.external_id:
        withdraw.cancel(a, reason, utcnow())
        return {"action": "cancel"}
    target_ctx = TargetContext(
        ctx.settings,
        genesys_of(ctx.app),
        TargetOptions.model_validate(a.target_options or {}),
        reason,
    )
    try:
        started = TARGETS[a.target].withdraw(a, target_ctx)
    except (GenesysUnavailable, GenesysError) as exc:
        raise _upstream(exc) from exc
    if started:
        withdraw.flag(a, reason, utcnow())
        return {"action": "flag", "externalId": a.external_id}
    withdraw.cancel(a, reason, utcnow())
    a.delivery_error = None
    return {"action": "cancel", "removed": a.external_id}


@job_handler("coaching.archive")
def run_archive(ctx: JobContext) -> dict[str, Any]:
    """Create the manager's archive workitem for an inactive agent."""
    task = ctx.session.get(ArchiveTask, ctx.payload["archive_task_id"])
    if task is None:
        raise PermanentFailure("archive task not found")
    if task.delivery_state == "delivered":
        return {"state": "delivered", "externalId": task.external_id}
    options = TargetOptions(workitem_type_id=ctx.payload.get("workitem_type_id", ""))
    target_ctx = TargetContext(ctx.settings, genesys_of(ctx.app), options)
    try:
        task.external_id = archive_workitem(task, target_ctx)
    except (GenesysUnavailable, GenesysError) as exc:
        raise _upstream(exc) from exc
    task.delivery_state = "delivered"
    return {"state": "delivered", "externalId": task.external_id}
