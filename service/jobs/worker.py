"""The worker loop: ``qmloop worker`` runs this until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
import time

from flask import Flask

from service.db import classify_db_error, get_db, utcnow
from service.jobs.periodic import enqueue_due
from service.jobs.rules import outage_backoff
from service.jobs.service import WORKER_ID, run_one
from service.settings import Settings

log = logging.getLogger(__name__)


def _extra(failures: int) -> dict[str, object]:
    return {"worker": WORKER_ID, "failures": failures}


def _log_failure(exc: Exception, failures: int, delay: float) -> None:
    """One line per failed poll while the wait grows; a traceback only for what is not an outage."""
    code = classify_db_error(exc)
    extra = {**_extra(failures), "next_try_s": round(delay, 3)}
    if code is None:
        log.exception("worker loop error; next try in %.1f s", delay, extra=extra)
    else:
        log.warning("database failure %s; next try in %.1f s", code, delay, extra=extra)


def run_worker(
    app: Flask,
    settings: Settings,
    stop: threading.Event | None = None,
    kinds: list[str] | None = None,
) -> None:
    """Run due jobs, sleeping ``worker_poll_seconds`` when the queue is empty.

    While polling fails (the database is down, say) the wait doubles up to
    ``worker_max_backoff_seconds``; the first successful poll resets it, with no restart.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("worker started", extra={"worker": WORKER_ID})
    failures = 0
    next_periodic = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_periodic:
                enqueue_periodic(app)
                next_periodic = time.monotonic() + max(1.0, settings.worker_poll_seconds)
            state = run_one(app, settings, kinds=kinds)
        except Exception as exc:  # a database outage must not kill the worker
            failures += 1
            delay = outage_backoff(
                failures, settings.worker_poll_seconds, settings.worker_max_backoff_seconds
            )
            _log_failure(exc, failures, delay)
            stop.wait(delay)
            continue
        if failures:
            log.info(
                "worker recovered after %d failed polls", failures, extra={"worker": WORKER_ID}
            )
            failures = 0
        if state is None:
            stop.wait(settings.worker_poll_seconds)
    log.info("worker stopped", extra={"worker": WORKER_ID})


def enqueue_periodic(app: Flask) -> int:
    """Enqueue the current slot of every declared periodic job (idempotent across workers)."""
    with get_db(app).session_scope() as session:
        return enqueue_due(session, utcnow())
