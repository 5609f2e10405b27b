"""Insight background jobs: store an evaluation snapshot (queued by the coaching triage path by
kind name) and the hourly trust alert check."""

from __future__ import annotations

from typing import Any

from service.db import utcnow
from service.errors import ServiceError
from service.insights import service
from service.jobs.periodic import Periodic
from service.jobs.registry import JobContext, PermanentFailure, job_handler

RECORD = "insights.record_evaluation"  # the name service.coaching.snapshot enqueues
CHECK = "insights.check_alerts"

PERIODIC = (Periodic(CHECK, every_seconds=3600),)


@job_handler(RECORD)
def run_record(ctx: JobContext) -> dict[str, Any]:
    """Store one finished evaluation's section scores and answers."""
    try:
        return {"rows": service.record_evaluation(ctx.session, payload=ctx.payload)}
    except (ServiceError, KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"unreadable snapshot: {exc}") from exc


@job_handler(CHECK)
def run_check(ctx: JobContext) -> dict[str, Any]:
    """Open and resolve trust alerts (agreement below the floor, overturns above the ceiling)."""
    return service.check_alerts(ctx.session, settings=ctx.settings, now=utcnow())
