"""Test helper: run the job queue until it settles."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from service.db import get_db
from service.jobs import service as jobs
from service.settings import Settings


def settle(app: Flask, settings: Settings, timeout: float = 90.0) -> dict[str, Any]:
    """Run jobs until none is queued or running (retries wait out their Retry-After); returns
    the job counts by state and ``errors``, the dead jobs' last errors. Fails after ``timeout``
    seconds."""
    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        jobs.drain(app, settings)
        with get_db(app).session_scope() as s:
            counts = jobs.counts(s)
        if not counts.get("queued") and not counts.get("running"):
            with get_db(app).session_scope() as s:
                errors = [j.last_error for j in jobs.list_jobs(s, state="dead")]
            return {**counts, "errors": errors}
        time.sleep(0.2)
    raise AssertionError(f"jobs did not settle: {counts}")
