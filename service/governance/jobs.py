"""Periodic governance jobs: the retention purge and the reconciliation with Genesys.

Both are declared as data (service/jobs/periodic.py): the worker enqueues a tick per slot; each
tick decides from the settings and the GovernanceCursor row whether there is work:

- ``governance.purge`` (tick every 15 minutes) runs the purge when the last one started
  ``QM_GOVERNANCE_PURGE_EVERY_SECONDS`` ago or more; one UPDATE claims the run, so of two workers
  ticking together one purges and the other returns ``not_due``.
- ``governance.reconcile`` (tick every 5 minutes) continues a sweep under way, or starts one when
  the last ended ``QM_GOVERNANCE_RECONCILE_EVERY_SECONDS`` ago; service/governance/reconcile.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.db import utcnow
from service.genesys import get_genesys
from service.genesys.api import GenesysUnavailable
from service.governance import reconcile, retention
from service.governance.models import GovernanceCursor
from service.jobs.periodic import Periodic
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler
from service.jobs.service import WORKER_ID

PURGE = "governance.purge"
RECONCILE = "governance.reconcile"

PERIODIC = (Periodic(PURGE, every_seconds=900), Periodic(RECONCILE, every_seconds=300))


def claim_purge(session: Session, now: datetime, every_seconds: int) -> bool:
    """Record a purge starting now unless one started less than ``every_seconds`` ago; True
    when this caller may purge (one UPDATE decides between concurrent workers; caller commits)."""
    reconcile.cursor(session, "purge")
    before = now - timedelta(seconds=every_seconds)
    result = session.execute(
        update(GovernanceCursor)
        .where(
            GovernanceCursor.name == "purge",
            GovernanceCursor.last_run_at.is_(None) | (GovernanceCursor.last_run_at <= before),
        )
        .values(last_run_at=now, holder=WORKER_ID)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


@job_handler(PURGE)
def purge_job(ctx: JobContext) -> dict[str, Any]:
    """Purge data past its retention period, batch by batch (each batch committed)."""
    settings = ctx.settings
    try:
        days = retention.retention_days(settings.governance_retention_days)
    except ValueError as exc:
        raise PermanentFailure(f"QM_GOVERNANCE_RETENTION_DAYS: {exc}") from exc
    if not claim_purge(ctx.session, utcnow(), settings.governance_purge_every_seconds):
        return {"skipped": "not_due"}
    ctx.session.commit()
    counts = retention.purge(
        ctx.session, days, commit=True, batch_size=settings.governance_purge_batch_size
    )
    return {"counts": counts}


@job_handler(RECONCILE)
def reconcile_job(ctx: JobContext) -> dict[str, Any]:
    """Check the conversations we hold against Genesys; follow deletions (reconcile.py)."""
    settings = ctx.settings
    if not settings.governance_reconcile_enabled:
        return {"skipped": "disabled"}
    genesys = get_genesys(ctx.app)
    if genesys is None:
        return {"skipped": "genesys_not_configured"}
    try:
        outcome = reconcile.run(
            ctx.session,
            genesys,
            holder=f"{WORKER_ID}:{ctx.job_id}",
            every_seconds=settings.governance_reconcile_every_seconds,
            per_run=settings.governance_reconcile_conversations_per_run,
            lease_seconds=settings.job_lease_seconds,
        )
    except GenesysUnavailable as exc:
        # Progress so far is committed; this job comes back after Retry-After and resumes.
        raise RetryLater(str(exc), exc.retry_after, throttled=exc.throttled) from exc
    return outcome.as_dict()
