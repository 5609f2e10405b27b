"""The durable queue: idempotent enqueue, retries with backoff, dead letters, replay."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from service.db import get_db
from service.jobs import rules, service
from service.jobs.models import Job
from service.jobs.registry import HANDLERS, PermanentFailure, RetryLater, job_handler

CALLS: list[str] = []


@pytest.fixture(autouse=True)
def _handlers():
    CALLS.clear()

    @job_handler("test.ok")
    def ok(ctx):
        CALLS.append(ctx.payload["n"])
        return {"seen": ctx.payload["n"]}

    @job_handler("test.flaky")
    def flaky(ctx):
        CALLS.append(f"try{ctx.attempt}")
        if ctx.attempt < 3:
            raise RuntimeError("upstream 503")
        return None

    @job_handler("test.always_fails")
    def always(ctx):
        raise RuntimeError("boom")

    @job_handler("test.permanent")
    def permanent(ctx):
        raise PermanentFailure("bad payload")

    @job_handler("test.later")
    def later(ctx):
        raise RetryLater("429", retry_after=60)

    yield
    for kind in ("test.ok", "test.flaky", "test.always_fails", "test.permanent", "test.later"):
        HANDLERS.pop(kind, None)


def _enqueue(app, kind, payload=None, key=None):
    with get_db(app).session_scope() as s:
        job, created = service.enqueue(s, kind, payload or {}, key=key)
        return job.id, created


def _job(app, job_id):
    with get_db(app).session_scope() as s:
        job = s.get(Job, job_id)
        s.expunge(job)
        return job


def test_enqueue_same_key_is_one_job(app):
    a, created_a = _enqueue(app, "test.ok", {"n": 1}, key="k1")
    b, created_b = _enqueue(app, "test.ok", {"n": 2}, key="k1")
    assert a == b and created_a and not created_b


def test_concurrent_enqueue_same_key(app):
    ids, errors = [], []

    def worker():
        try:
            ids.append(_enqueue(app, "test.ok", {"n": 1}, key="race")[0])
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 1
    with get_db(app).session_scope() as s:
        assert s.query(Job).count() == 1


def test_success_runs_once(app, settings):
    job_id, _ = _enqueue(app, "test.ok", {"n": 7})
    assert service.drain(app, settings) == {"done": 1}
    job = _job(app, job_id)
    assert job.state == "done" and job.result == {"seen": 7} and CALLS == [7]
    assert service.drain(app, settings) == {}


def test_flaky_succeeds_on_third_attempt(app, settings):
    job_id, _ = _enqueue(app, "test.flaky")
    service.drain(app, settings)
    job = _job(app, job_id)
    assert job.state == "done" and job.attempts == 3
    assert CALLS == ["try1", "try2", "try3"]


def test_exhausted_retries_dead_letter_then_replay(app, settings, auth, client):
    job_id, _ = _enqueue(app, "test.always_fails")
    service.drain(app, settings)
    job = _job(app, job_id)
    assert job.state == "dead" and job.attempts == 4 and "boom" in job.last_error
    listed = client.get("/api/v1/jobs?state=dead", headers=auth).get_json()
    assert [j["id"] for j in listed["jobs"]] == [job_id]
    assert client.post(f"/api/v1/jobs/{job_id}/retry", headers=auth).get_json()["state"] == "queued"
    again = client.post(f"/api/v1/jobs/{job_id}/retry", headers=auth)
    assert again.status_code == 409 and again.get_json()["code"] == "job_not_dead"


def test_permanent_failure_dead_at_once(app, settings):
    job_id, _ = _enqueue(app, "test.permanent")
    service.drain(app, settings)
    assert _job(app, job_id).attempts == 1 and _job(app, job_id).state == "dead"


def test_unknown_kind_is_dead_letter(app, settings):
    job_id, _ = _enqueue(app, "test.nobody_handles_this")
    service.drain(app, settings)
    assert _job(app, job_id).state == "dead"


def test_retry_after_is_honoured(app, settings):
    job_id, _ = _enqueue(app, "test.later")
    before = datetime.now(UTC)
    assert service.run_one(app, settings) == "queued"
    job = _job(app, job_id)
    assert job.run_at >= before + timedelta(seconds=59)
    assert service.run_one(app, settings) is None  # not due yet


def test_expired_lease_is_reclaimed(app, settings):
    job_id, _ = _enqueue(app, "test.ok", {"n": 1})
    with get_db(app).session_scope() as s:
        job = service.claim(s, "dead-worker", lease_seconds=60)
        job.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert service.run_one(app, settings) == "done"


def test_purge_and_api_validation(app, settings, auth, client):
    _enqueue(app, "test.ok", {"n": 1})
    service.drain(app, settings)
    bad = client.post("/api/v1/jobs/purge", headers=auth, json={"state": "queued"})
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "state"
    resp = client.post("/api/v1/jobs/purge", headers=auth, json={"state": "done"})
    assert resp.get_json() == {"count": 1}
    assert client.get("/api/v1/jobs/nope", headers=auth).status_code == 404


def test_parallel_workers_never_run_a_job_twice(app, settings):
    for n in range(40):
        _enqueue(app, "test.ok", {"n": n})
    threads = [threading.Thread(target=service.drain, args=(app, settings)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(CALLS) == list(range(40))


@pytest.mark.parametrize("attempt,expected", [(0, 5), (1, 5), (2, 30), (3, 120), (4, 120)])
def test_retry_delay_schedule(attempt, expected):
    import random

    assert rules.retry_delay(attempt, [5, 30, 120], jitter=0, rng=random.Random(1)) == expected


@pytest.mark.parametrize(
    "attempts,max_attempts,permanent,state",
    [
        (3, 4, False, "queued"),
        (4, 4, False, "dead"),
        (5, 4, False, "dead"),
        (1, 4, True, "dead"),
    ],
)
def test_next_state(attempts, max_attempts, permanent, state):
    assert rules.next_state(attempts, max_attempts, permanent) == state
