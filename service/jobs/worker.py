"""The worker loop: ``qmloop worker`` runs this until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
import time

from flask import Flask

from service.jobs.service import WORKER_ID, run_one
from service.settings import Settings

log = logging.getLogger(__name__)


def run_worker(
    app: Flask,
    settings: Settings,
    stop: threading.Event | None = None,
    kinds: list[str] | None = None,
) -> None:
    """Run due jobs, sleeping ``worker_poll_seconds`` when the queue is empty."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("worker started", extra={"worker": WORKER_ID})
    while not stop.is_set():
        try:
            state = run_one(app, settings, kinds=kinds)
        except Exception:  # a database hiccup must not kill the worker
            log.exception("worker loop error")
            state = None
            time.sleep(settings.worker_poll_seconds)
        if state is None:
            stop.wait(settings.worker_poll_seconds)
    log.info("worker stopped", extra={"worker": WORKER_ID})
