"""Queue use cases: enqueue in the caller's transaction, claim, run, retry, dead-letter."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from service.db import get_db, insert_or_ignore, new_id, utcnow
from service.errors import Conflict, NotFound
from service.jobs import rules
from service.jobs.models import DUE_STATES, Job
from service.jobs.registry import HANDLERS, JobContext, PermanentFailure, RetryLater
from service.paging import newest_first, where_given
from service.settings import Settings

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    delay_seconds: float = 0.0,
    max_attempts: int = rules.MAX_ATTEMPTS,
    correlation_id: str | None = None,
) -> tuple[Job, bool]:
    """Add a job in the caller's transaction; returns (job, created). Same key, same job."""
    values = {
        "id": new_id(),
        "kind": kind,
        "payload": payload,
        "idempotency_key": key,
        "state": "queued",
        "attempts": 0,
        "run_at": utcnow() + timedelta(seconds=delay_seconds),
        "max_attempts": max_attempts,
        "correlation_id": correlation_id,
    }
    job = insert_or_ignore(session, Job, values)
    if job is not None:
        return job, True
    # Same key: that job is this job (a retry, a duplicate delivery, a concurrent request).
    existing = session.scalar(select(Job).where(Job.idempotency_key == key))
    if existing is None:
        raise RuntimeError(f"job insert for key {key!r} conflicted but no job has it")
    return existing, False


def claim(
    session: Session, worker: str, lease_seconds: int, kinds: list[str] | None = None
) -> Job | None:
    """Lock the next due job for this worker (SKIP LOCKED on PostgreSQL), or None."""
    now = utcnow()
    due = or_(
        (Job.state == "queued") & (Job.run_at <= now),
        (Job.state == "running") & (Job.locked_until < now),  # a crashed worker's lease ran out
    )
    # The redundant state test lets the planner use the partial index ``ix_jobs_due``.
    query = select(Job).where(Job.state.in_(DUE_STATES), due).order_by(Job.run_at).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalar(query)
    if job is None:
        return None
    job.state = "running"
    job.attempts += 1
    job.locked_by = worker
    job.locked_until = now + timedelta(seconds=lease_seconds)
    session.flush()
    return job


def _defer(job: Job, wait: float, exc: BaseException) -> None:
    """Back to the queue for ``wait`` seconds, giving the attempt back (a throttle is no fault)."""
    job.attempts = max(job.attempts - 1, 0)
    job.state = "queued"
    job.last_error = rules.truncate_error(f"deferred {wait:.0f} s: {type(exc).__name__}: {exc}")
    job.locked_by = None
    job.locked_until = None
    job.run_at = utcnow() + timedelta(seconds=wait)
    log.info("job deferred", extra={"job_id": job.id, "kind": job.kind, "delay_s": round(wait)})


def _record_failure(session: Session, job_id: str, settings: Settings, exc: BaseException) -> None:
    job = session.get(Job, job_id)
    if job is None:
        return
    wait = rules.deferral_seconds(exc)
    if wait is not None and job.kind in HANDLERS:
        _defer(job, wait, exc)
        return
    permanent = isinstance(exc, PermanentFailure) or job.kind not in HANDLERS
    retry_after = exc.retry_after if isinstance(exc, RetryLater) else None
    job.state = rules.next_state(job.attempts, job.max_attempts, permanent)
    job.last_error = rules.truncate_error(f"{type(exc).__name__}: {exc}")
    job.locked_by = None
    job.locked_until = None
    if job.state == "queued":
        delay = rules.retry_delay(job.attempts, settings.job_backoffs)
        job.run_at = rules.next_run_at(utcnow(), delay, retry_after)
    else:
        job.finished_at = utcnow()
        log.error(
            "job dead-lettered", extra={"job_id": job.id, "kind": job.kind, "error": job.last_error}
        )


def _execute(app: Flask, settings: Settings, job_id: str) -> str:
    db = get_db(app)
    with db.session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        handler = HANDLERS.get(job.kind)
        if handler is None:
            raise PermanentFailure(f"no handler for job kind {job.kind!r}")
        ctx = JobContext(job.id, job.kind, job.attempts, dict(job.payload), session, app, settings)
        result = handler(ctx)
        job.state = "done"
        job.result = result
        job.finished_at = utcnow()
        job.locked_by = None
        job.locked_until = None
        job.last_error = None
    return "done"


def run_one(
    app: Flask, settings: Settings, worker: str = WORKER_ID, kinds: list[str] | None = None
) -> str | None:
    """Claim and run one due job; returns its final state for this attempt, or None if idle."""
    db = get_db(app)
    with db.session_scope() as session:
        job = claim(session, worker, settings.job_lease_seconds, kinds)
        if job is None:
            return None
        job_id, kind = job.id, job.kind
    try:
        with app.app_context():
            return _execute(app, settings, job_id)
    except Exception as exc:  # the job's failure is recorded, never swallowed
        log.warning(
            "job attempt failed", extra={"job_id": job_id, "kind": kind, "error": str(exc)[:500]}
        )
        if not isinstance(exc, RetryLater | PermanentFailure):
            log.debug("traceback: %s", traceback.format_exc())
        with db.session_scope() as session:
            _record_failure(session, job_id, settings, exc)
            failed = session.get(Job, job_id)
            return failed.state if failed else "dead"


def drain(
    app: Flask, settings: Settings, max_jobs: int = 100_000, kinds: list[str] | None = None
) -> dict[str, int]:
    """Run due jobs until none are left (tests, the demo, one-shot batches)."""
    seen: dict[str, int] = {}
    for _ in range(max_jobs):
        state = run_one(app, settings, kinds=kinds)
        if state is None:
            break
        seen[state] = seen.get(state, 0) + 1
    return seen


def counts(session: Session) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state: int(n) for state, n in rows}


def counts_by_kind(session: Session, *, state: str) -> dict[str, int]:
    """How many jobs of each kind are in one state (e.g. ``dead``), largest first."""
    query = select(Job.kind, func.count()).where(Job.state == state).group_by(Job.kind)
    rows = sorted(session.execute(query).all(), key=lambda r: (-int(r[1]), str(r[0])))
    return {str(kind): int(n) for kind, n in rows}


def list_jobs(
    session: Session, *, state: str | None = None, kind: str | None = None, limit: int = 100
) -> list[Job]:
    """Jobs, newest first, optionally filtered."""
    query = where_given(select(Job), {Job.state: state, Job.kind: kind})
    return list(newest_first(session, query, by=Job.created_at, limit=limit))


def get(session: Session, *, job_id: str) -> Job:
    """One job; raises ``NotFound``."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.", code="job_not_found")
    return job


def retry(session: Session, *, job_id: str) -> Job:
    """Put a dead job back in the queue with fresh attempts; raises ``NotFound``/``Conflict``."""
    job = get(session, job_id=job_id)
    if job.state != "dead":
        raise Conflict(
            f"Job {job_id} is {job.state}; only dead jobs can be retried.", code="job_not_dead"
        )
    job.state = "queued"
    job.attempts = 0
    job.run_at = utcnow()
    job.finished_at = None
    session.flush()
    return job


def retry_all_dead(session: Session, *, kind: str | None = None) -> int:
    """Requeue every dead job (optionally of one kind); returns how many."""
    jobs = list_jobs(session, state="dead", kind=kind, limit=1_000_000)
    for job in jobs:
        retry(session, job_id=job.id)
    return len(jobs)


def purge(session: Session, *, state: str, older_than_days: float = 0.0) -> int:
    """Delete finished (``done``) or ``dead`` jobs older than the given age; returns how many."""
    if state not in ("done", "dead"):
        raise Conflict("Only done or dead jobs can be purged.", code="bad_purge_state")
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(delete(Job).where(Job.state == state, Job.updated_at <= cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
