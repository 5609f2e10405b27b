"""Readiness: a short list of named checks that any domain can add to.

Each check takes the app and returns a ``CheckResult``; ``run_checks`` runs them in parallel,
each bounded by ``QM_READINESS_TIMEOUT_SECONDS``. What a check returns is public (``GET
/health/ready`` answers anyone): fixed reason phrases and counts only, never exception text,
hosts or URLs; the exception itself goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.db import classify_db_error, get_db

log = logging.getLogger(__name__)

_CHECKS = "qm_readiness_checks"
_POOL = "qm_readiness_pool"


@dataclass
class CheckResult:
    """One check's answer: ``ok``, a public one-line ``reason`` and optional counts."""

    ok: bool
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """``{"ok": bool, "reason"?: str, **counts}``."""
        out: dict[str, Any] = {"ok": self.ok}
        if self.reason:
            out["reason"] = self.reason
        out.update(self.counts)
        return out


ReadinessCheck = Callable[[Flask], CheckResult]


def add_readiness_check(app: Flask, name: str, check: ReadinessCheck) -> None:
    """Register ``check`` under ``name`` (call from a domain's ``extension.init_app``)."""
    app.extensions.setdefault(_CHECKS, {})[name] = check


def _run_one(app: Flask, name: str, check: ReadinessCheck) -> CheckResult:
    try:
        with app.app_context():
            return check(app)
    except Exception as exc:  # a failing check is an answer, not an error
        log.warning("readiness check %s failed: %s", name, type(exc).__name__, exc_info=True)
        return CheckResult(False, f"check failed: {classify_db_error(exc) or type(exc).__name__}")


def run_checks(app: Flask, timeout: float) -> dict[str, CheckResult]:
    """Run every registered check in parallel; a check still running after ``timeout`` s fails."""
    checks: dict[str, ReadinessCheck] = app.extensions.get(_CHECKS, {})
    if _POOL not in app.extensions:
        app.extensions[_POOL] = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")
    pool: ThreadPoolExecutor = app.extensions[_POOL]
    futures: dict[str, Future[CheckResult]] = {
        name: pool.submit(_run_one, app, name, check) for name, check in checks.items()
    }
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=timeout)
        except FutureTimeout:
            results[name] = CheckResult(False, f"no answer within {timeout:g} s")
    log.debug("readiness: %s", {name: r.ok for name, r in results.items()})
    return results


def check_database(app: Flask) -> CheckResult:
    """The database answers ``SELECT 1``."""
    with get_db(app).engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return CheckResult(True)


def check_migrations(app: Flask) -> CheckResult:
    """The schema is at the code's migration heads."""
    from service.migrate import schema_status

    status = schema_status(get_db(app).engine)
    return CheckResult(status.at_head, "" if status.at_head else status.describe())


def check_genesys(app: Flask) -> CheckResult:
    """A Genesys access token can be obtained (skipped when Genesys is not configured)."""
    from service.genesys import get_genesys

    api = get_genesys(app)
    if api is None:
        return CheckResult(True, "not configured")
    probe = getattr(api, "check_token", None)
    if probe is None:
        return CheckResult(True, "no token check for this client")
    probe()
    return CheckResult(True)


QUEUE_STATES = ("queued", "running", "dead")


@dataclass
class DatabaseReport:
    """What ``database_report`` found: the dialect's name and jobs per state of ``QUEUE_STATES``."""

    dialect: str
    queue: dict[str, int]


def database_report(session: Session) -> DatabaseReport:
    """The database answers ``SELECT 1`` on ``session``, and the job queue's depth; raises what
    the driver raises. Shared by ``GET /health/ready`` (the queue check) and ``GET /api/v1/health``.
    """
    from service.jobs.service import counts

    session.execute(text("SELECT 1"))
    by_state = counts(session)
    queue = {state: by_state.get(state, 0) for state in QUEUE_STATES}
    return DatabaseReport(session.get_bind().dialect.name, queue)


def check_queue(app: Flask) -> CheckResult:
    """Queue depth and dead letters: reported, never a reason to stop traffic."""
    with get_db(app).sessionmaker() as session:
        return CheckResult(True, counts=database_report(session).queue)


def init_readiness(app: Flask) -> None:
    """Register the built-in checks (database, migrations, Genesys, queue)."""
    add_readiness_check(app, "database", check_database)
    add_readiness_check(app, "migrations", check_migrations)
    add_readiness_check(app, "genesys", check_genesys)
    add_readiness_check(app, "queue", check_queue)
