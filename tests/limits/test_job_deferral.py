"""A throttle longer than the in-process cap sends the job back to the queue for that time.

A deferral is not a failure: it does not spend an attempt (so a job on its last attempt is
deferred, not dead-lettered). Every other RetryLater still spends one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.db import get_db
from service.genesys.api import GenesysUnavailable
from service.jobs import rules, service
from service.jobs.models import Job
from service.jobs.registry import HANDLERS, RetryLater, job_handler
from service.llm.client import LlmUnavailable

KINDS = ("t.throttled", "t.wrapped", "t.llm", "t.plain")


@pytest.fixture(autouse=True)
def _handlers():
    @job_handler("t.throttled")
    def throttled(ctx):
        raise RetryLater("429", retry_after=600, throttled=True)

    @job_handler("t.wrapped")
    def wrapped(ctx):
        try:
            raise GenesysUnavailable("429 for 900 s", retry_after=900, throttled=True)
        except GenesysUnavailable as exc:  # how the domains map it: no throttled flag passed on
            raise RetryLater(str(exc), exc.retry_after) from exc

    @job_handler("t.llm")
    def llm(ctx):
        raise LlmUnavailable("asked 120 s", retry_after=120, throttled=True)

    @job_handler("t.plain")
    def plain(ctx):
        raise RetryLater("503", retry_after=600)

    yield
    for kind in KINDS:
        HANDLERS.pop(kind, None)


def _run(app, settings, kind: str, max_attempts: int) -> Job:
    with get_db(app).session_scope() as s:
        job, _ = service.enqueue(s, kind, {}, max_attempts=max_attempts)
        job_id = job.id
    assert service.run_one(app, settings) == "queued"
    with get_db(app).session_scope() as s:
        found = s.get(Job, job_id)
        s.expunge(found)
    return found


@pytest.mark.parametrize(
    ("kind", "wait"), [("t.throttled", 600), ("t.wrapped", 900), ("t.llm", 120)]
)
def test_throttle_defers_without_spending_an_attempt(app, settings, kind: str, wait: int) -> None:
    before = datetime.now(UTC)
    job = _run(app, settings, kind, max_attempts=1)  # the last attempt: still not dead
    assert (job.state, job.attempts) == ("queued", 0)
    assert (
        before + timedelta(seconds=wait - 1)
        <= job.run_at
        <= datetime.now(UTC) + timedelta(seconds=wait)
    )
    assert job.last_error and job.last_error.startswith(f"deferred {wait} s")
    assert service.run_one(app, settings) is None  # not due before the time asked


def test_other_retry_later_spends_the_attempt(app, settings) -> None:
    with get_db(app).session_scope() as s:
        job, _ = service.enqueue(s, "t.plain", {}, max_attempts=1)
        job_id = job.id
    assert service.run_one(app, settings) == "dead"
    with get_db(app).session_scope() as s:
        assert s.get(Job, job_id).attempts == 1


@pytest.mark.parametrize(
    ("exc", "wait"),
    [
        (RetryLater("x", 5.0, throttled=True), 5.0),
        (RetryLater("x", 5.0), None),  # a plain retry
        (RetryLater("x", None, throttled=True), None),  # throttled without a time: not a deferral
        (GenesysUnavailable("x", retry_after=-3, throttled=True), 0.0),
        (ValueError("x"), None),
    ],
)
def test_deferral_seconds(exc: BaseException, wait: float | None) -> None:
    assert rules.deferral_seconds(exc) == wait
